// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_optimization_dialog_h
#define dermatwin_gui_optimization_dialog_h

#include "study_method_dialog.h"

#include <dermatwin/studies/optimization.h>

#include <memory>
#include <string>

class QCheckBox;
class QDoubleSpinBox;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTableWidget;
namespace QtCharts
{
  class QChartView;
}

namespace dermatwin::gui
{
  /**
   * Dose optimization of the current study (studies::run_optimization, the
   * function behind `dermatwin optimize`): maximise the fraction of time the
   * plasma concentration stays in the therapeutic window [low, high] from
   * `evaluate_from_h` on, with Cmax below a limit, over the patch area (cut
   * matrix patches), the replacement interval and the body sites / acupoints
   * ticked in the list (NLopt COBYLA per site). Inputs start from the study's
   * own `study: {type: optimize}` block, else from the drug's therapeutic and
   * toxic levels in the library. Results: every candidate in a table, label vs
   * optimum plasma curves with the window shaded, and "Apply best regimen",
   * which emits the optimized application list for the body map.
   */
  class OptimizationDialog : public StudyMethodDialog
  {
    Q_OBJECT
  public:
    OptimizationDialog(const std::string &study_yaml, const std::string &study_file, QWidget *parent = nullptr);

    /// The study block the dialog would run (YAML flow text).
    std::string study_block() const;
    void set_max_evaluations(int n);
    /// Ticks exactly these sites/acupoints.
    void set_placements(const QStringList &ids);
    const studies::OptimizationResult *result() const { return result_->get(); }
    QPushButton *apply_button() const { return apply_; }

  Q_SIGNALS:
    /// The best regimen's `application` list as YAML text (flow or block).
    void apply_regimen(const QString &application_yaml);

  protected:
    Job  make_job() override;
    void job_finished() override;

  private:
    void fill_from_study();
    void show_candidates();
    void show_curves();

    QDoubleSpinBox       *low_, *high_, *cmax_limit_, *from_h_;
    QCheckBox            *vary_area_, *vary_interval_;
    QDoubleSpinBox       *area_low_, *area_high_, *interval_low_, *interval_high_;
    QSpinBox             *evaluations_;
    QListWidget          *placements_;
    QTableWidget         *candidates_;
    QtCharts::QChartView *chart_view_;
    QPushButton          *apply_;
    std::shared_ptr<std::unique_ptr<studies::OptimizationResult>> result_ =
      std::make_shared<std::unique_ptr<studies::OptimizationResult>>();
    std::shared_ptr<studies::OptimizationSpec> spec_ = std::make_shared<studies::OptimizationSpec>();
  };
} // namespace dermatwin::gui

#endif
