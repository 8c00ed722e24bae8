// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_results_panel_h
#define dermatwin_gui_results_panel_h

#include "run_controller.h"

#include <QWidget>
#include <QtCharts/QChartView>
#include <QtCharts/QXYSeries>

#include <optional>
#include <vector>

class QComboBox;
class QLabel;
class QPushButton;
class QSlider;
class QTableWidget;

namespace dermatwin::gui
{
  /// A run kept for comparison: its name and plasma (or permeation) curve.
  struct KeptRun
  {
    QString             name;
    std::vector<double> time_h, value;
  };

  /**
   * Results of the last run: plasma level with the drug's therapeutic and
   * toxic bands, input rate, amounts (patch, skin, absorbed), the depth
   * profile at a time chosen with the slider, a summary table; earlier runs
   * kept as named curves for comparison.
   */
  class ResultsPanel : public QWidget
  {
    Q_OBJECT
  public:
    explicit ResultsPanel(QWidget *parent = nullptr);
    void retranslate();
    void show_outcome(const RunOutcome &outcome, const QString &drug_id);
    /// Keeps the current run under @p name for the overlay.
    void keep_current(const QString &name);
    void clear_kept();

    const std::optional<RunOutcome> &outcome() const { return outcome_; }
    QtCharts::QChartView *plasma_view() const { return plasma_; }
    QList<QtCharts::QChartView *> chart_views() const { return {plasma_, rate_, amounts_, profile_}; }
    int  time_row() const;
    int  profile_column() const;
    void set_time_row(int row);
    /// The plotted main series (plasma, or cumulative permeated in vitro).
    std::vector<QPointF> plotted_main_series() const;
    const std::vector<KeptRun> &kept() const { return kept_; }
    QTableWidget *summary_table() const { return summary_; }

  Q_SIGNALS:
    void time_row_changed(int row);
    void keep_requested();

  private:
    void draw_plasma();
    void draw_rate_and_amounts();
    void draw_profile();
    void fill_summary();
    void connect_hover(QtCharts::QXYSeries *series, const QString &unit);

    QtCharts::QChartView *plasma_, *rate_, *amounts_, *profile_;
    QSlider              *slider_;
    QComboBox            *column_;
    QLabel               *time_label_, *hover_;
    QPushButton          *keep_, *clear_;
    QTableWidget         *summary_;
    std::optional<RunOutcome> outcome_;
    QString               drug_id_;
    std::vector<KeptRun>  kept_;
  };
} // namespace dermatwin::gui

#endif
