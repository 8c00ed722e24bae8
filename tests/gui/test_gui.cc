// SPDX-License-Identifier: LGPL-2.1-or-later
// The desktop app under a virtual X server: a bundled study run through the
// GUI's controller gives the library's numbers; a product dropped on an
// acupoint lands in the study; save/reload round trip; cancel; invalid
// input marked; language switch; screenshots in build/screenshots/.
#include "applications_panel.h"
#include "body_map_view.h"
#include "column_view.h"
#include "exporter.h"
#include "field_view.h"
#include "main_window.h"
#include "optimization_dialog.h"
#include "population_dialog.h"
#include "results_panel.h"
#include "sensitivity_dialog.h"

#include <dermatwin/studies/optimization.h>
#include <dermatwin/studies/output.h>
#include <dermatwin/studies/population.h>
#include <dermatwin/studies/sensitivity_study.h>
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <QDir>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QMimeData>
#include <QSignalSpy>
#include <QSurfaceFormat>
#include <QTabWidget>
#include <QTemporaryDir>
#include <QtTest>

#include <QVTKOpenGLNativeWidget.h>
#include <vtkCellData.h>
#include <vtkDoubleArray.h>
#include <vtkPointData.h>
#include <vtkPoints.h>
#include <vtkUnstructuredGrid.h>
#include <vtkXMLUnstructuredGridWriter.h>
#include <QtCharts>

using namespace dermatwin;
using namespace dermatwin::gui;

namespace
{
  const QString studies_dir = QString(DERMATWIN_SOURCE_DIR) + "/resources/studies/";
  const QString fentanyl    = studies_dir + "fentanyl_25ugh_upper_arm.yaml";

  /// Waits for the next finished run and returns its outcome.
  RunOutcome wait_for_run(MainWindow &window, int timeout_ms = 120000)
  {
    QSignalSpy spy(&window.runner(), &RunController::finished);
    if (!spy.wait(timeout_ms))
      throw std::runtime_error("run did not finish");
    return spy.takeFirst().at(0).value<RunOutcome>();
  }

  /// Runs a study-method dialog and waits until its job ends.
  bool run_dialog(StudyMethodDialog &dialog, int timeout_ms = 300000)
  {
    QSignalSpy done(&dialog, &StudyMethodDialog::job_done);
    dialog.run();
    if (!done.wait(timeout_ms))
      throw std::runtime_error("study dialog did not finish");
    return done.takeFirst().at(0).toBool();
  }

  /// The study dialog the Studies menu entry @p name opens.
  template <typename Dialog>
  Dialog *open_from_menu(MainWindow &window, const char *name)
  {
    window.action(name)->trigger();
    QApplication::processEvents();
    auto dialogs = window.findChildren<Dialog *>("study_dialog");
    return dialogs.isEmpty() ? nullptr : dialogs.last();
  }

  /// A synthetic axisymmetric field series as an (r, z) run writes it: a
  /// patch (layer 0, r < 1 cm) on three skin layers of a 2-cm disc, z up,
  /// c = c0(t) exp(-r) in each layer scaled per layer; two output times.
  /// Returns the PVD path and the largest concentration written.
  std::pair<QString, double> write_axisymmetric_series(const QString &dir)
  {
    const std::vector<double> faces = {0, 0.15, 0.2, 0.21, 0.25}; // cm: dermis, epidermis, SC, patch
    const std::vector<double> level = {0.02, 0.05, 0.5, 3.0};      // mg/mL scale, bottom to top layer
    const int                 nr    = 20;
    double                    c_max = 0;
    QFile pvd(dir + "/fields.pvd");
    pvd.open(QIODevice::WriteOnly);
    QTextStream out(&pvd);
    out << "<?xml version=\"1.0\"?>\n<VTKFile type=\"Collection\" version=\"0.1\">\n<Collection>\n";
    for (int step = 0; step < 2; ++step)
      {
        const double t = 12.0 * (step + 1), c0 = step == 0 ? 0.5 : 1.0;
        auto grid = vtkSmartPointer<vtkUnstructuredGrid>::New();
        auto points = vtkSmartPointer<vtkPoints>::New();
        auto c = vtkSmartPointer<vtkDoubleArray>::New(), layer = vtkSmartPointer<vtkDoubleArray>::New();
        c->SetName("concentration_mg_per_mL");
        layer->SetName("layer_id");
        for (int l = 0; l < 4; ++l)
          for (int i = 0; i < nr; ++i)
            {
              const double r0 = 2.0 * i / nr, r1 = 2.0 * (i + 1) / nr;
              if (l == 3 && r0 >= 1) // the patch covers r < 1 only
                continue;
              vtkIdType ids[4];
              const double corner[4][2] = {{r0, faces[l]}, {r1, faces[l]}, {r1, faces[l + 1]}, {r0, faces[l + 1]}};
              for (int k = 0; k < 4; ++k)
                {
                  ids[k] = points->InsertNextPoint(corner[k][0], corner[k][1], 0);
                  const double value = c0 * level[l] * std::exp(-corner[k][0]);
                  c->InsertNextValue(value);
                  c_max = std::max(c_max, value);
                }
              grid->InsertNextCell(VTK_QUAD, 4, ids);
              layer->InsertNextValue(3 - l); // layer 0 = the patch, outermost first
            }
        grid->SetPoints(points);
        grid->GetPointData()->AddArray(c);
        grid->GetCellData()->AddArray(layer);
        const QString name = QString("fields_%1.vtu").arg(step);
        auto writer = vtkSmartPointer<vtkXMLUnstructuredGridWriter>::New();
        writer->SetFileName((dir + "/" + name).toLocal8Bit().constData());
        writer->SetInputData(grid);
        writer->Write();
        out << "<DataSet timestep=\"" << t << "\" file=\"" << name << "\"/>\n";
      }
    out << "</Collection>\n</VTKFile>\n";
    return {dir + "/fields.pvd", c_max};
  }

  void screenshot(QWidget *widget, const QString &name)
  {
    QDir().mkpath(DERMATWIN_SCREENSHOT_DIR);
    QTest::qWait(300);
    QVERIFY(widget->grab().save(QString(DERMATWIN_SCREENSHOT_DIR) + "/" + name));
  }
} // namespace

class TestGui : public QObject
{
  Q_OBJECT
  MainWindow *window_ = nullptr;

private Q_SLOTS:
  void initTestCase()
  {
    QCoreApplication::setOrganizationName("DermaTwinTest");
    window_ = new MainWindow;
    window_->set_prompts(false);
    window_->set_live(false);
    window_->show();
    QVERIFY(QTest::qWaitForWindowExposed(window_));
  }

  void cleanupTestCase() { delete window_; }

  // The GUI runs the same functions as the CLI: same Cmax, same curve.
  void bundled_study_gives_library_result()
  {
    window_->open_study(fentanyl);
    const RunOutcome outcome = wait_for_run(*window_);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    const studies::Result direct = studies::run_scenario(studies::plan_scenario(studies::load_study(fentanyl.toStdString())));
    QVERIFY(direct.summary.cmax_ng_per_mL && outcome.result.summary.cmax_ng_per_mL);
    QCOMPARE(*outcome.result.summary.cmax_ng_per_mL, *direct.summary.cmax_ng_per_mL);
    const std::vector<QPointF> plotted = window_->results()->plotted_main_series();
    QCOMPARE(plotted.size(), direct.series.time_h.size());
    for (std::size_t i = 0; i < plotted.size(); ++i)
      {
        QCOMPARE(plotted[i].x(), direct.series.time_h[i]);
        QCOMPARE(plotted[i].y(), direct.series.plasma_ng_per_mL[i]);
      }
    QCOMPARE(outcome.result.profiles.size(), std::size_t(1));
  }

  void product_dropped_on_acupoint_enters_the_study()
  {
    window_->document().new_study();
    BodyMapView *view = window_->body_map()->view();
    view->show_back(false);
    const QPoint at = view->mapFromScene(view->scene_position_of(MapPlace::Kind::acupoint, "ST36"));
    auto        *data = new QMimeData;
    data->setData("application/x-dermatwin-product", "acupoint_plaster_tmp");
    QDragEnterEvent enter(at, Qt::CopyAction, data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &enter);
    QDropEvent drop(at, Qt::CopyAction, data, Qt::LeftButton, Qt::NoModifier);
    QApplication::sendEvent(view->viewport(), &drop);
    StudyDocument &doc = window_->document();
    QCOMPARE(doc.application_count(), 2);
    QCOMPARE(QString::fromStdString(doc.get_text("application.1.acupoint")), QString("ST36"));
    QCOMPARE(QString::fromStdString(doc.get_text("application.1.product")), QString("acupoint_plaster_tmp"));
    QCOMPARE(QString::fromStdString(doc.get_text("drug")), QString("tetramethylpyrazine"));
    delete data;
  }

  void search_finds_acupoint_by_hanzi()
  {
    auto *search = window_->body_map()->findChild<QLineEdit *>("body_map_search");
    QVERIFY(search);
    search->setText("肺俞"); // BL13, on the back
    QVERIFY(window_->body_map()->view()->showing_back());
    search->clear();
  }

  void save_and_reload_round_trip()
  {
    window_->open_study(studies_dir + "sanfu_plaster_bl13_bl15_bl17_exb1.yaml");
    wait_for_run(*window_);
    window_->document().set_number("patient.age_years", 30);
    QTemporaryDir dir;
    const QString path = dir.filePath("saved.yaml");
    QVERIFY(window_->save_study(path));
    QVERIFY(!window_->document().dirty());
    StudyDocument reloaded;
    QString       error;
    QVERIFY(reloaded.load(path, error));
    QCOMPARE(reloaded.text(), window_->document().text());
    const studies::Study a = studies::load_study(path.toStdString());
    QCOMPARE(a.age_years, 30.);
    QCOMPARE(a.applications.size(), std::size_t(8));
    QCOMPARE(a.applications[2].acupoint, std::string("BL15"));
    QCOMPARE(a.applications[2].repeats, 3u);
  }

  void cancel_stops_a_run()
  {
    window_->document().set_number("simulation.end_h", 5000);
    window_->run_now();
    QTest::qWait(50);
    window_->runner().cancel();
    const RunOutcome outcome = wait_for_run(*window_);
    QVERIFY(outcome.cancelled);
    QVERIFY(!outcome.ok);
  }

  void invalid_value_is_shown_and_marked()
  {
    window_->open_study(fentanyl);
    wait_for_run(*window_);
    window_->document().set_number("patient.age_years", 7);
    window_->run_now();
    const RunOutcome outcome = wait_for_run(*window_);
    QVERIFY(!outcome.ok);
    QCOMPARE(outcome.error_key, QString("patient.age_years"));
    QVERIFY(window_->error_banner()->isVisible());
    QVERIFY(window_->error_banner()->text().contains("18"));
    auto *age = window_->findChild<QWidget *>("patient_age");
    QVERIFY(age && age->property("invalid").toBool());
  }

  void language_switch_translates_labels()
  {
    QVERIFY(window_->switch_language("zh_CN"));
    QCOMPARE(window_->tabs()->tabText(0), QString("患者"));
    QVERIFY(window_->switch_language("en"));
    QCOMPARE(window_->tabs()->tabText(0), QString("Patient"));
  }

  void exports_write_files()
  {
    window_->open_study(fentanyl);
    const RunOutcome outcome = wait_for_run(*window_);
    window_->show_tab("results_tab"); // as the export actions do: charts laid out
    QTest::qWait(200);
    QTemporaryDir    dir;
    QString          error;
    for (const char *name : {"plot.png", "plot.svg", "plot.pdf"})
      {
        QVERIFY2(export_chart(window_->results()->plasma_view(), dir.filePath(name), error), qPrintable(error));
        QVERIFY(QFileInfo(dir.filePath(name)).size() > 1000);
      }
    QVERIFY(export_csv(outcome, dir.filePath("t.csv"), error));
    QFile csv(dir.filePath("t.csv"));
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QCOMPARE(csv.readAll().toStdString(), studies::timeseries_csv(outcome.result));
    QVERIFY2(export_report(window_->document(), outcome, window_->results()->plasma_view(), dir.filePath("r.pdf"), error),
             qPrintable(error));
    QVERIFY(QFileInfo(dir.filePath("r.pdf")).size() > 5000);
    QImage preview(1240, 1754, QImage::Format_RGB32); // A4 at 150 dpi
    QVERIFY(render_report(window_->document(), outcome, window_->results()->plasma_view(), preview, error));
    QDir().mkpath(DERMATWIN_SCREENSHOT_DIR);
    QVERIFY(preview.save(QString(DERMATWIN_SCREENSHOT_DIR) + "/report_preview.png"));
  }

  // Field view of an axisymmetric/3D run: reads the PVD series, colours by
  // concentration over the run's range, one slider position per output time.
  void field_view_shows_axisymmetric_series()
  {
    if (window_->runner().running())
      wait_for_run(*window_); // a 1D run finishing later would bring its column back
    QTemporaryDir dir;
    const auto [pvd, c_max] = write_axisymmetric_series(dir.path());
    QVERIFY(window_->show_fields(pvd));
    FieldView *view = window_->field_view();
    QCOMPARE(view->n_times(), 2);
    QCOMPARE(view->time_h(1), 24.0);
    QCOMPARE(view->n_layers(), 4);
    QCOMPARE(view->range_max(), c_max);
    QCOMPARE(view->current_index(), 1);
    view->show_index(0);
    QCOMPARE(view->current_index(), 0);
    view->show_index(1);
    QTest::qWait(300);
    const QImage image = view->vtk_widget()->grabFramebuffer();
    QSet<QRgb> colours;
    for (int y = 0; y < image.height(); y += 4)
      for (int x = 0; x < image.width(); x += 4)
        colours.insert(image.pixel(x, y));
    QVERIFY2(colours.size() > 20, qPrintable(QString("only %1 colours rendered").arg(colours.size())));
    screenshot(window_, "field_view_axisymmetric.png");
    QString error;
    QVERIFY(!view->load(dir.path() + "/missing.pvd", error));
    QVERIFY(error.contains("missing.pvd"));
  }

  // An axisymmetric run in the app: same numbers as the library, and its
  // fields appear in the Field view.
  void axisymmetric_run_shows_fields()
  {
    window_->open_study(fentanyl);
    wait_for_run(*window_);
    window_->document().set_text_value("simulation.geometry", "axisymmetric");
    window_->document().set_text_value("simulation.accuracy", "coarse");
    window_->run_now();
    const RunOutcome outcome = wait_for_run(*window_);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    const studies::Result direct =
      studies::run_scenario(studies::plan_scenario(studies::parse_study(window_->document().text(), "gui")));
    QCOMPARE(*outcome.result.summary.cmax_ng_per_mL, *direct.summary.cmax_ng_per_mL);
    FieldView *view = window_->field_view();
    QCOMPARE(view->n_times(), int(RunController::field_frames) + 1); // t = 0 and 24 frames
    QCOMPARE(view->n_layers(), 4); // patch, stratum corneum, viable epidermis, dermis
    QVERIFY(view->range_max() > 0);
    window_->show_tab("field_tab");
    view->show_index(view->n_times() / 3);
    screenshot(window_, "field_view_axisymmetric_run.png");
  }

  // Studies menu: each dialog is a front end of the library function behind
  // the CLI command, so its numbers equal a direct call with the same block.
  void population_dialog_gives_library_bands()
  {
    window_->open_study(fentanyl);
    wait_for_run(*window_);
    auto *dialog = open_from_menu<PopulationDialog>(*window_, "population");
    QVERIFY(dialog);
    dialog->set_subjects(24);
    QVERIFY2(run_dialog(*dialog), qPrintable(dialog->status_text()));
    const studies::Study study = studies::parse_study(window_->document().text(), fentanyl.toStdString(),
                                                      {"study={type: population, subjects: 24, seed: 1}"});
    const std::string direct = studies::run_population(study, studies::parse_population(study), 1).bands_csv;
    QCOMPARE(dialog->bands_csv(), direct);
    QCOMPARE(dialog->chart_view()->chart()->series().size(), 3); // 5-95 %, 25-75 %, median
    screenshot(dialog, "population_dialog.png");
    dialog->close();
  }

  void sensitivity_dialog_bars_are_sobol_indices()
  {
    window_->open_study(fentanyl);
    wait_for_run(*window_);
    auto *dialog = open_from_menu<SensitivityDialog>(*window_, "sensitivity");
    QVERIFY(dialog);
    dialog->set_base_samples(16);
    QVERIFY2(run_dialog(*dialog), qPrintable(dialog->status_text()));
    const studies::Study study =
      studies::parse_study(window_->document().text(), fentanyl.toStdString(), {"study=" + dialog->study_block()});
    const studies::SensitivitySpec   spec   = studies::parse_sensitivity(study);
    const studies::SensitivityResult direct = studies::run_sensitivity(study, spec, 2);
    QVERIFY(dialog->result() && dialog->result()->sobol && direct.sobol);
    QVERIFY(spec.parameters.size() >= 2);
    // The bars show S1 and ST of the first output, as the library computes them.
    auto *bars = qobject_cast<QtCharts::QBarSeries *>(dialog->chart_view()->chart()->series().at(0));
    QVERIFY(bars);
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
      {
        const double s1 = direct.sobol->per_output[0].first_order[i], st = direct.sobol->per_output[0].total[i];
        QCOMPARE(dialog->result()->sobol->per_output[0].first_order[i], s1);
        QCOMPARE(bars->barSets().at(0)->at(int(i)), s1);
        QCOMPARE(bars->barSets().at(1)->at(int(i)), st);
      }
    screenshot(dialog, "sensitivity_dialog.png");
    dialog->close();
  }

  void sensitivity_dialog_refuses_bad_range()
  {
    window_->open_study(fentanyl);
    wait_for_run(*window_);
    auto *dialog = open_from_menu<SensitivityDialog>(*window_, "sensitivity");
    QVERIFY(dialog);
    auto *table = dialog->findChild<QTableWidget *>("parameters");
    table->item(0, 2)->setText("90"); // patient.age_years low above its high (75)
    QVERIFY(!run_dialog(*dialog));
    QVERIFY2(dialog->status_text().contains("age_years"), qPrintable(dialog->status_text()));
    dialog->close();
  }

  void optimization_dialog_applies_best_regimen()
  {
    window_->open_study(studies_dir + "optimize_fentanyl_window.yaml");
    wait_for_run(*window_);
    auto *dialog = open_from_menu<OptimizationDialog>(*window_, "optimization");
    QVERIFY(dialog);
    dialog->set_max_evaluations(10);
    dialog->set_placements({"chest", "upper_arm_outer"});
    QVERIFY2(run_dialog(*dialog), qPrintable(dialog->status_text()));
    const studies::OptimizationResult *r = dialog->result();
    QVERIFY(r);
    QCOMPARE(r->candidates.size(), std::size_t(2));
    const studies::Evaluation &best = r->candidates[r->best_index].best;
    QVERIFY(best.feasible);
    QVERIFY(best.objective > r->label.objective); // the label regimen is 0 % in 1-2 ng/mL
    screenshot(dialog, "optimization_dialog.png");

    // One click puts the regimen into the study and onto the body map ...
    QVERIFY(dialog->apply_button()->isEnabled());
    QTest::mouseClick(dialog->apply_button(), Qt::LeftButton);
    StudyDocument &doc = window_->document();
    QCOMPARE(doc.get_text("application.0.site"), best.regimen.placement.site);
    const auto patches = window_->applications()->placed_patches();
    QVERIFY(!patches.empty());
    QCOMPARE(patches.front().place_id, QString::fromStdString(best.regimen.placement.site));
    // ... and running the study reproduces the optimum's plasma curve.
    window_->run_now();
    const RunOutcome outcome = wait_for_run(*window_);
    QVERIFY2(outcome.ok, qPrintable(outcome.error));
    QVERIFY(outcome.result.summary.cmax_ng_per_mL && r->best_run.summary.cmax_ng_per_mL);
    QCOMPARE(*outcome.result.summary.cmax_ng_per_mL, *r->best_run.summary.cmax_ng_per_mL);
    dialog->close();
  }

  void study_dialogs_are_translated()
  {
    QVERIFY(window_->switch_language("zh_CN"));
    window_->open_study(fentanyl);
    wait_for_run(*window_);
    auto *dialog = open_from_menu<SensitivityDialog>(*window_, "sensitivity");
    QVERIFY(dialog);
    QCOMPARE(dialog->windowTitle(), QString("敏感性分析"));
    dialog->close();
    QCOMPARE(window_->action("optimization")->text(), QString("剂量优化…"));
    QVERIFY(window_->switch_language("en"));
  }

  // Screenshots for the docs: two sites compared, field view, acupoints, Chinese.
  void screenshots()
  {
    window_->resize(1500, 940);
    window_->open_study(fentanyl);
    wait_for_run(*window_);
    window_->results()->keep_current("upper arm, 45 y");
    window_->document().set_text_value("application.0.site", "chest");
    window_->run_now();
    wait_for_run(*window_);
    window_->results()->keep_current("chest, 45 y");
    window_->document().set_number("patient.age_years", 80);
    window_->run_now();
    wait_for_run(*window_);
    window_->results()->set_time_row(48);
    window_->show_tab("results_tab");
    screenshot(window_, "main_results.png");
    window_->show_tab("field_tab");
    screenshot(window_, "field_view.png");
    window_->show_tab("patient_tab");
    screenshot(window_, "patient.png");

    window_->open_study(studies_dir + "sanfu_plaster_bl13_bl15_bl17_exb1.yaml");
    wait_for_run(*window_);
    window_->body_map()->findChild<QLineEdit *>("body_map_search")->setText("BL");
    window_->show_tab("applications_tab");
    screenshot(window_, "acupoints_back.png");
    window_->body_map()->findChild<QLineEdit *>("body_map_search")->clear();
    QVERIFY(window_->switch_language("zh_CN"));
    window_->show_tab("results_tab");
    screenshot(window_, "main_results_zh.png");
    QVERIFY(window_->switch_language("en"));
  }
};

int main(int argc, char **argv)
{
  QSurfaceFormat::setDefaultFormat(QVTKOpenGLNativeWidget::defaultFormat());
  QApplication app(argc, argv);
  TestGui      test;
  return QTest::qExec(&test, argc, argv);
}

#include "test_gui.moc"
