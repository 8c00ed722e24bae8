// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sensitivity_dialog.h"

#include <dermatwin/studies/output.h>

#include <QtCharts>
#include <QtWidgets>

#include <yaml-cpp/yaml.h>

namespace dermatwin::gui
{
  using namespace QtCharts;

  namespace
  {
    /// Uncertain inputs offered when the study has no sensitivity block of its
    /// own: the patient covariates and the inter-individual factors of
    /// docs/study-format.md (ranges about the library's population spread).
    std::vector<studies::ParameterRange> default_parameters()
    {
      return {{"patient.age_years", 25, 75, false},
              {"patient.skin_factors.sc_permeability", 0.5, 2, true},
              {"patient.skin_factors.perfusion", 0.5, 2, true},
              {"patient.skin_factors.stratum_corneum_thickness", 0.7, 1.4, true},
              {"patient.pk_factors.clearance", 0.6, 1.6, true},
              {"patient.pk_factors.volumes", 0.7, 1.4, true}};
    }
    const std::vector<std::string> default_outputs = {"cmax_ng_per_mL", "auc_0_last_ng_h_per_mL"};

    enum Column
    {
      use_column,
      key_column,
      low_column,
      high_column,
      log_column
    };

    double cell_number(const QTableWidget *table, int row, int column)
    {
      bool         ok    = false;
      const double value = table->item(row, column)->text().toDouble(&ok);
      if (!ok)
        throw std::invalid_argument(
          QObject::tr("Parameter row %1: '%2' is not a number").arg(row + 1).arg(table->item(row, column)->text())
            .toStdString());
      return value;
    }
  } // namespace

  SensitivityDialog::SensitivityDialog(const std::string &study_yaml, const std::string &study_file,
                                       QWidget *parent)
    : StudyMethodDialog(study_yaml, study_file, parent)
  {
    setWindowTitle(tr("Sensitivity analysis"));
    method_ = new QComboBox;
    method_->addItem(tr("Sobol' indices (variance-based)"), "sobol");
    method_->addItem(tr("Morris screening (elementary effects)"), "morris");
    samples_ = new QComboBox;
    for (int n : {16, 32, 64, 128, 256, 512, 1024})
      samples_->addItem(QString::number(n), n);
    samples_->setCurrentText("64");
    samples_->setToolTip(tr("Sobol': base samples N (runs = N (parameters + 2)); Morris: trajectories r"));
    outputs_ = new QListWidget;
    outputs_->setMaximumHeight(110);
    for (const std::string &name : studies::summary_metric_names())
      {
        auto *item = new QListWidgetItem(QString::fromStdString(name), outputs_);
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(Qt::Unchecked);
      }
    parameters_ = new QTableWidget(0, 5);
    parameters_->setObjectName("parameters");
    parameters_->setHorizontalHeaderLabels({tr("use"), tr("study key"), tr("low"), tr("high"), tr("log scale")});
    parameters_->horizontalHeader()->setSectionResizeMode(key_column, QHeaderView::Stretch);
    parameters_->setMinimumHeight(170);
    auto *add_row = new QPushButton(tr("Add parameter"));
    connect(add_row, &QPushButton::clicked, this, [this] { add_parameter_row({"patient.body_weight_kg", 50, 100, false}, true); });

    shown_output_ = new QComboBox;
    chart_view_   = new QChartView(new QChart);
    chart_view_->setRenderHint(QPainter::Antialiasing);
    chart_view_->setMinimumSize(640, 300);
    table_ = new QTableWidget;
    table_->setMinimumHeight(120);
    table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    connect(shown_output_, QOverload<int>::of(&QComboBox::currentIndexChanged), this, &SensitivityDialog::show_output);

    auto *form = new QFormLayout;
    form->addRow(tr("Method"), method_);
    form->addRow(tr("Samples"), samples_);
    form->addRow(tr("Outputs"), outputs_);
    content()->addLayout(form);
    content()->addWidget(new QLabel(tr("Uncertain parameters (any study key; uniform, or log-uniform):")));
    content()->addWidget(parameters_);
    content()->addWidget(add_row, 0, Qt::AlignLeft);
    auto *shown = new QHBoxLayout;
    shown->addWidget(new QLabel(tr("Show output")));
    shown->addWidget(shown_output_, 1);
    content()->addLayout(shown);
    content()->addWidget(chart_view_, 1);
    content()->addWidget(table_);
    fill_parameters();
    resize(820, 900);
  }

  void SensitivityDialog::fill_parameters()
  {
    studies::SensitivitySpec spec;
    spec.parameters = default_parameters();
    spec.outputs    = default_outputs;
    bool from_study = false;
    try
      {
        spec       = studies::parse_sensitivity(studies::parse_study(study_yaml(), study_file()));
        from_study = true;
      }
    catch (const std::exception &)
      {
        // No usable sensitivity block: offer the defaults.
      }
    set_method(QString::fromStdString(spec.method));
    if (from_study)
      set_base_samples(int(spec.method == "sobol" ? spec.base_samples : spec.trajectories));
    for (int i = 0; i < outputs_->count(); ++i)
      {
        const std::string name = outputs_->item(i)->text().toStdString();
        const bool checked = std::find(spec.outputs.begin(), spec.outputs.end(), name) != spec.outputs.end();
        outputs_->item(i)->setCheckState(checked ? Qt::Checked : Qt::Unchecked);
      }
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
      add_parameter_row(spec.parameters[i], from_study || i < 3);
    set_status(from_study ? tr("Parameters from the study's sensitivity block.")
                          : tr("Default parameters: tick the ones to vary and edit their ranges."));
  }

  void SensitivityDialog::add_parameter_row(const studies::ParameterRange &range, const bool used)
  {
    const int row = parameters_->rowCount();
    parameters_->insertRow(row);
    auto *use = new QTableWidgetItem;
    use->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
    use->setCheckState(used ? Qt::Checked : Qt::Unchecked);
    auto *log = new QTableWidgetItem;
    log->setFlags(Qt::ItemIsUserCheckable | Qt::ItemIsEnabled);
    log->setCheckState(range.log_scale ? Qt::Checked : Qt::Unchecked);
    parameters_->setItem(row, use_column, use);
    parameters_->setItem(row, key_column, new QTableWidgetItem(QString::fromStdString(range.name)));
    parameters_->setItem(row, low_column, new QTableWidgetItem(QString::number(range.low)));
    parameters_->setItem(row, high_column, new QTableWidgetItem(QString::number(range.high)));
    parameters_->setItem(row, log_column, log);
  }

  void SensitivityDialog::set_method(const QString &method)
  {
    method_->setCurrentIndex(std::max(0, method_->findData(method)));
  }

  void SensitivityDialog::set_base_samples(const int n)
  {
    const int index = samples_->findData(n);
    if (index >= 0)
      samples_->setCurrentIndex(index);
    else
      {
        samples_->addItem(QString::number(n), n);
        samples_->setCurrentIndex(samples_->count() - 1);
      }
  }

  std::string SensitivityDialog::study_block() const
  {
    const std::string method = method_->currentData().toString().toStdString();
    YAML::Emitter     out;
    out << YAML::Flow << YAML::BeginMap << YAML::Key << "type" << YAML::Value << "sensitivity";
    out << YAML::Key << "method" << YAML::Value << method;
    out << YAML::Key << (method == "sobol" ? "base_samples" : "trajectories") << YAML::Value
        << samples_->currentData().toInt();
    out << YAML::Key << "outputs" << YAML::Value << YAML::BeginSeq;
    for (int i = 0; i < outputs_->count(); ++i)
      if (outputs_->item(i)->checkState() == Qt::Checked)
        out << outputs_->item(i)->text().toStdString();
    out << YAML::EndSeq << YAML::Key << "parameters" << YAML::Value << YAML::BeginSeq;
    for (int row = 0; row < parameters_->rowCount(); ++row)
      if (parameters_->item(row, use_column)->checkState() == Qt::Checked)
        {
          out << YAML::BeginMap << YAML::Key << "key" << YAML::Value
              << parameters_->item(row, key_column)->text().trimmed().toStdString();
          out << YAML::Key << "low" << YAML::Value << studies::csv_number(cell_number(parameters_, row, low_column));
          out << YAML::Key << "high" << YAML::Value << studies::csv_number(cell_number(parameters_, row, high_column));
          if (parameters_->item(row, log_column)->checkState() == Qt::Checked)
            out << YAML::Key << "scale" << YAML::Value << "log";
          out << YAML::EndMap;
        }
    out << YAML::EndSeq << YAML::EndMap;
    return out.c_str();
  }

  StudyMethodDialog::Job SensitivityDialog::make_job()
  {
    // The same validation as `dermatwin sensitivity`: bad keys or ranges come
    // back as StudyError text naming the key, shown in the status line.
    const std::vector<std::string> overrides = {"study=" + study_block()};
    const std::string              text = study_yaml(), file = study_file();
    auto                           result = result_;
    auto                           spec   = spec_;
    result->reset();
    return [text, file, overrides, result, spec](const studies::BatchProgress &progress) {
      const studies::Study study = studies::parse_study(text, file, overrides);
      *spec                      = studies::parse_sensitivity(study);
      *result = std::make_unique<studies::SensitivityResult>(
        studies::run_sensitivity(study, *spec, QThread::idealThreadCount(), progress));
    };
  }

  void SensitivityDialog::job_finished()
  {
    const studies::SensitivityResult &r = **result_;
    shown_output_->blockSignals(true);
    shown_output_->clear();
    for (const std::string &name : spec_->outputs)
      shown_output_->addItem(QString::fromStdString(name));
    shown_output_->blockSignals(false);
    show_output(0);
    set_status(tr("Done: %1 model runs in %2 s on %3 threads (the same numbers as `dermatwin sensitivity`).")
                 .arg(r.outputs.size())
                 .arg(r.wall_time_s, 0, 'f', 1)
                 .arg(r.n_threads));
  }

  void SensitivityDialog::show_output(const int output)
  {
    if (!*result_ || output < 0 || output >= int(spec_->outputs.size()))
      return;
    const studies::SensitivityResult &r = **result_;
    QStringList                       names;
    for (const auto &p : spec_->parameters)
      names << QString::fromStdString(p.name).section('.', -1);
    auto *first = new QBarSet(r.sobol ? tr("S1 (first order)") : tr("μ* (mean |effect|)"));
    auto *total = new QBarSet(r.sobol ? tr("ST (total)") : tr("σ (interactions, non-linearity)"));
    for (std::size_t i = 0; i < spec_->parameters.size(); ++i)
      if (r.sobol)
        {
          *first << r.sobol->per_output[output].first_order[i];
          *total << r.sobol->per_output[output].total[i];
        }
      else
        {
          *first << r.morris->mu_star[output][i];
          *total << r.morris->sigma[output][i];
        }
    auto *bars = new QBarSeries;
    bars->append(first);
    bars->append(total);
    auto *chart = new QChart;
    chart->addSeries(bars);
    auto *x = new QBarCategoryAxis;
    x->append(names);
    chart->addAxis(x, Qt::AlignBottom);
    bars->attachAxis(x);
    auto *y = new QValueAxis;
    if (r.sobol)
      y->setRange(0, 1);
    y->setTitleText(r.sobol ? tr("Sobol' index") : tr("elementary effect"));
    chart->addAxis(y, Qt::AlignLeft);
    bars->attachAxis(y);
    if (!r.sobol)
      y->applyNiceNumbers();
    chart->setTitle(tr("Sensitivity of %1").arg(QString::fromStdString(spec_->outputs[output])));
    QChart *old = chart_view_->chart();
    chart_view_->setChart(chart);
    delete old;
    show_table(output);
  }

  void SensitivityDialog::show_table(const int output)
  {
    const studies::SensitivityResult &r = **result_;
    const QStringList headers = r.sobol ? QStringList{tr("parameter"), tr("S1"), tr("S1 95 % CI"), tr("ST"), tr("ST 95 % CI")}
                                        : QStringList{tr("parameter"), tr("μ*"), tr("μ"), tr("σ")};
    table_->clear();
    table_->setColumnCount(headers.size());
    table_->setHorizontalHeaderLabels(headers);
    table_->setRowCount(int(spec_->parameters.size()));
    const auto number = [](double v) { return QString::number(v, 'g', 3); };
    const auto interval = [&](double low, double high) { return "[" + number(low) + ", " + number(high) + "]"; };
    for (int i = 0; i < int(spec_->parameters.size()); ++i)
      {
        QStringList cells = {QString::fromStdString(spec_->parameters[i].name)};
        if (r.sobol)
          {
            const studies::SobolIndices &s = r.sobol->per_output[output];
            cells << number(s.first_order[i]) << interval(s.first_order_ci_low[i], s.first_order_ci_high[i])
                  << number(s.total[i]) << interval(s.total_ci_low[i], s.total_ci_high[i]);
          }
        else
          cells << number(r.morris->mu_star[output][i]) << number(r.morris->mu[output][i])
                << number(r.morris->sigma[output][i]);
        for (int c = 0; c < cells.size(); ++c)
          table_->setItem(i, c, new QTableWidgetItem(cells[c]));
      }
    table_->resizeColumnsToContents();
  }
} // namespace dermatwin::gui
