// SPDX-License-Identifier: LGPL-2.1-or-later
#include "exporter.h"

#include <dermatwin/materials/library.h>
#include <dermatwin/studies/output.h>
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <QDateTime>
#include <QFileInfo>
#include <QImage>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>
#include <QTextDocument>

#include <regex>
#include <set>

namespace dermatwin::gui
{
  namespace
  {
    QString q(const std::string &s) { return QString::fromStdString(s); }

    QString opt(const std::optional<double> &v, const char *unit)
    {
      return v ? QString::number(*v, 'g', 4) + " " + unit : QString("–");
    }

    /// Source keys named in the resolved study (comments "key, confidence").
    std::set<std::string> sources_of(const std::string &resolved_yaml)
    {
      std::set<std::string> keys;
      static const std::regex comment(R"(#\s*([A-Za-z0-9_]+),\s*(measured|model|estimated))");
      for (auto it = std::sregex_iterator(resolved_yaml.begin(), resolved_yaml.end(), comment);
           it != std::sregex_iterator(); ++it)
        keys.insert((*it)[1]);
      return keys;
    }

    QString report_html(const StudyDocument &document, const RunOutcome &outcome, const std::string &resolved)
    {
      const materials::Library &library = materials::Library::standard();
      const studies::Summary   &s       = outcome.result.summary;
      QString html = "<h2>" + QObject::tr("DermaTwin report") + "</h2>";
      html += "<p><b>" + (outcome.study_name.isEmpty() ? document.display_name() : outcome.study_name).toHtmlEscaped() +
              "</b><br>" + QObject::tr("Study file: %1; DermaTwin %2; %3")
                             .arg(document.display_name(), q(studies::version()),
                                  QDateTime::currentDateTime().toString("yyyy-MM-dd HH:mm")) + "</p>";
      html += "<p><b>" + QObject::tr("Patient") + ":</b> " +
              QObject::tr("%1 years, %2, %3 kg")
                .arg(document.get_number("patient.age_years", 45))
                .arg(q(document.get_text("patient.sex", "female")))
                .arg(document.get_number("patient.body_weight_kg", 70)) +
              "<br><b>" + QObject::tr("Drug") + ":</b> " + q(document.get_text("drug", "custom drug")) + "</p>";
      html += "<p><b>" + QObject::tr("Patches") + ":</b><br>";
      for (int i = 0; i < document.application_count(); ++i)
        {
          const std::string b = "application." + std::to_string(i);
          const std::string place = document.get_text(b + ".acupoint").empty() ?
                                      document.get_text(b + ".site", "explicit skin") :
                                      "acupoint " + document.get_text(b + ".acupoint");
          html += QObject::tr("%1. %2 on %3, on at %4 h, off at %5 h, repeats %6")
                    .arg(i + 1)
                    .arg(q(document.get_text(b + ".product", "custom patch")), q(place),
                         q(document.get_text(b + ".apply_h", "0")), q(document.get_text(b + ".remove_h", "default")),
                         q(document.get_text(b + ".repeats", "1"))) + "<br>";
        }
      html += "</p><table border='1' cellspacing='0' cellpadding='3'>";
      auto row = [&html](const QString &k, const QString &v) { html += "<tr><td>" + k + "</td><td>" + v + "</td></tr>"; };
      if (!outcome.result.in_vitro)
        {
          row(QObject::tr("Cmax"), opt(s.cmax_ng_per_mL, "ng/mL"));
          row(QObject::tr("Tmax"), opt(s.tmax_h, "h"));
          row(QObject::tr("AUC(0-last)"), opt(s.auc_0_last_ng_h_per_mL, "ng h/mL"));
          row(QObject::tr("Half-life after removal"), opt(s.apparent_half_life_after_removal_h, "h"));
        }
      else
        {
          row(QObject::tr("Steady-state flux"), opt(s.steady_state_flux_ug_per_cm2_per_h, "ug/cm2/h"));
          row(QObject::tr("Lag time"), opt(s.lag_time_h, "h"));
        }
      row(QObject::tr("Delivered"), opt(s.delivered_ug, "ug"));
      row(QObject::tr("Absorbed"), opt(s.cumulative_absorbed_ug, "ug"));
      row(QObject::tr("Mass balance error"), QString::number(s.mass_balance_relative_error, 'e', 1));
      html += "</table><p style='font-size:7pt'><b>" + QObject::tr("Sources") + ":</b><br>";
      for (const std::string &key : sources_of(resolved))
        try
          {
            html += "<b>" + q(key) + "</b>: " + q(library.source(key).citation).toHtmlEscaped() + "<br>";
          }
        catch (const std::exception &)
          {
          }
      return html + "</p>";
    }
  } // namespace

  bool export_chart(QtCharts::QChartView *view, const QString &path, QString &error)
  {
    const QString ext = QFileInfo(path).suffix().toLower();
    if (ext == "png")
      {
        if (!view->grab().save(path, "PNG"))
          return error = QObject::tr("Cannot write %1").arg(path), false;
        return true;
      }
    if (ext == "svg")
      {
        QSvgGenerator svg;
        svg.setFileName(path);
        svg.setSize(view->size());
        svg.setViewBox(QRect(QPoint(0, 0), view->size()));
        svg.setTitle(view->chart()->title());
        QPainter painter(&svg);
        view->render(&painter);
        return true;
      }
    if (ext == "pdf")
      {
        QPdfWriter pdf(path);
        pdf.setPageSize(QPageSize(QPageSize::A5));
        pdf.setPageOrientation(QPageLayout::Landscape);
        QPainter painter(&pdf);
        view->render(&painter);
        return true;
      }
    error = QObject::tr("Unknown plot format '%1' (allowed: png, svg, pdf)").arg(ext);
    return false;
  }

  bool export_csv(const RunOutcome &outcome, const QString &path, QString &error)
  {
    QSaveFile file(path);
    if (!file.open(QIODevice::WriteOnly))
      return error = QObject::tr("Cannot write %1: %2").arg(path, file.errorString()), false;
    file.write(QByteArray::fromStdString(studies::timeseries_csv(outcome.result)));
    if (!file.commit())
      return error = QObject::tr("Cannot write %1: %2").arg(path, file.errorString()), false;
    return true;
  }

  bool render_report(const StudyDocument &document, const RunOutcome &outcome, QtCharts::QChartView *plot,
                     QPaintDevice &device, QString &error)
  {
    std::string resolved;
    try
      {
        resolved = studies::plan_scenario(studies::parse_study(document.text(), "study")).resolved_yaml;
      }
    catch (const std::exception &e)
      {
        error = QString::fromStdString(e.what());
        return false;
      }
    QPainter painter;
    if (!painter.begin(&device))
      return error = QObject::tr("Cannot write %1").arg("report"), false;
    const QRect page = painter.viewport();
    painter.fillRect(page, Qt::white);
    QTextDocument text;
    QFont         font("Noto Sans CJK SC");
    font.setPixelSize(std::max(10, page.width() / 85));
    text.setDefaultFont(font);
    text.setTextWidth(page.width() * 0.55);
    text.setHtml(report_html(document, outcome, resolved));
    // Text on the left, the plot on the right; the text shrinks to one page.
    const double scale = std::min(1.0, page.height() / std::max(1.0, text.size().height()));
    painter.save();
    painter.scale(scale, scale);
    text.drawContents(&painter);
    painter.restore();
    // The chart as drawn on screen (at twice its pixel size), aspect kept.
    QImage chart(plot->size() * 2, QImage::Format_ARGB32);
    chart.fill(Qt::white);
    {
      QPainter chart_painter(&chart);
      plot->render(&chart_painter);
    }
    const int   plot_width = int(page.width() * 0.43);
    const QRect plot_rect(int(page.width() * 0.57), int(page.height() * 0.02), plot_width,
                          plot_width * chart.height() / std::max(1, chart.width()));
    painter.setRenderHint(QPainter::SmoothPixmapTransform);
    painter.drawImage(plot_rect, chart);
    return true;
  }

  bool export_report(const StudyDocument &document, const RunOutcome &outcome, QtCharts::QChartView *plot,
                     const QString &path, QString &error)
  {
    QPdfWriter pdf(path);
    pdf.setPageSize(QPageSize(QPageSize::A4));
    pdf.setResolution(150);
    pdf.setPageMargins(QMarginsF(15, 12, 15, 12), QPageLayout::Millimeter);
    return render_report(document, outcome, plot, pdf, error);
  }
} // namespace dermatwin::gui
