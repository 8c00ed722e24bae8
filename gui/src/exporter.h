// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_exporter_h
#define dermatwin_gui_exporter_h

#include "run_controller.h"
#include "study_document.h"

#include <QString>
#include <QtCharts/QChartView>

namespace dermatwin::gui
{
  /// Saves a chart as PNG, SVG or PDF (by the file extension); false with
  /// @p error on failure.
  bool export_chart(QtCharts::QChartView *view, const QString &path, QString &error);
  /// The run's time series as CSV (the CLI's timeseries.csv columns).
  bool export_csv(const RunOutcome &outcome, const QString &path, QString &error);
  /// A one-page PDF: patient, drug and patches with sites, the plot, the
  /// summary table and the sources of the library values used.
  /// Paints that page on any device (the PDF, or an image for a preview).
  bool render_report(const StudyDocument &document, const RunOutcome &outcome,
                     QtCharts::QChartView *plot, QPaintDevice &device, QString &error);
  bool export_report(const StudyDocument &document, const RunOutcome &outcome,
                     QtCharts::QChartView *plot, const QString &path, QString &error);
} // namespace dermatwin::gui

#endif
