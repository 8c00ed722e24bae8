// SPDX-License-Identifier: LGPL-2.1-or-later
#include "optimization_dialog.h"

#include <dermatwin/materials/library.h>
#include <dermatwin/studies/output.h>

#include <QtCharts>
#include <QtWidgets>

#include <yaml-cpp/yaml.h>

#include <cmath>

namespace dermatwin::gui
{
  using namespace QtCharts;

  namespace
  {
    QDoubleSpinBox *number_box(double low, double high, int decimals, const QString &suffix)
    {
      auto *box = new QDoubleSpinBox;
      box->setRange(low, high);
      box->setDecimals(decimals);
      box->setSuffix(suffix);
      return box;
    }

    QWidget *range_row(QCheckBox *use, QDoubleSpinBox *low, QDoubleSpinBox *high)
    {
      auto *row    = new QWidget;
      auto *layout = new QHBoxLayout(row);
      layout->setContentsMargins(0, 0, 0, 0);
      layout->addWidget(use);
      layout->addWidget(low);
      layout->addWidget(new QLabel("–"));
      layout->addWidget(high);
      layout->addStretch(1);
      return row;
    }

    void emit_range(YAML::Emitter &out, const char *key, const QDoubleSpinBox *low, const QDoubleSpinBox *high)
    {
      out << YAML::Key << key << YAML::Value << YAML::BeginMap << YAML::Key << "low" << YAML::Value
          << studies::csv_number(low->value()) << YAML::Key << "high" << YAML::Value
          << studies::csv_number(high->value()) << YAML::EndMap;
    }

    QString number(const std::optional<double> &v, int decimals)
    {
      return v ? QString::number(*v, 'f', decimals) : QString("–");
    }
  } // namespace

  OptimizationDialog::OptimizationDialog(const std::string &study_yaml, const std::string &study_file,
                                         QWidget *parent)
    : StudyMethodDialog(study_yaml, study_file, parent)
  {
    setWindowTitle(tr("Dose optimization"));
    low_        = number_box(0, 1e6, 3, tr(" ng/mL"));
    high_       = number_box(0, 1e6, 3, tr(" ng/mL"));
    cmax_limit_ = number_box(0, 1e6, 3, tr(" ng/mL"));
    cmax_limit_->setSpecialValueText(tr("none"));
    from_h_        = number_box(0, 1e5, 1, tr(" h"));
    vary_area_     = new QCheckBox(tr("vary"));
    vary_interval_ = new QCheckBox(tr("vary"));
    area_low_      = number_box(0.1, 1000, 1, tr(" cm²"));
    area_high_     = number_box(0.1, 1000, 1, tr(" cm²"));
    interval_low_  = number_box(1, 1e4, 1, tr(" h"));
    interval_high_ = number_box(1, 1e4, 1, tr(" h"));
    evaluations_   = new QSpinBox;
    evaluations_->setRange(1, 100000);
    placements_ = new QListWidget;
    placements_->setObjectName("placements");
    placements_->setMaximumHeight(130);
    const materials::Library &library = materials::Library::standard();
    for (const bool site : {true, false})
      for (const std::string &id : site ? library.site_ids() : library.acupoint_ids())
        {
          const materials::Record &r = site ? library.site(id) : library.acupoint(id);
          auto *item = new QListWidgetItem(QString::fromStdString(r.text_or("name", id)), placements_);
          item->setData(Qt::UserRole, QString::fromStdString(id));
          item->setData(Qt::UserRole + 1, site);
          item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
          item->setCheckState(Qt::Unchecked);
        }

    candidates_ = new QTableWidget;
    candidates_->setObjectName("candidates");
    candidates_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    candidates_->setMinimumHeight(120);
    chart_view_ = new QChartView(new QChart);
    chart_view_->setRenderHint(QPainter::Antialiasing);
    chart_view_->setMinimumSize(640, 300);
    apply_ = new QPushButton(tr("Apply best regimen to the body map"));
    apply_->setObjectName("apply_best");
    apply_->setEnabled(false);
    connect(apply_, &QPushButton::clicked, this, [this] {
      if (!*result_)
        return;
      const YAML::Node optimized = YAML::Load((*result_)->optimized_study_yaml);
      YAML::Emitter    out;
      out << optimized["application"];
      Q_EMIT apply_regimen(QString::fromUtf8(out.c_str()));
      set_status(tr("Best regimen applied to the study and the body map (reopen the file to go back)."));
    });

    auto *form = new QFormLayout;
    auto *window = new QHBoxLayout;
    window->addWidget(low_);
    window->addWidget(new QLabel("–"));
    window->addWidget(high_);
    window->addStretch(1);
    form->addRow(tr("Therapeutic window"), window);
    form->addRow(tr("Score from"), from_h_);
    form->addRow(tr("Cmax limit"), cmax_limit_);
    form->addRow(tr("Patch area"), range_row(vary_area_, area_low_, area_high_));
    form->addRow(tr("Replace every"), range_row(vary_interval_, interval_low_, interval_high_));
    form->addRow(tr("Sites and acupoints"), placements_);
    form->addRow(tr("Evaluations per site"), evaluations_);
    content()->addLayout(form);
    content()->addWidget(candidates_);
    content()->addWidget(chart_view_, 1);
    content()->addWidget(apply_, 0, Qt::AlignLeft);
    fill_from_study();
    resize(860, 960);
  }

  void OptimizationDialog::fill_from_study()
  {
    studies::OptimizationSpec spec;
    studies::Study            study;
    try
      {
        study = studies::parse_study(study_yaml(), study_file());
        try
          {
            spec = studies::parse_optimization(study);
          }
        catch (const std::exception &)
          {
            // No optimize block: the library's defaults (drug window, toxic level).
            spec = studies::parse_optimization(studies::parse_study(study_yaml(), study_file(), {"study={type: optimize}"}));
          }
      }
    catch (const std::exception &e)
      {
        set_status(QString::fromStdString(e.what()));
      }
    *spec_ = spec;
    low_->setValue(spec.window_low_ng_per_mL);
    high_->setValue(spec.window_high_ng_per_mL);
    from_h_->setValue(spec.evaluate_from_h);
    cmax_limit_->setValue(std::isfinite(spec.cmax_limit_ng_per_mL) ? spec.cmax_limit_ng_per_mL : 0);
    evaluations_->setValue(int(std::min(spec.max_evaluations, 200u)));

    const studies::ApplicationSpec *label = study.applications.empty() ? nullptr : &study.applications.front();
    vary_area_->setChecked(bool(spec.area_cm2));
    const double area = label && !label->product.empty() && materials::Library::standard().has_product(label->product) ?
                          materials::Library::standard().product(label->product).value("area_cm2") : 10;
    area_low_->setValue(spec.area_cm2 ? spec.area_cm2->low : 0.5 * area);
    area_high_->setValue(spec.area_cm2 ? spec.area_cm2->high : 2 * area);
    vary_interval_->setChecked(spec.replace_every_h || (label && label->repeat_every_h));
    const double every = label && label->repeat_every_h ? *label->repeat_every_h : 72;
    interval_low_->setValue(spec.replace_every_h ? spec.replace_every_h->low : 0.67 * every);
    interval_high_->setValue(spec.replace_every_h ? spec.replace_every_h->high : 1.17 * every);

    QStringList ticked;
    for (const studies::Placement &p : spec.placements)
      ticked << QString::fromStdString(p.label());
    if (ticked.isEmpty() && label)
      ticked << QString::fromStdString(label->site.empty() ? label->acupoint : label->site);
    set_placements(ticked);
  }

  void OptimizationDialog::set_placements(const QStringList &ids)
  {
    for (int i = 0; i < placements_->count(); ++i)
      {
        QListWidgetItem *item = placements_->item(i);
        item->setCheckState(ids.contains(item->data(Qt::UserRole).toString()) ? Qt::Checked : Qt::Unchecked);
        if (item->checkState() == Qt::Checked)
          placements_->scrollToItem(item);
      }
  }

  void OptimizationDialog::set_max_evaluations(const int n) { evaluations_->setValue(n); }

  std::string OptimizationDialog::study_block() const
  {
    YAML::Emitter out;
    out << YAML::Flow << YAML::BeginMap;
    out << YAML::Key << "type" << YAML::Value << "optimize";
    out << YAML::Key << "objective" << YAML::Value << "time_in_window";
    out << YAML::Key << "window_ng_per_mL" << YAML::Value << YAML::BeginSeq << studies::csv_number(low_->value())
        << studies::csv_number(high_->value()) << YAML::EndSeq;
    out << YAML::Key << "evaluate_from_h" << YAML::Value << studies::csv_number(from_h_->value());
    if (cmax_limit_->value() > 0)
      out << YAML::Key << "cmax_limit_ng_per_mL" << YAML::Value << studies::csv_number(cmax_limit_->value());
    if (spec_->max_total_area_cm2)
      out << YAML::Key << "max_total_area_cm2" << YAML::Value << studies::csv_number(*spec_->max_total_area_cm2);
    out << YAML::Key << "variables" << YAML::Value << YAML::BeginMap;
    if (vary_area_->isChecked())
      emit_range(out, "area_cm2", area_low_, area_high_);
    if (vary_interval_->isChecked())
      emit_range(out, "replace_every_h", interval_low_, interval_high_);
    for (const bool site : {true, false})
      {
        std::vector<std::string> ids;
        for (int i = 0; i < placements_->count(); ++i)
          if (placements_->item(i)->checkState() == Qt::Checked &&
              placements_->item(i)->data(Qt::UserRole + 1).toBool() == site)
            ids.push_back(placements_->item(i)->data(Qt::UserRole).toString().toStdString());
        if (!ids.empty())
          out << YAML::Key << (site ? "sites" : "acupoints") << YAML::Value << ids;
      }
    out << YAML::EndMap;
    out << YAML::Key << "optimizer" << YAML::Value << YAML::BeginMap << YAML::Key << "max_evaluations"
        << YAML::Value << evaluations_->value() << YAML::EndMap;
    out << YAML::EndMap;
    return out.c_str();
  }

  StudyMethodDialog::Job OptimizationDialog::make_job()
  {
    const std::vector<std::string> overrides = {"study=" + study_block()};
    const std::string              text = study_yaml(), file = study_file();
    auto                           result = result_;
    auto                           spec   = spec_;
    result->reset();
    apply_->setEnabled(false);
    return [text, file, overrides, result, spec](const studies::BatchProgress &progress) {
      const studies::Study study = studies::parse_study(text, file, overrides);
      *spec                      = studies::parse_optimization(study);
      *result = std::make_unique<studies::OptimizationResult>(
        studies::run_optimization(study, *spec, QThread::idealThreadCount(), progress));
    };
  }

  void OptimizationDialog::job_finished()
  {
    const studies::OptimizationResult &r    = **result_;
    const studies::Evaluation         &best = r.candidates[r.best_index].best;
    show_candidates();
    show_curves();
    apply_->setEnabled(best.feasible);
    set_status(tr("Done after %1 evaluations. Best: %2 — %3 % of the time in the window (label regimen: %4 %), "
                  "Cmax %5 ng/mL.")
                 .arg(r.evaluations)
                 .arg(QString::fromStdString(best.regimen.placement.label()))
                 .arg(100 * best.objective, 0, 'f', 1)
                 .arg(100 * r.label.objective, 0, 'f', 1)
                 .arg(best.cmax_ng_per_mL, 0, 'f', 2));
  }

  void OptimizationDialog::show_candidates()
  {
    const studies::OptimizationResult &r = **result_;
    candidates_->clear();
    candidates_->setColumnCount(8);
    candidates_->setHorizontalHeaderLabels({tr("site / acupoint"), tr("product"), tr("patches"), tr("area (cm²)"),
                                            tr("replace every (h)"), tr("in window (%)"), tr("Cmax (ng/mL)"),
                                            tr("status")});
    candidates_->setRowCount(int(r.candidates.size()));
    for (int i = 0; i < int(r.candidates.size()); ++i)
      {
        const studies::Evaluation &e = r.candidates[i].best;
        const QStringList cells = {QString::fromStdString(e.regimen.placement.label()),
                                   QString::fromStdString(e.regimen.product.empty() ? "(study patch)" : e.regimen.product),
                                   QString::number(e.regimen.patches),
                                   number(e.regimen.area_cm2, 1),
                                   number(e.regimen.replace_every_h, 1),
                                   QString::number(100 * e.objective, 'f', 1),
                                   QString::number(e.cmax_ng_per_mL, 'f', 2),
                                   e.feasible ? QString::fromStdString(r.candidates[i].status) : tr("infeasible")};
        for (int c = 0; c < cells.size(); ++c)
          {
            auto *item = new QTableWidgetItem(cells[c]);
            if (std::size_t(i) == r.best_index)
              {
                QFont bold = item->font();
                bold.setBold(true);
                item->setFont(bold);
              }
            candidates_->setItem(i, c, item);
          }
      }
    candidates_->resizeColumnsToContents();
  }

  void OptimizationDialog::show_curves()
  {
    const studies::OptimizationResult &r     = **result_;
    auto                              *chart = new QChart;
    const auto curve = [](const studies::Result &run, const QString &name, const QPen &pen) {
      auto *s = new QLineSeries;
      for (std::size_t i = 0; i < run.series.time_h.size(); ++i)
        s->append(run.series.time_h[i], run.series.plasma_ng_per_mL[i]);
      s->setName(name);
      s->setPen(pen);
      return s;
    };
    const std::vector<double> &t     = r.label_run.series.time_h;
    const double               end_h = t.empty() ? 1 : t.back();
    auto *low = new QLineSeries, *high = new QLineSeries;
    low->append(0, spec_->window_low_ng_per_mL);
    low->append(end_h, spec_->window_low_ng_per_mL);
    high->append(0, spec_->window_high_ng_per_mL);
    high->append(end_h, spec_->window_high_ng_per_mL);
    auto *window = new QAreaSeries(high, low);
    window->setName(tr("therapeutic window"));
    window->setColor(QColor(60, 170, 90, 60));
    window->setBorderColor(Qt::transparent);
    chart->addSeries(window);
    chart->addSeries(curve(r.label_run, tr("study regimen"), QPen(QColor(150, 150, 150), 2, Qt::DashLine)));
    chart->addSeries(curve(r.best_run, tr("optimized regimen"), QPen(QColor(20, 70, 160), 2)));
    chart->createDefaultAxes();
    chart->axes(Qt::Horizontal).first()->setRange(0, end_h);
    chart->axes(Qt::Horizontal).first()->setTitleText(tr("time (h)"));
    chart->axes(Qt::Vertical).first()->setTitleText(tr("plasma (ng/mL)"));
    chart->setTitle(tr("Plasma concentration: study regimen vs optimum"));
    QChart *old = chart_view_->chart();
    chart_view_->setChart(chart);
    delete old;
  }
} // namespace dermatwin::gui
