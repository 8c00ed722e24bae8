// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_run_controller_h
#define dermatwin_gui_run_controller_h

#include <dermatwin/studies/scenario.h>

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>
#include <optional>

namespace dermatwin::gui
{
  /// What a run gives back: a result, or the error (a StudyError names the
  /// key and the allowed range), or "cancelled".
  struct RunOutcome
  {
    bool                     ok        = false;
    bool                     cancelled = false;
    QString                  error, error_key;
    int                      error_line = 0;
    studies::Result          result;
    std::vector<std::string> column_labels;
    QString                  study_name;
  };

  /**
   * Runs a study the way `dermatwin run` does (studies::parse_study,
   * plan_scenario, run_scenario) on a worker thread, with depth profiles.
   * A new start() while a run is going cancels it and runs the new study
   * once it has stopped, so live editing never queues stale runs.
   */
  class RunController : public QObject
  {
    Q_OBJECT
  public:
    explicit RunController(QObject *parent = nullptr);
    ~RunController() override;

    /// Starts a run of the study text (@p file is only used in messages).
    void start(const std::string &yaml_text, const QString &file);
    void cancel();
    bool running() const { return watcher_.isRunning(); }
    const std::optional<RunOutcome> &last() const { return last_; }

    /// Samples per skin layer in the depth profiles.
    static constexpr unsigned int profile_points_per_layer = 16;
    /// Field frames of an axisymmetric/3D run whose study sets no fields_every_h.
    static constexpr unsigned int field_frames = 24;

  Q_SIGNALS:
    void started();
    void progress(double fraction);
    void finished(const dermatwin::gui::RunOutcome &outcome);

  private:
    void launch();
    void on_finished();

    QFutureWatcher<RunOutcome>              watcher_;
    std::shared_ptr<std::atomic<bool>>      cancel_;
    std::optional<std::pair<std::string, QString>> pending_;
    std::optional<RunOutcome>               last_;
  };
} // namespace dermatwin::gui

Q_DECLARE_METATYPE(dermatwin::gui::RunOutcome)

#endif
