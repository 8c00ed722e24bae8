// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_population_dialog_h
#define dermatwin_gui_population_dialog_h

#include <QDialog>
#include <QFutureWatcher>

#include <atomic>
#include <memory>
#include <string>

class QSpinBox;
class QProgressBar;
class QPushButton;
class QLabel;
namespace QtCharts
{
  class QChartView;
}

namespace dermatwin::gui
{
  /**
   * Virtual population of the current study (studies::run_population, the
   * function behind `dermatwin population`): N subjects with the library's
   * inter-individual variability, run on a worker thread with progress and
   * Cancel; shows the 5-95 % and 25-75 % plasma bands and the median.
   */
  class PopulationDialog : public QDialog
  {
    Q_OBJECT
  public:
    PopulationDialog(const std::string &study_yaml, const std::string &study_file, QWidget *parent = nullptr);
    ~PopulationDialog() override;

  private:
    void start();
    void show_bands(const std::string &bands_csv);

    std::string                       study_yaml_, study_file_;
    QSpinBox                         *subjects_, *seed_;
    QProgressBar                     *progress_;
    QPushButton                      *run_, *cancel_;
    QLabel                           *status_;
    QtCharts::QChartView             *chart_view_;
    QFutureWatcher<QString>           watcher_;
    std::shared_ptr<std::atomic<bool>> cancelled_ = std::make_shared<std::atomic<bool>>(false);
    std::shared_ptr<std::string>      bands_      = std::make_shared<std::string>();
  };
} // namespace dermatwin::gui

#endif
