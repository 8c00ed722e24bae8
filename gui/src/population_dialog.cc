// SPDX-License-Identifier: LGPL-2.1-or-later
#include "population_dialog.h"

#include <dermatwin/studies/population.h>

#include <QtCharts>
#include <QtWidgets>

#include <sstream>

namespace dermatwin::gui
{
  using namespace QtCharts;

  PopulationDialog::PopulationDialog(const std::string &study_yaml, const std::string &study_file, QWidget *parent)
    : StudyMethodDialog(study_yaml, study_file, parent)
  {
    setWindowTitle(tr("Virtual population"));
    subjects_ = new QSpinBox;
    subjects_->setRange(10, 100000);
    subjects_->setValue(200);
    seed_ = new QSpinBox;
    seed_->setRange(0, 1000000);
    seed_->setValue(1);
    chart_view_ = new QChartView(new QChart);
    chart_view_->setRenderHint(QPainter::Antialiasing);
    chart_view_->setMinimumSize(640, 400);

    auto *form = new QFormLayout;
    form->addRow(tr("Subjects"), subjects_);
    form->addRow(tr("Seed"), seed_);
    content()->addLayout(form);
    content()->addWidget(chart_view_, 1);
    set_status(tr("Age 18-80 uniform, half female, log-normal skin and PK factors with the library's CVs."));
  }

  void PopulationDialog::set_subjects(const int n) { subjects_->setValue(n); }

  StudyMethodDialog::Job PopulationDialog::make_job()
  {
    // The study as edited, with a population block (the same as `dermatwin population`).
    const std::vector<std::string> overrides = {
      "study={type: population, subjects: " + std::to_string(subjects_->value()) +
      ", seed: " + std::to_string(seed_->value()) + "}"};
    const std::string text = study_yaml(), file = study_file();
    auto              bands = bands_;
    return [text, file, overrides, bands](const studies::BatchProgress &progress) {
      const studies::Study          study = studies::parse_study(text, file, overrides);
      const studies::PopulationSpec spec  = studies::parse_population(study);
      *bands = studies::run_population(study, spec, QThread::idealThreadCount(), progress).bands_csv;
    };
  }

  void PopulationDialog::job_finished()
  {
    // Columns: time_h, plasma_p5, p25, p50, p75, p95 (ng/mL), fraction in window.
    auto *p5 = new QLineSeries, *p25 = new QLineSeries, *p50 = new QLineSeries, *p75 = new QLineSeries,
         *p95 = new QLineSeries;
    std::istringstream in(*bands_);
    std::string        line;
    std::getline(in, line); // header
    double c_max = 0, t_max = 0;
    while (std::getline(in, line))
      {
        QStringList cells = QString::fromStdString(line).split(',');
        if (cells.size() < 6)
          continue;
        const double t = cells[0].toDouble();
        QLineSeries *series[] = {p5, p25, p50, p75, p95};
        for (int k = 0; k < 5; ++k)
          series[k]->append(t, cells[k + 1].toDouble());
        c_max = std::max(c_max, cells[5].toDouble());
        t_max = t;
      }
    auto *chart = new QChart;
    auto *outer = new QAreaSeries(p95, p5);
    outer->setName(tr("5-95 %"));
    outer->setColor(QColor(70, 130, 180, 70));
    outer->setBorderColor(Qt::transparent);
    auto *inner = new QAreaSeries(p75, p25);
    inner->setName(tr("25-75 %"));
    inner->setColor(QColor(70, 130, 180, 140));
    inner->setBorderColor(Qt::transparent);
    p50->setName(tr("median"));
    p50->setPen(QPen(QColor(20, 50, 110), 2));
    chart->addSeries(outer);
    chart->addSeries(inner);
    chart->addSeries(p50);
    chart->createDefaultAxes();
    chart->axes(Qt::Horizontal).first()->setRange(0, t_max);
    chart->axes(Qt::Horizontal).first()->setTitleText(tr("time (h)"));
    chart->axes(Qt::Vertical).first()->setRange(0, 1.05 * c_max);
    chart->axes(Qt::Vertical).first()->setTitleText(tr("plasma (ng/mL)"));
    chart->setTitle(tr("Plasma concentration, %1 virtual subjects").arg(subjects_->value()));
    QChart *old = chart_view_->chart();
    chart_view_->setChart(chart);
    delete old;
    set_status(tr("Done: percentile bands over %1 subjects (the same numbers as `dermatwin population`).")
                 .arg(subjects_->value()));
  }
} // namespace dermatwin::gui
