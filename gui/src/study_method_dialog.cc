// SPDX-License-Identifier: LGPL-2.1-or-later
#include "study_method_dialog.h"

#include <QtConcurrent>
#include <QtWidgets>

namespace dermatwin::gui
{
  StudyMethodDialog::StudyMethodDialog(const std::string &study_yaml, const std::string &study_file,
                                       QWidget *parent)
    : QDialog(parent)
    , study_yaml_(study_yaml)
    , study_file_(study_file)
  {
    content_  = new QVBoxLayout;
    run_      = new QPushButton(tr("Run"));
    cancel_   = new QPushButton(tr("Cancel"));
    progress_ = new QProgressBar;
    status_   = new QLabel;
    run_->setObjectName("run_button");
    cancel_->setObjectName("cancel_button");
    status_->setObjectName("status");
    status_->setWordWrap(true);
    status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
    cancel_->setEnabled(false);

    auto *buttons = new QHBoxLayout;
    buttons->addWidget(run_);
    buttons->addWidget(cancel_);
    buttons->addWidget(progress_, 1);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(content_, 1);
    layout->addLayout(buttons);
    layout->addWidget(status_);

    connect(run_, &QPushButton::clicked, this, &StudyMethodDialog::start);
    connect(cancel_, &QPushButton::clicked, this, [this] { *cancelled_ = true; });
    connect(&watcher_, &QFutureWatcher<QString>::finished, this, [this] {
      run_->setEnabled(true);
      cancel_->setEnabled(false);
      const QString error = watcher_.result();
      if (error.isEmpty())
        {
          progress_->setValue(100);
          job_finished();
        }
      else
        set_status(error == QLatin1String("cancelled") ? tr("Cancelled.") : error);
      Q_EMIT job_done(error.isEmpty());
    });
  }

  StudyMethodDialog::~StudyMethodDialog()
  {
    *cancelled_ = true;
    watcher_.waitForFinished();
  }

  QString StudyMethodDialog::status_text() const { return status_->text(); }

  void StudyMethodDialog::set_status(const QString &text) { status_->setText(text); }

  void StudyMethodDialog::start()
  {
    if (watcher_.isRunning())
      return;
    Job job;
    try
      {
        job = make_job();
      }
    catch (const std::exception &e)
      {
        set_status(QString::fromStdString(e.what()));
        Q_EMIT job_done(false);
        return;
      }
    *cancelled_ = false;
    run_->setEnabled(false);
    cancel_->setEnabled(true);
    progress_->setValue(0);
    set_status(tr("Running…"));
    auto                   cancelled = cancelled_;
    QPointer<QProgressBar> bar       = progress_;
    watcher_.setFuture(QtConcurrent::run([job, cancelled, bar]() -> QString {
      const studies::BatchProgress progress = [cancelled, bar](std::size_t done, std::size_t total) {
        const int percent = total ? int(100 * done / total) : 0;
        QMetaObject::invokeMethod(qApp, [bar, percent] {
          if (bar)
            bar->setValue(percent);
        });
        return !*cancelled;
      };
      try
        {
          job(progress);
          return QString();
        }
      catch (const std::exception &e)
        {
          return QString::fromStdString(e.what()); // "cancelled" after Cancel
        }
    }));
  }
} // namespace dermatwin::gui
