// SPDX-License-Identifier: LGPL-2.1-or-later
#include "run_controller.h"

#include <dermatwin/studies/study.h>

#include <QMetaObject>
#include <QtConcurrent>

namespace dermatwin::gui
{
  namespace
  {
    RunOutcome run_study(const std::string &text, const QString &file,
                         const std::shared_ptr<std::atomic<bool>> &cancel,
                         const std::function<void(double)> &report)
    {
      RunOutcome outcome;
      try
        {
          const studies::Study study = studies::parse_study(text, file.toStdString());
          studies::ScenarioPlan plan = studies::plan_scenario(study);
          plan.profile_points_per_layer = RunController::profile_points_per_layer;
          // Axisymmetric/3D: the Field view needs fields; 24 frames unless the study asks for some.
          if (plan.multid.geometry != "1d" && !(plan.multid.fields_every_h > 0))
            plan.multid.fields_every_h = plan.end_h / RunController::field_frames;
          for (const studies::ColumnPlan &c : plan.columns)
            outcome.column_labels.push_back(c.label);
          outcome.study_name = QString::fromStdString(study.name);
          outcome.result     = studies::run_scenario(plan, [&](double f) {
            report(f);
            return !cancel->load();
          });
          outcome.ok = true;
        }
      catch (const studies::StudyError &e)
        {
          outcome.error      = QString::fromStdString(e.what());
          outcome.error_key  = QString::fromStdString(e.key);
          outcome.error_line = e.line;
        }
      catch (const std::exception &e)
        {
          outcome.cancelled = cancel->load();
          outcome.error     = outcome.cancelled ? QObject::tr("cancelled") : QString::fromStdString(e.what());
        }
      return outcome;
    }
  } // namespace

  RunController::RunController(QObject *parent)
    : QObject(parent)
  {
    qRegisterMetaType<RunOutcome>("dermatwin::gui::RunOutcome");
    connect(&watcher_, &QFutureWatcher<RunOutcome>::finished, this, &RunController::on_finished);
  }

  RunController::~RunController()
  {
    cancel();
    watcher_.waitForFinished();
  }

  void RunController::start(const std::string &yaml_text, const QString &file)
  {
    pending_ = std::make_pair(yaml_text, file);
    if (watcher_.isRunning())
      cancel(); // on_finished() launches the pending run
    else
      launch();
  }

  void RunController::cancel()
  {
    if (cancel_)
      cancel_->store(true);
  }

  void RunController::launch()
  {
    const auto [text, file] = *pending_;
    pending_.reset();
    cancel_ = std::make_shared<std::atomic<bool>>(false);
    // The destructor waits for the worker, so `this` outlives it.
    auto report = [this](double f) {
      QMetaObject::invokeMethod(this, [this, f] { Q_EMIT progress(f); }, Qt::QueuedConnection);
    };
    Q_EMIT started();
    watcher_.setFuture(QtConcurrent::run(run_study, text, file, cancel_, std::function<void(double)>(report)));
  }

  void RunController::on_finished()
  {
    RunOutcome outcome = watcher_.result();
    if (pending_)
      {
        launch(); // a newer study superseded this run
        return;
      }
    last_ = outcome;
    Q_EMIT finished(outcome);
  }
} // namespace dermatwin::gui
