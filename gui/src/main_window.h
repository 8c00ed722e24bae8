// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_main_window_h
#define dermatwin_gui_main_window_h

#include "body_map_catalogue.h"
#include "field_highlighter.h"
#include "run_controller.h"
#include "study_document.h"

#include <QMainWindow>
#include <QTimer>
#include <QTranslator>

#include <map>
#include <memory>

class QAction;
class QCheckBox;
class QLabel;
class QMenu;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QStackedWidget;
class QTabWidget;
class QTemporaryDir;

namespace dermatwin::gui
{
  class ApplicationsPanel;
  class BodyMapPanel;
  class ColumnView;
  class FieldView;
  class DrugPanel;
  class PatientPanel;
  class ResultsPanel;
  class StudyMethodDialog;

  /**
   * The desktop app's window: body map on the left; Patient, Drug & patch,
   * Applications, Results, Field view and Study YAML tabs on the right;
   * runs in a worker thread with progress and Cancel; live re-run of 1D
   * studies after an edit. Each menu action has one small handler.
   */
  class MainWindow : public QMainWindow
  {
    Q_OBJECT
  public:
    explicit MainWindow(QWidget *parent = nullptr);
    ~MainWindow() override;

    StudyDocument &document() { return document_; }
    RunController &runner() { return runner_; }
    ResultsPanel  *results() const { return results_; }
    ApplicationsPanel *applications() const { return applications_; }
    BodyMapPanel  *body_map() const { return body_map_; }
    ColumnView    *column_view() const { return column_; }
    FieldView     *field_view() const { return field_; }
    /// Shows a field time series (fields.pvd of an axisymmetric/3D run) in
    /// the Field view tab; errors go to the banner.
    bool show_fields(const QString &pvd_path);
    QTabWidget    *tabs() const { return tabs_; }
    QLabel        *error_banner() const { return error_banner_; }

    /// Opens a study without asking about unsaved changes.
    bool open_study(const QString &path);
    bool save_study(const QString &path);
    void run_now();
    /// "en" or "zh_CN".
    bool switch_language(const QString &language);
    QString language() const { return language_; }
    /// Unsaved-changes prompt on close/new/open (off in tests).
    void set_prompts(bool on) { prompts_ = on; }
    void set_live(bool on);
    void show_tab(const QString &object_name);
    /// A menu action by name ("population", "sensitivity", "optimization", ...).
    QAction *action(const QString &name) const { return actions_.at(name); }
    /// Replaces the study's `application` list (the optimizer's best regimen).
    void apply_regimen(const QString &application_yaml);

  protected:
    void closeEvent(QCloseEvent *event) override;
    void changeEvent(QEvent *event) override;

  private:
    void build_menus();
    void build_layout();
    void connect_signals();
    void retranslate();
    void update_title();
    void update_recent_menu();
    void add_recent(const QString &path);
    bool maybe_save();
    void on_new();
    void on_open();
    bool on_save();
    bool on_save_as();
    void on_export_plot();
    void on_export_csv();
    void on_export_report();
    void on_document_changed();
    void on_run_finished(const RunOutcome &outcome);
    void on_keep_run();
    void show_error(const QString &message, const QString &key);
    void update_column_view(int row);
    void show_study_dialog(StudyMethodDialog *dialog);
    void show_run_fields(const std::vector<std::pair<std::string, std::string>> &files);

    StudyDocument         document_;
    FieldHighlighter      highlighter_;
    RunController         runner_;
    std::vector<MapPlace> places_;
    QTranslator           translator_;
    QString               language_ = "en";
    bool                  prompts_  = true;
    QTimer                live_timer_;

    BodyMapPanel      *body_map_     = nullptr;
    PatientPanel      *patient_      = nullptr;
    DrugPanel         *drug_         = nullptr;
    ApplicationsPanel *applications_ = nullptr;
    ResultsPanel      *results_      = nullptr;
    ColumnView        *column_       = nullptr;
    FieldView         *field_        = nullptr;
    QStackedWidget    *field_page_   = nullptr;
    std::unique_ptr<QTemporaryDir> fields_dir_; ///< fields of the last axisymmetric/3D run
    QPlainTextEdit    *yaml_         = nullptr;
    QPushButton       *apply_yaml_   = nullptr;
    QTabWidget        *tabs_         = nullptr;
    QLabel            *error_banner_ = nullptr;
    QProgressBar      *progress_     = nullptr;
    QPushButton       *cancel_       = nullptr;
    QCheckBox         *live_         = nullptr;

    std::map<QString, QAction *> actions_;
    std::map<QString, QMenu *>   menus_;
  };
} // namespace dermatwin::gui

#endif
