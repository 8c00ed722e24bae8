// SPDX-License-Identifier: LGPL-2.1-or-later
#include "main_window.h"

#include "applications_panel.h"
#include "body_map_view.h"
#include "column_view.h"
#include "drug_panel.h"
#include "exporter.h"
#include "field_view.h"
#include "patient_panel.h"
#include "optimization_dialog.h"
#include "population_dialog.h"
#include "sensitivity_dialog.h"
#include "results_panel.h"

#include <dermatwin/materials/library.h>

#include <QAction>
#include <QVariant>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSettings>
#include <QSplitter>
#include <QTemporaryDir>
#include <QStackedWidget>
#include <QStatusBar>
#include <QTabWidget>
#include <QVBoxLayout>

namespace dermatwin::gui
{
  namespace
  {
    QString bundled_studies_dir()
    {
      return QString::fromStdString(materials::Library::standard().resource_dir()) + "/studies";
    }
  } // namespace

  MainWindow::MainWindow(QWidget *parent)
    : QMainWindow(parent)
    , places_(map_places(materials::Library::standard()))
  {
    live_timer_.setSingleShot(true);
    live_timer_.setInterval(400); // debounce: run once typing pauses
    build_layout();
    build_menus();
    connect_signals();
    retranslate();
    document_.new_study();
    resize(1500, 940);
  }

  MainWindow::~MainWindow() = default;

  void MainWindow::build_layout()
  {
    body_map_     = new BodyMapPanel(places_, this);
    patient_      = new PatientPanel(document_, highlighter_, this);
    drug_         = new DrugPanel(document_, highlighter_, this);
    applications_ = new ApplicationsPanel(document_, highlighter_, this);
    results_      = new ResultsPanel(this);
    column_       = new ColumnView(this);
    field_        = new FieldView(this);
    field_page_   = new QStackedWidget(this);
    yaml_         = new QPlainTextEdit(this);
    apply_yaml_   = new QPushButton(this);
    tabs_         = new QTabWidget(this);
    error_banner_ = new QLabel(this);
    progress_     = new QProgressBar(this);
    cancel_       = new QPushButton(this);
    live_         = new QCheckBox(this);

    patient_->setObjectName("patient_tab");
    drug_->setObjectName("drug_tab");
    applications_->setObjectName("applications_tab");
    results_->setObjectName("results_tab");
    field_page_->setObjectName("field_tab");
    field_page_->addWidget(column_); // 1D runs
    field_page_->addWidget(field_);  // axisymmetric / 3D fields
    auto *yaml_page = new QWidget(this);
    yaml_page->setObjectName("yaml_tab");
    auto *yaml_layout = new QVBoxLayout(yaml_page);
    yaml_layout->addWidget(yaml_);
    yaml_layout->addWidget(apply_yaml_);
    yaml_->setFont(QFont("Monospace", 9));
    for (QWidget *page : std::initializer_list<QWidget *>{patient_, drug_, applications_, results_, field_page_, yaml_page})
      tabs_->addTab(page, QString());

    error_banner_->setObjectName("error_banner");
    error_banner_->setWordWrap(true);
    error_banner_->setStyleSheet("background: #fde2e2; color: #8a0000; padding: 6px; border: 1px solid #e0a0a0;");
    error_banner_->hide();
    auto *right        = new QWidget(this);
    auto *right_layout = new QVBoxLayout(right);
    right_layout->setContentsMargins(0, 0, 0, 0);
    right_layout->addWidget(error_banner_);
    right_layout->addWidget(tabs_, 1);

    auto *splitter = new QSplitter(this);
    splitter->addWidget(body_map_);
    splitter->addWidget(right);
    splitter->setStretchFactor(1, 1);
    splitter->setSizes({330, 1170});
    setCentralWidget(splitter);

    progress_->setRange(0, 1000);
    progress_->setMaximumWidth(260);
    cancel_->setEnabled(false);
    live_->setChecked(true);
    statusBar()->addPermanentWidget(live_);
    statusBar()->addPermanentWidget(progress_);
    statusBar()->addPermanentWidget(cancel_);
  }

  void MainWindow::build_menus()
  {
    auto action = [this](const QString &name, QMenu *menu, auto handler, const QKeySequence &keys = {}) {
      QAction *a = menu->addAction(QString());
      a->setObjectName(name);
      a->setShortcut(keys);
      connect(a, &QAction::triggered, this, handler);
      actions_[name] = a;
      return a;
    };
    menus_["file"] = menuBar()->addMenu(QString());
    action("new", menus_["file"], [this] { on_new(); }, QKeySequence::New);
    action("open", menus_["file"], [this] { on_open(); }, QKeySequence::Open);
    menus_["bundled"] = menus_["file"]->addMenu(QString());
    for (const QFileInfo &f : QDir(bundled_studies_dir()).entryInfoList({"*.yaml"}, QDir::Files, QDir::Name))
      {
        const QString path = f.absoluteFilePath();
        menus_["bundled"]->addAction(f.completeBaseName(), this, [this, path] {
          if (maybe_save())
            open_study(path);
        });
      }
    menus_["recent"] = menus_["file"]->addMenu(QString());
    action("save", menus_["file"], [this] { on_save(); }, QKeySequence::Save);
    action("save_as", menus_["file"], [this] { on_save_as(); }, QKeySequence::SaveAs);
    menus_["file"]->addSeparator();
    action("open_fields", menus_["file"], [this] {
      const QString path = QFileDialog::getOpenFileName(this, tr("Open field time series"), QString(),
                                                        tr("ParaView data (*.pvd)"));
      if (!path.isEmpty())
        show_fields(path);
    });
    menus_["file"]->addSeparator();
    action("export_plot", menus_["file"], [this] { on_export_plot(); });
    action("export_csv", menus_["file"], [this] { on_export_csv(); });
    action("export_report", menus_["file"], [this] { on_export_report(); });
    menus_["file"]->addSeparator();
    action("quit", menus_["file"], [this] { close(); }, QKeySequence::Quit);

    menus_["run"] = menuBar()->addMenu(QString());
    action("run", menus_["run"], [this] { run_now(); }, QKeySequence(Qt::CTRL | Qt::Key_R));
    action("cancel", menus_["run"], [this] { runner_.cancel(); }, QKeySequence(Qt::Key_Escape));
    action("keep", menus_["run"], [this] { on_keep_run(); });

    // Study methods: dialogs that call the studies:: functions behind the
    // CLI commands (population, sensitivity, optimize) on a worker thread.
    menus_["studies"] = menuBar()->addMenu(QString());
    action("population", menus_["studies"], [this] { show_study_dialog(new PopulationDialog(document_.text(), document_.path().toStdString(), this)); });
    action("sensitivity", menus_["studies"], [this] { show_study_dialog(new SensitivityDialog(document_.text(), document_.path().toStdString(), this)); });
    action("optimization", menus_["studies"], [this] {
      auto *dialog = new OptimizationDialog(document_.text(), document_.path().toStdString(), this);
      connect(dialog, &OptimizationDialog::apply_regimen, this, &MainWindow::apply_regimen);
      show_study_dialog(dialog);
    });

    menus_["language"] = menuBar()->addMenu(QString());
    action("english", menus_["language"], [this] { switch_language("en"); });
    action("chinese", menus_["language"], [this] { switch_language("zh_CN"); });
    menus_["help"] = menuBar()->addMenu(QString());
    action("about", menus_["help"], [this] {
      QMessageBox::about(this, tr("About DermaTwin"),
                         tr("<b>DermaTwin</b>: an open-source digital twin of transdermal drug delivery.<br>"
                            "The desktop app edits the same study files as the <code>dermatwin</code> command."));
    });
    update_recent_menu();
  }

  void MainWindow::connect_signals()
  {
    connect(&document_, &StudyDocument::changed, this, &MainWindow::on_document_changed);
    connect(&document_, &StudyDocument::dirty_changed, this, [this](bool) { update_title(); });
    connect(&document_, &StudyDocument::path_changed, this, [this](const QString &) { update_title(); });
    connect(&live_timer_, &QTimer::timeout, this, &MainWindow::run_now);
    connect(&runner_, &RunController::started, this, [this] {
      progress_->setValue(0);
      cancel_->setEnabled(true);
    });
    connect(&runner_, &RunController::progress, this, [this](double f) { progress_->setValue(int(1000 * f)); });
    connect(&runner_, &RunController::finished, this, &MainWindow::on_run_finished);
    connect(cancel_, &QPushButton::clicked, &runner_, &RunController::cancel);
    connect(apply_yaml_, &QPushButton::clicked, this, [this] {
      QString error;
      if (!document_.set_text(yaml_->toPlainText().toStdString(), error))
        show_error(tr("YAML: %1").arg(error), QString());
    });
    BodyMapView *map = body_map_->view();
    connect(map, &BodyMapView::product_dropped, applications_, &ApplicationsPanel::add_patch);
    connect(map, &BodyMapView::patch_moved, applications_, &ApplicationsPanel::move_patch);
    connect(map, &BodyMapView::patch_remove_requested, applications_, &ApplicationsPanel::remove_patch);
    connect(map, &BodyMapView::place_clicked, patient_, &PatientPanel::show_place);
    connect(applications_, &ApplicationsPanel::selection_changed, drug_, &DrugPanel::set_selected_application);
    connect(applications_, &ApplicationsPanel::message, this, [this](const QString &m) { statusBar()->showMessage(m, 8000); });
    connect(results_, &ResultsPanel::time_row_changed, this, &MainWindow::update_column_view);
    connect(results_, &ResultsPanel::keep_requested, this, &MainWindow::on_keep_run);
  }

  void MainWindow::retranslate()
  {
    const std::map<QString, QString> texts = {
      {"new", tr("&New study")}, {"open", tr("&Open…")}, {"save", tr("&Save")}, {"save_as", tr("Save &as…")},
      {"open_fields", tr("Open field time series (PVD)…")}, {"export_plot", tr("Export plot (PNG, SVG, PDF)…")}, {"export_csv", tr("Export results (CSV)…")},
      {"export_report", tr("Export PDF report…")}, {"quit", tr("&Quit")}, {"run", tr("&Run")},
      {"cancel", tr("&Cancel run")}, {"keep", tr("&Keep run for comparison…")},
      {"population", tr("Virtual population…")}, {"sensitivity", tr("Sensitivity analysis…")},
      {"optimization", tr("Dose optimization…")}, {"english", tr("English")}, {"chinese", tr("中文 (简体)")},
      {"about", tr("&About DermaTwin")}};
    for (const auto &[name, text] : texts)
      actions_[name]->setText(text);
    menus_["file"]->setTitle(tr("&File"));
    menus_["bundled"]->setTitle(tr("Open &bundled study"));
    menus_["recent"]->setTitle(tr("Open &recent"));
    menus_["run"]->setTitle(tr("&Run"));
    menus_["studies"]->setTitle(tr("&Studies"));
    menus_["language"]->setTitle(tr("&Language"));
    menus_["help"]->setTitle(tr("&Help"));
    const QStringList tab_titles = {tr("Patient"), tr("Drug && patch"), tr("Applications"),
                                    tr("Results"), tr("Field view"), tr("Study YAML")};
    for (int i = 0; i < tab_titles.size(); ++i)
      tabs_->setTabText(i, tab_titles[i]);
    apply_yaml_->setText(tr("Apply the edited YAML"));
    cancel_->setText(tr("Cancel"));
    live_->setText(tr("Live re-run"));
    live_->setToolTip(tr("Re-run a 1D study automatically after each change"));
    body_map_->retranslate();
    patient_->retranslate();
    drug_->retranslate();
    applications_->retranslate();
    results_->retranslate();
    column_->retranslate();
    field_->retranslate();
    update_title();
  }

  void MainWindow::changeEvent(QEvent *event)
  {
    if (event->type() == QEvent::LanguageChange)
      retranslate();
    QMainWindow::changeEvent(event);
  }

  bool MainWindow::switch_language(const QString &language)
  {
    qApp->removeTranslator(&translator_);
    language_ = "en";
    if (language != "en")
      {
        const QStringList dirs = {QString(DERMATWIN_GUI_TRANSLATIONS), QApplication::applicationDirPath() + "/../translations"};
        bool loaded = false;
        for (const QString &dir : dirs)
          if (!loaded && translator_.load("dermatwin_" + language, dir))
            loaded = true;
        if (!loaded)
          {
            retranslate();
            return false;
          }
        qApp->installTranslator(&translator_);
        retranslate();
        language_ = language;
      }
    else
      retranslate();
    QSettings().setValue("language", language_);
    return true;
  }

  void MainWindow::update_title()
  {
    setWindowTitle(tr("%1%2 – DermaTwin").arg(document_.display_name(), document_.dirty() ? "*" : ""));
  }

  void MainWindow::update_recent_menu()
  {
    QMenu *menu = menus_["recent"];
    menu->clear();
    for (const QString &path : QSettings().value("recent").toStringList())
      menu->addAction(path, this, [this, path] {
        if (maybe_save())
          open_study(path);
      });
    menu->setEnabled(!menu->isEmpty());
  }

  void MainWindow::add_recent(const QString &path)
  {
    QStringList recent = QSettings().value("recent").toStringList();
    recent.removeAll(path);
    recent.prepend(path);
    QSettings().setValue("recent", QVariant(QStringList(recent.mid(0, 8))));
    update_recent_menu();
  }

  bool MainWindow::maybe_save()
  {
    if (!prompts_ || !document_.dirty())
      return true;
    const auto answer = QMessageBox::warning(this, tr("Unsaved changes"),
                                             tr("%1 has unsaved changes. Save them?").arg(document_.display_name()),
                                             QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel);
    if (answer == QMessageBox::Save)
      return on_save();
    return answer == QMessageBox::Discard;
  }

  bool MainWindow::open_study(const QString &path)
  {
    QString error;
    if (!document_.load(path, error))
      {
        show_error(error, QString());
        return false;
      }
    add_recent(QFileInfo(path).absoluteFilePath());
    results_->clear_kept();
    // Turn the map to the side of the first patch.
    const std::vector<PlacedPatch> patches = applications_->placed_patches();
    for (const MapPlace &place : places_)
      if (!patches.empty() && place.kind == patches.front().kind && place.id == patches.front().place_id)
        body_map_->show_side(place.back_view);
    run_now();
    return true;
  }

  bool MainWindow::save_study(const QString &path)
  {
    QString error;
    if (!document_.save(path, error))
      {
        show_error(error, QString());
        return false;
      }
    add_recent(QFileInfo(path).absoluteFilePath());
    statusBar()->showMessage(tr("Saved %1").arg(path), 5000);
    return true;
  }

  void MainWindow::on_new()
  {
    if (maybe_save())
      document_.new_study();
  }

  void MainWindow::on_open()
  {
    if (!maybe_save())
      return;
    const QString path = QFileDialog::getOpenFileName(this, tr("Open study"), bundled_studies_dir(),
                                                      tr("Study files (*.yaml *.yml)"));
    if (!path.isEmpty())
      open_study(path);
  }

  bool MainWindow::on_save()
  {
    return document_.path().isEmpty() ? on_save_as() : save_study(document_.path());
  }

  bool MainWindow::on_save_as()
  {
    const QString path = QFileDialog::getSaveFileName(this, tr("Save study"), document_.display_name(),
                                                      tr("Study files (*.yaml)"));
    return !path.isEmpty() && save_study(path);
  }

  void MainWindow::on_export_plot()
  {
    show_tab("results_tab"); // the charts are laid out only when shown
    QApplication::processEvents();
    const QString path = QFileDialog::getSaveFileName(this, tr("Export plot"), "plasma.png",
                                                      tr("Images (*.png *.svg *.pdf)"));
    QString error;
    if (!path.isEmpty() && !export_chart(results_->plasma_view(), path, error))
      show_error(error, QString());
  }

  void MainWindow::on_export_csv()
  {
    show_tab("results_tab"); // the charts are laid out only when shown
    QApplication::processEvents();
    if (!results_->outcome())
      return show_error(tr("Run the study first."), QString());
    const QString path = QFileDialog::getSaveFileName(this, tr("Export results"), "timeseries.csv", tr("CSV (*.csv)"));
    QString error;
    if (!path.isEmpty() && !export_csv(*results_->outcome(), path, error))
      show_error(error, QString());
  }

  void MainWindow::on_export_report()
  {
    show_tab("results_tab"); // the charts are laid out only when shown
    QApplication::processEvents();
    if (!results_->outcome())
      return show_error(tr("Run the study first."), QString());
    const QString path = QFileDialog::getSaveFileName(this, tr("Export report"), "report.pdf", tr("PDF (*.pdf)"));
    QString error;
    if (!path.isEmpty() && !export_report(document_, *results_->outcome(), results_->plasma_view(), path, error))
      show_error(error, QString());
  }

  void MainWindow::on_document_changed()
  {
    if (!yaml_->hasFocus())
      yaml_->setPlainText(QString::fromStdString(document_.text()));
    body_map_->view()->set_patches(applications_->placed_patches());
    const std::string geometry = document_.get_text("simulation.geometry", "1d");
    if (live_->isChecked() && geometry == "1d")
      live_timer_.start();
  }

  void MainWindow::show_run_fields(const std::vector<std::pair<std::string, std::string>> &files)
  {
    // The run's fields/ folder, as `dermatwin run` writes it, in a folder of our own.
    fields_dir_ = std::make_unique<QTemporaryDir>();
    for (const auto &[path, content] : files)
      {
        const QString name = fields_dir_->filePath(QString::fromStdString(path));
        QDir().mkpath(QFileInfo(name).path());
        QFile file(name);
        if (!file.open(QIODevice::WriteOnly) || file.write(content.data(), qint64(content.size())) != qint64(content.size()))
          return show_error(tr("Cannot write %1").arg(name), QString());
      }
    // fields/fields.pvd, or with one axisymmetric disc per application
    // fields/application_N/fields.pvd: the first application's series.
    QString pvd;
    for (const auto &file : files)
      if (QString::fromStdString(file.first).endsWith("fields.pvd"))
        {
          pvd = fields_dir_->filePath(QString::fromStdString(file.first));
          break;
        }
    QString error;
    if (pvd.isEmpty() || !field_->load(pvd, error))
      return show_error(pvd.isEmpty() ? tr("The run wrote no field series") : error, QString());
    field_page_->setCurrentWidget(field_);
  }

  bool MainWindow::show_fields(const QString &pvd_path)
  {
    QString error;
    if (!field_->load(pvd_path, error))
      {
        show_error(error, QString());
        return false;
      }
    field_page_->setCurrentWidget(field_);
    show_tab("field_tab");
    return true;
  }

  void MainWindow::show_study_dialog(StudyMethodDialog *dialog)
  {
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->setObjectName("study_dialog");
    dialog->show();
  }

  void MainWindow::apply_regimen(const QString &application_yaml)
  {
    try
      {
        document_.set("application", YAML::Load(application_yaml.toStdString()));
        statusBar()->showMessage(tr("Optimized regimen applied"), 8000);
      }
    catch (const std::exception &e)
      {
        show_error(tr("Could not apply the regimen: %1").arg(QString::fromStdString(e.what())), QString());
      }
  }

  void MainWindow::set_live(const bool on)
  {
    live_->setChecked(on);
    if (!on)
      live_timer_.stop(); // a re-run already scheduled is dropped too
  }

  void MainWindow::run_now()
  {
    live_timer_.stop();
    statusBar()->showMessage(tr("Running…"));
    runner_.start(document_.text(), document_.path().isEmpty() ? document_.display_name() : document_.path());
  }

  void MainWindow::on_run_finished(const RunOutcome &outcome)
  {
    cancel_->setEnabled(false);
    progress_->setValue(outcome.ok ? 1000 : 0);
    if (outcome.cancelled)
      return statusBar()->showMessage(tr("Run cancelled"), 5000);
    if (!outcome.ok)
      return show_error(outcome.error, outcome.error_key);
    highlighter_.clear();
    error_banner_->hide();
    const YAML::Node drug = document_.get("drug");
    results_->show_outcome(outcome, drug.IsScalar() ? QString::fromStdString(drug.Scalar()) : QString());
    if (!outcome.result.field_files.empty())
      show_run_fields(outcome.result.field_files);
    statusBar()->showMessage(tr("Run finished in %1 ms").arg(1e3 * outcome.result.summary.wall_time_s, 0, 'f', 0), 8000);
  }

  void MainWindow::on_keep_run()
  {
    if (!results_->outcome())
      return;
    QString name = document_.get_text("application.0.site", document_.get_text("application.0.acupoint", "run")).c_str();
    if (prompts_)
      {
        bool ok = false;
        name = QInputDialog::getText(this, tr("Keep run"), tr("Name for this curve:"), QLineEdit::Normal, name, &ok);
        if (!ok)
          return;
      }
    results_->keep_current(name);
  }

  void MainWindow::show_error(const QString &message, const QString &key)
  {
    const bool marked = !key.isEmpty() && highlighter_.highlight(key, message);
    error_banner_->setText(marked ? tr("%1\n(the field is marked)").arg(message) : message);
    error_banner_->show();
    statusBar()->showMessage(tr("Error"), 5000);
  }

  void MainWindow::update_column_view(const int row)
  {
    const auto &outcome = results_->outcome();
    const int   c       = results_->profile_column();
    if (!outcome || c < 0 || c >= int(outcome->result.profiles.size()))
      return column_->clear();
    field_page_->setCurrentWidget(column_);
    column_->show_profile(outcome->result.profiles[c], outcome->result.series.time_h.at(row), row);
  }

  void MainWindow::show_tab(const QString &object_name)
  {
    for (int i = 0; i < tabs_->count(); ++i)
      if (tabs_->widget(i)->objectName() == object_name)
        tabs_->setCurrentIndex(i);
  }

  void MainWindow::closeEvent(QCloseEvent *event)
  {
    if (maybe_save())
      {
        runner_.cancel();
        event->accept();
      }
    else
      event->ignore();
  }
} // namespace dermatwin::gui
