// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_study_method_dialog_h
#define dermatwin_gui_study_method_dialog_h

#include <dermatwin/studies/batch.h>

#include <QDialog>
#include <QFutureWatcher>

#include <atomic>
#include <functional>
#include <memory>
#include <string>

class QProgressBar;
class QPushButton;
class QLabel;
class QVBoxLayout;

namespace dermatwin::gui
{
  /**
   * Common frame of the study-method dialogs (population, sensitivity,
   * optimization): a Run / Cancel row with a progress bar and a status line,
   * and a worker thread that runs one studies:: function on the study being
   * edited. The function receives a studies::BatchProgress that updates the
   * bar and returns false once Cancel is pressed, so the library stops and
   * throws "cancelled"; the window never blocks. Subclasses put their inputs
   * above and their results below (content()), build the job in start_job()
   * and show the outcome in job_finished().
   */
  class StudyMethodDialog : public QDialog
  {
    Q_OBJECT
  public:
    StudyMethodDialog(const std::string &study_yaml, const std::string &study_file, QWidget *parent);
    ~StudyMethodDialog() override;

    /// Starts the job as if Run were clicked (tests use this).
    void run() { start(); }
    /// True while the worker thread runs.
    bool running() const { return watcher_.isRunning(); }
    QString status_text() const;

  Q_SIGNALS:
    /// Emitted on the GUI thread when a job ends (ok = no error, not cancelled).
    void job_done(bool ok);

  protected:
    /// A job runs on the worker thread; it throws on error. Results must be
    /// stored in members owned through shared pointers (the dialog may be
    /// closed while the job runs: the destructor cancels and waits).
    using Job = std::function<void(const studies::BatchProgress &progress)>;
    /// Builds the job from the current inputs (GUI thread); throw
    /// std::invalid_argument with a message to refuse bad inputs.
    virtual Job make_job() = 0;
    /// Shows the results of a finished job (GUI thread).
    virtual void job_finished() = 0;

    QVBoxLayout *content() const { return content_; }
    void set_status(const QString &text);
    const std::string &study_yaml() const { return study_yaml_; }
    const std::string &study_file() const { return study_file_; }

  private:
    void start();

    std::string                        study_yaml_, study_file_;
    QVBoxLayout                       *content_;
    QPushButton                       *run_, *cancel_;
    QProgressBar                      *progress_;
    QLabel                            *status_;
    QFutureWatcher<QString>            watcher_;
    std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
  };
} // namespace dermatwin::gui

#endif
