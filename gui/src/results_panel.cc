// SPDX-License-Identifier: LGPL-2.1-or-later
#include "results_panel.h"

#include "layer_display.h"

#include <dermatwin/materials/library.h>

#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSlider>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QChart>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

using namespace QtCharts;

namespace dermatwin::gui
{
  namespace
  {
    QChartView *chart_view(QWidget *parent)
    {
      auto *chart = new QChart;
      chart->legend()->setAlignment(Qt::AlignBottom);
      QFont small = chart->legend()->font();
      small.setPointSizeF(small.pointSizeF() * 0.85);
      chart->legend()->setFont(small);
      chart->setMargins(QMargins(4, 4, 4, 4));
      auto *view = new QChartView(chart, parent);
      view->setRenderHint(QPainter::Antialiasing);
      view->setMinimumSize(320, 220);
      return view;
    }

    QLineSeries *line(const std::vector<double> &x, const std::vector<double> &y, const QString &name,
                      const QColor &colour, Qt::PenStyle style = Qt::SolidLine)
    {
      auto *s = new QLineSeries;
      s->setName(name);
      for (std::size_t i = 0; i < x.size() && i < y.size(); ++i)
        if (std::isfinite(y[i]))
          s->append(x[i], y[i]);
      QPen pen(colour, 2, style);
      s->setPen(pen);
      return s;
    }

    /// A shaded horizontal band [low, high] over [t0, t1].
    QAreaSeries *band(double t0, double t1, double low, double high, const QString &name, const QColor &colour)
    {
      auto *upper = new QLineSeries, *lower = new QLineSeries;
      upper->append(t0, high), upper->append(t1, high);
      lower->append(t0, low), lower->append(t1, low);
      auto *area = new QAreaSeries(upper, lower);
      area->setName(name);
      area->setBrush(colour);
      area->setPen(Qt::NoPen);
      return area;
    }

    void add_axes(QChart *chart, const QString &x_title, const QString &y_title, double x_max, double y_max)
    {
      auto *x = new QValueAxis, *y = new QValueAxis;
      x->setTitleText(x_title);
      y->setTitleText(y_title);
      x->setRange(0, x_max > 0 ? x_max : 1);
      y->setRange(0, y_max > 0 ? y_max : 1);
      x->setLabelFormat("%g");
      y->setLabelFormat("%.3g");
      y->applyNiceNumbers();
      // Time ticks at a round number of hours (at most 8 intervals).
      for (const double step : {1., 2., 3., 6., 12., 24., 48., 72., 96., 168., 240., 336., 504., 720., 1000.})
        if (x_max / step <= 8)
          {
            x->setTickType(QValueAxis::TicksDynamic);
            x->setTickAnchor(0);
            x->setTickInterval(step);
            break;
          }
      chart->addAxis(x, Qt::AlignBottom);
      chart->addAxis(y, Qt::AlignLeft);
      for (QAbstractSeries *s : chart->series())
        s->attachAxis(x), s->attachAxis(y);
    }

    void reset(QChart *chart, const QString &title)
    {
      chart->removeAllSeries();
      for (QAbstractAxis *axis : chart->axes())
        chart->removeAxis(axis), delete axis;
      chart->setTitle(title);
    }

    double finite_max(const std::vector<double> &v)
    {
      double m = 0;
      for (double x : v)
        if (std::isfinite(x))
          m = std::max(m, x);
      return m;
    }

    const QColor palette_colours[] = {QColor(200, 80, 30), QColor(120, 60, 160), QColor(0, 140, 120),
                                      QColor(170, 140, 0), QColor(90, 90, 90)};
  } // namespace

  ResultsPanel::ResultsPanel(QWidget *parent)
    : QWidget(parent)
    , plasma_(chart_view(this))
    , rate_(chart_view(this))
    , amounts_(chart_view(this))
    , profile_(chart_view(this))
    , slider_(new QSlider(Qt::Horizontal, this))
    , column_(new QComboBox(this))
    , time_label_(new QLabel(this))
    , hover_(new QLabel(this))
    , keep_(new QPushButton(this))
    , clear_(new QPushButton(this))
    , summary_(new QTableWidget(0, 2, this))
  {
    plasma_->setObjectName("plasma_chart");
    plasma_->chart()->legend()->setAlignment(Qt::AlignRight); // room for the run names
    summary_->verticalHeader()->hide();
    summary_->horizontalHeader()->setStretchLastSection(true);
    summary_->horizontalHeader()->setSectionResizeMode(0, QHeaderView::ResizeToContents);
    summary_->setWordWrap(true);
    summary_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    summary_->setMinimumWidth(300);
    summary_->setMaximumWidth(360);

    auto *charts = new QGridLayout;
    charts->addWidget(plasma_, 0, 0);
    charts->addWidget(profile_, 0, 1);
    charts->addWidget(rate_, 1, 0);
    charts->addWidget(amounts_, 1, 1);
    charts->setColumnStretch(0, 3);
    charts->setColumnStretch(1, 2);
    auto *time_row = new QHBoxLayout;
    time_row->addWidget(time_label_);
    time_row->addWidget(slider_, 1);
    time_row->addWidget(column_);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(hover_, 1);
    buttons->addWidget(keep_);
    buttons->addWidget(clear_);
    auto *left = new QVBoxLayout;
    left->addLayout(charts, 1);
    left->addLayout(time_row);
    left->addLayout(buttons);
    auto *layout = new QHBoxLayout(this);
    layout->addLayout(left, 1);
    layout->addWidget(summary_);

    connect(slider_, &QSlider::valueChanged, this, [this](int row) {
      draw_profile();
      Q_EMIT time_row_changed(row);
    });
    connect(column_, QOverload<int>::of(&QComboBox::currentIndexChanged), this, [this](int) {
      draw_profile();
      Q_EMIT time_row_changed(slider_->value());
    });
    connect(keep_, &QPushButton::clicked, this, &ResultsPanel::keep_requested);
    connect(clear_, &QPushButton::clicked, this, &ResultsPanel::clear_kept);
    retranslate();
  }

  void ResultsPanel::retranslate()
  {
    keep_->setText(tr("Keep for comparison…"));
    clear_->setText(tr("Clear kept runs"));
    summary_->setHorizontalHeaderLabels({tr("Metric"), tr("Value")});
    hover_->setText(tr("Hover a curve to read its values."));
    if (outcome_)
      show_outcome(*outcome_, drug_id_);
    else
      {
        reset(plasma_->chart(), tr("Plasma concentration (run a study)"));
        reset(rate_->chart(), tr("Input rate into blood"));
        reset(amounts_->chart(), tr("Amounts"));
        reset(profile_->chart(), tr("Depth profile"));
        time_label_->setText(tr("t = – h"));
      }
  }

  void ResultsPanel::show_outcome(const RunOutcome &outcome, const QString &drug_id)
  {
    if (!outcome.ok)
      return;
    outcome_ = outcome;
    drug_id_ = drug_id;
    const int keep_row = slider_->value();
    const auto &time = outcome.result.series.time_h;
    {
      QSignalBlocker block(slider_);
      slider_->setRange(0, int(time.size()) - 1);
      slider_->setValue(std::min(keep_row > 0 ? keep_row : int(time.size()) / 4, int(time.size()) - 1));
    }
    {
      QSignalBlocker block(column_);
      const int keep_column = std::max(0, column_->currentIndex());
      column_->clear();
      for (std::size_t c = 0; c < outcome.result.profiles.size(); ++c)
        column_->addItem(tr("patch %1: %2").arg(c + 1).arg(QString::fromStdString(outcome.result.profiles[c].label)));
      column_->setCurrentIndex(std::min(keep_column, column_->count() - 1));
    }
    draw_plasma();
    draw_rate_and_amounts();
    draw_profile();
    fill_summary();
    Q_EMIT time_row_changed(slider_->value());
  }

  void ResultsPanel::connect_hover(QXYSeries *series, const QString &unit)
  {
    const QString name = series->name();
    connect(series, &QXYSeries::hovered, this, [this, name, unit](const QPointF &p, bool on) {
      if (on)
        hover_->setText(tr("%1: t = %2 h, %3 %4").arg(name).arg(p.x(), 0, 'f', 2).arg(p.y(), 0, 'g', 4).arg(unit));
    });
  }

  std::vector<QPointF> ResultsPanel::plotted_main_series() const
  {
    for (QAbstractSeries *s : plasma_->chart()->series())
      if (s->objectName() == "main")
        {
          const QVector<QPointF> points = static_cast<QLineSeries *>(s)->pointsVector();
          return std::vector<QPointF>(points.begin(), points.end());
        }
    return {};
  }

  void ResultsPanel::draw_plasma()
  {
    QChart *chart = plasma_->chart();
    const studies::TimeSeries &ts = outcome_->result.series;
    const bool in_vitro = outcome_->result.in_vitro;
    reset(chart, in_vitro ? tr("Cumulative permeated") : tr("Plasma concentration"));
    const std::vector<double> &main_values = in_vitro ? ts.cumulative_permeated_ug_per_cm2 : ts.plasma_ng_per_mL;
    const QString unit = in_vitro ? tr("µg/cm²") : tr("ng/mL");
    const double  t_end = ts.time_h.empty() ? 1 : ts.time_h.back();
    double        y_max = finite_max(main_values);
    for (const KeptRun &k : kept_)
      y_max = std::max(y_max, finite_max(k.value));

    const materials::Library &library = materials::Library::standard();
    const std::string         drug    = drug_id_.toStdString();
    if (!in_vitro && library.has_drug(drug))
      {
        const materials::Record &r = library.drug(drug);
        if (r.has("therapeutic_range.low_ng_per_mL") && r.has("therapeutic_range.high_ng_per_mL"))
          {
            const double low = r.value("therapeutic_range.low_ng_per_mL"), high = r.value("therapeutic_range.high_ng_per_mL");
            y_max = std::max(y_max, high);
            chart->addSeries(band(0, t_end, low, high, tr("therapeutic"), QColor(60, 170, 80, 60)));
          }
        if (r.has("toxic_above_ng_per_mL"))
          {
            const double toxic = r.value("toxic_above_ng_per_mL");
            if (toxic < 3 * y_max) // shown unless it would squash the curve
              {
                y_max = std::max(y_max, toxic * 1.1);
                chart->addSeries(band(0, t_end, toxic, 1.15 * y_max, tr("toxic"), QColor(220, 50, 50, 50)));
              }
          }
      }
    for (std::size_t k = 0; k < kept_.size(); ++k)
      {
        auto *s = line(kept_[k].time_h, kept_[k].value, kept_[k].name, palette_colours[k % 5], Qt::DashLine);
        chart->addSeries(s);
        connect_hover(s, unit);
      }
    auto *main = line(ts.time_h, main_values, tr("this run"), QColor(20, 90, 200));
    chart->setToolTip(outcome_->study_name);
    main->setObjectName("main");
    chart->addSeries(main);
    connect_hover(main, unit);
    add_axes(chart, tr("time (h)"), in_vitro ? tr("permeated (µg/cm²)") : tr("plasma (ng/mL)"), t_end, 1.15 * y_max);
  }

  void ResultsPanel::draw_rate_and_amounts()
  {
    const studies::TimeSeries &ts = outcome_->result.series;
    const double               t_end = ts.time_h.empty() ? 1 : ts.time_h.back();
    QChart *rate = rate_->chart();
    reset(rate, outcome_->result.in_vitro ? tr("Flux out of the skin") : tr("Input rate into blood"));
    auto *r = outcome_->result.in_vitro ?
                line(ts.time_h, ts.flux_out_ug_per_cm2_per_h, tr("flux (µg/cm²/h)"), QColor(200, 80, 30)) :
                line(ts.time_h, ts.input_rate_ug_per_h, tr("input rate (µg/h)"), QColor(200, 80, 30));
    rate->addSeries(r);
    connect_hover(r, outcome_->result.in_vitro ? tr("µg/cm²/h") : tr("µg/h"));
    add_axes(rate, tr("time (h)"), outcome_->result.in_vitro ? tr("µg/cm²/h") : tr("µg/h"), t_end,
             1.1 * std::max(finite_max(ts.input_rate_ug_per_h), finite_max(ts.flux_out_ug_per_cm2_per_h)));

    QChart *amounts = amounts_->chart();
    reset(amounts, tr("Amounts"));
    const std::vector<std::pair<const std::vector<double> *, QString>> curves = {
      {&ts.amount_in_patch_ug, tr("in patch")}, {&ts.amount_in_skin_ug, tr("in skin")},
      {&ts.cumulative_absorbed_ug, tr("absorbed")}};
    double y_max = 0;
    for (std::size_t i = 0; i < curves.size(); ++i)
      {
        auto *s = line(ts.time_h, *curves[i].first, curves[i].second, palette_colours[(i + 1) % 5]);
        amounts->addSeries(s);
        connect_hover(s, tr("µg"));
        y_max = std::max(y_max, finite_max(*curves[i].first));
      }
    add_axes(amounts, tr("time (h)"), tr("amount (µg)"), t_end, 1.1 * y_max);
  }

  int ResultsPanel::time_row() const { return slider_->value(); }

  int ResultsPanel::profile_column() const { return column_->currentIndex(); }

  void ResultsPanel::set_time_row(const int row) { slider_->setValue(row); }

  void ResultsPanel::draw_profile()
  {
    if (!outcome_)
      return;
    const auto &time = outcome_->result.series.time_h;
    const int   row  = slider_->value();
    time_label_->setText(tr("t = %1 h").arg(row < int(time.size()) ? time[row] : 0., 0, 'f', 1));
    QChart *chart = profile_->chart();
    reset(chart, tr("Depth profile at t = %1 h").arg(row < int(time.size()) ? time[row] : 0., 0, 'f', 1));
    const int c = column_->currentIndex();
    if (c < 0 || c >= int(outcome_->result.profiles.size()))
      return;
    const studies::DepthProfiles &p = outcome_->result.profiles[c];
    double c_max = 0;
    for (const auto &r : p.concentration_mg_per_mL)
      c_max = std::max(c_max, finite_max(r));
    // Log concentration (fixed over the run) against the drawn depth: every
    // layer at least min_layer_share wide, real depths at the boundaries.
    const double c_min = c_max > 0 ? c_max * 1e-4 : 1e-6;
    for (std::size_t l = 0; l < p.layer_names.size(); ++l)
      {
        std::vector<double> x, y;
        for (std::size_t k = 0; k < p.depth_um.size(); ++k)
          if (p.layer_of_sample[k] == l)
            x.push_back(display_fraction(p, p.depth_um[k])),
              y.push_back(std::max(p.concentration_mg_per_mL[row][k], c_min));
        auto *s = line(x, y, QString::fromStdString(p.layer_names[l]), palette_colours[l % 5]);
        chart->addSeries(s);
        connect(s, &QXYSeries::hovered, this, [this, p](const QPointF &pt, bool on) {
          if (!on)
            return;
          double depth = pt.x() * p.skin_thickness_um; // invert display_fraction by bisection
          double lo = 0, hi = p.skin_thickness_um;
          for (int it = 0; it < 50; ++it)
            (display_fraction(p, depth = 0.5 * (lo + hi)) < pt.x() ? lo : hi) = depth;
          hover_->setText(tr("depth %1 µm: %2 mg/mL").arg(depth, 0, 'f', 1).arg(pt.y(), 0, 'g', 4));
        });
      }
    auto *x_axis = new QCategoryAxis;
    x_axis->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
    x_axis->append("0", 0);
    for (std::size_t l = 1; l <= p.layer_top_um.size(); ++l)
      {
        const double depth = l < p.layer_top_um.size() ? p.layer_top_um[l] : p.skin_thickness_um;
        x_axis->append(QString::number(depth, 'f', 0), display_fraction(p, depth));
      }
    x_axis->setRange(0, 1);
    x_axis->setTitleText(tr("depth (µm, not to scale)"));
    auto *y_axis = new QLogValueAxis;
    y_axis->setBase(10);
    y_axis->setRange(c_min, c_max > 0 ? 1.5 * c_max : 1e-2);
    y_axis->setLabelFormat("%.0e");
    y_axis->setTitleText(tr("concentration (mg/mL)"));
    chart->addAxis(x_axis, Qt::AlignBottom);
    chart->addAxis(y_axis, Qt::AlignLeft);
    for (QAbstractSeries *s : chart->series())
      s->attachAxis(x_axis), s->attachAxis(y_axis);
  }

  void ResultsPanel::fill_summary()
  {
    const studies::Summary &s = outcome_->result.summary;
    std::vector<std::pair<QString, QString>> rows;
    auto opt = [](const std::optional<double> &v, const QString &unit) {
      return v ? QString::number(*v, 'g', 4) + " " + unit : QString("–");
    };
    if (!outcome_->result.in_vitro)
      {
        rows.push_back({tr("Cmax"), opt(s.cmax_ng_per_mL, tr("ng/mL"))});
        rows.push_back({tr("Tmax"), opt(s.tmax_h, tr("h"))});
        rows.push_back({tr("AUC(0-last)"), opt(s.auc_0_last_ng_h_per_mL, tr("ng·h/mL"))});
        rows.push_back({tr("Half-life after removal"), opt(s.apparent_half_life_after_removal_h, tr("h"))});
      }
    else
      {
        rows.push_back({tr("Steady-state flux"), opt(s.steady_state_flux_ug_per_cm2_per_h, tr("µg/cm²/h"))});
        rows.push_back({tr("Lag time"), opt(s.lag_time_h, tr("h"))});
        rows.push_back({tr("Permeability kp"), opt(s.permeability_coefficient_cm_per_h, tr("cm/h"))});
      }
    rows.push_back({tr("Delivered"), opt(s.delivered_ug, tr("µg"))});
    rows.push_back({tr("Total load"), opt(s.total_load_ug, tr("µg"))});
    rows.push_back({tr("Left in patches"), opt(s.amount_left_in_patch_ug, tr("µg"))});
    rows.push_back({tr("In skin at end"), opt(s.amount_in_skin_at_end_ug, tr("µg"))});
    rows.push_back({tr("Absorbed"), opt(s.cumulative_absorbed_ug, tr("µg"))});
    rows.push_back({tr("Mass balance error"), QString::number(s.mass_balance_relative_error, 'e', 1)});
    rows.push_back({tr("Solver"), tr("%1 DOFs, %2 steps, %3 ms").arg(s.dof_count).arg(s.time_steps)
                                    .arg(1e3 * s.wall_time_s, 0, 'f', 0)});
    summary_->setRowCount(int(rows.size()));
    for (std::size_t i = 0; i < rows.size(); ++i)
      {
        summary_->setItem(int(i), 0, new QTableWidgetItem(rows[i].first));
        summary_->setItem(int(i), 1, new QTableWidgetItem(rows[i].second));
      }
    summary_->resizeRowsToContents();
  }

  void ResultsPanel::keep_current(const QString &name)
  {
    if (!outcome_)
      return;
    const studies::TimeSeries &ts = outcome_->result.series;
    kept_.push_back({name, ts.time_h,
                     outcome_->result.in_vitro ? ts.cumulative_permeated_ug_per_cm2 : ts.plasma_ng_per_mL});
    draw_plasma();
  }

  void ResultsPanel::clear_kept()
  {
    kept_.clear();
    if (outcome_)
      draw_plasma();
  }
} // namespace dermatwin::gui
