// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_sensitivity_dialog_h
#define dermatwin_gui_sensitivity_dialog_h

#include "study_method_dialog.h"

#include <dermatwin/studies/sensitivity_study.h>

#include <memory>
#include <string>

class QComboBox;
class QListWidget;
class QTableWidget;
namespace QtCharts
{
  class QChartView;
}

namespace dermatwin::gui
{
  /**
   * Global sensitivity analysis of the current study
   * (studies::run_sensitivity, the function behind `dermatwin sensitivity`).
   * The user picks the method (Sobol' indices by Saltelli sampling, or Morris
   * elementary effects), the summary outputs and the uncertain parameters
   * (any study key with a range, optionally log-uniform). The table starts
   * from the study's own `study: {type: sensitivity}` block if it has one.
   * Results: a bar chart per output (Sobol' S1 and ST with 95 % bootstrap
   * intervals in the table below; Morris mu* and sigma).
   */
  class SensitivityDialog : public StudyMethodDialog
  {
    Q_OBJECT
  public:
    SensitivityDialog(const std::string &study_yaml, const std::string &study_file, QWidget *parent = nullptr);

    /// The study block the dialog would run (YAML flow text), for tests and
    /// "copy to study".
    std::string study_block() const;
    void set_method(const QString &method);
    void set_base_samples(int n);
    const studies::SensitivityResult *result() const { return result_->get(); }
    QtCharts::QChartView *chart_view() const { return chart_view_; }

  protected:
    Job  make_job() override;
    void job_finished() override;

  private:
    void fill_parameters();
    void add_parameter_row(const studies::ParameterRange &range, bool used);
    void show_output(int output);
    void show_table(int output);

    QComboBox            *method_, *samples_, *shown_output_;
    QListWidget          *outputs_;
    QTableWidget         *parameters_, *table_;
    QtCharts::QChartView *chart_view_;
    /// The finished run and the spec it used (worker thread writes, GUI reads after).
    std::shared_ptr<std::unique_ptr<studies::SensitivityResult>> result_ =
      std::make_shared<std::unique_ptr<studies::SensitivityResult>>();
    std::shared_ptr<studies::SensitivitySpec> spec_ = std::make_shared<studies::SensitivitySpec>();
  };
} // namespace dermatwin::gui

#endif
