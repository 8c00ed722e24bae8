// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_population_dialog_h
#define dermatwin_gui_population_dialog_h

#include "study_method_dialog.h"

#include <memory>
#include <string>

class QSpinBox;
namespace QtCharts
{
  class QChartView;
}

namespace dermatwin::gui
{
  /**
   * Virtual population of the current study (studies::run_population, the
   * function behind `dermatwin population`): N subjects with the library's
   * inter-individual variability (age 18-80, both sexes, log-normal skin and
   * PK factors), on a worker thread with progress and Cancel; shows the
   * 5-95 % and 25-75 % plasma bands and the median.
   */
  class PopulationDialog : public StudyMethodDialog
  {
    Q_OBJECT
  public:
    PopulationDialog(const std::string &study_yaml, const std::string &study_file, QWidget *parent = nullptr);

    void set_subjects(int n);
    /// The bands of the last run (population_bands.csv of the CLI).
    const std::string &bands_csv() const { return *bands_; }
    QtCharts::QChartView *chart_view() const { return chart_view_; }

  protected:
    Job  make_job() override;
    void job_finished() override;

  private:
    QSpinBox                    *subjects_, *seed_;
    QtCharts::QChartView        *chart_view_;
    std::shared_ptr<std::string> bands_ = std::make_shared<std::string>();
  };
} // namespace dermatwin::gui

#endif
