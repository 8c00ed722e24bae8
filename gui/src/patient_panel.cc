// SPDX-License-Identifier: LGPL-2.1-or-later
#include "patient_panel.h"

#include <dermatwin/materials/library.h>
#include <dermatwin/studies/skin_resolver.h>
#include <dermatwin/studies/study.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QTextBrowser>
#include <QVBoxLayout>

#include <set>

namespace dermatwin::gui
{
  namespace
  {
    /// The individual skin factors of the study format (patient.skin_factors).
    const std::vector<std::string> factor_keys = {"stratum_corneum_thickness", "viable_epidermis_thickness",
                                                  "dermis_thickness", "perfusion", "sc_permeability"};

    QDoubleSpinBox *spin(QWidget *parent, double min, double max, int decimals, double step)
    {
      auto *box = new QDoubleSpinBox(parent);
      box->setRange(min, max);
      box->setDecimals(decimals);
      box->setSingleStep(step);
      box->setKeyboardTracking(false);
      return box;
    }

    /// Which factor changes which column of the layer table.
    bool factor_affects(const std::string &factor, const std::string &layer, int column)
    {
      if (factor == "stratum_corneum_thickness")
        return layer == "stratum_corneum" && column == 1;
      if (factor == "viable_epidermis_thickness")
        return layer == "viable_epidermis" && column == 1;
      if (factor == "dermis_thickness")
        return layer == "dermis" && column == 1;
      if (factor == "perfusion")
        return column == 4;
      return factor == "sc_permeability" && layer == "stratum_corneum" && column == 2;
    }
  } // namespace

  PatientPanel::PatientPanel(StudyDocument &document, FieldHighlighter &highlighter, QWidget *parent)
    : QWidget(parent)
    , document_(document)
    , age_(spin(this, 18, 100, 0, 1))
    , weight_(spin(this, 30, 250, 1, 1))
    , sex_(new QComboBox(this))
    , age_label_(new QLabel(this))
    , sex_label_(new QLabel(this))
    , weight_label_(new QLabel(this))
    , place_label_(new QLabel(this))
    , factor_note_(new QLabel(this))
    , person_box_(new QGroupBox(this))
    , skin_box_(new QGroupBox(this))
    , factor_box_(new QGroupBox(this))
    , layers_(new QTableWidget(0, 6, this))
    , sources_(new QTextBrowser(this))
  {
    age_->setObjectName("patient_age");
    sex_->addItem(QString(), "female");
    sex_->addItem(QString(), "male");
    auto *person = new QFormLayout(person_box_);
    person->addRow(age_label_, age_);
    person->addRow(sex_label_, sex_);
    person->addRow(weight_label_, weight_);
    highlighter.add("patient.age_years", age_);
    highlighter.add("patient.sex", sex_);
    highlighter.add("patient.body_weight_kg", weight_);

    auto *factors = new QFormLayout(factor_box_);
    for (const std::string &key : factor_keys)
      {
        QDoubleSpinBox *box = spin(this, 0.05, 20, 2, 0.05);
        factors_[key]       = box;
        factor_labels_[key] = new QLabel(this);
        factors->addRow(factor_labels_[key], box);
        highlighter.add(QString::fromStdString("patient.skin_factors." + key), box);
        connect(box, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this, [this, key](double v) {
          if (refreshing_)
            return;
          if (std::abs(v - 1) < 1e-12)
            document_.remove("patient.skin_factors." + key);
          else
            document_.set_number("patient.skin_factors." + key, v);
        });
      }
    factors->addRow(factor_note_);
    factor_note_->setWordWrap(true);

    auto *skin = new QVBoxLayout(skin_box_);
    skin->addWidget(place_label_);
    skin->addWidget(layers_);
    skin->addWidget(sources_);
    layers_->verticalHeader()->hide();
    layers_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    layers_->horizontalHeader()->setStretchLastSection(true);
    layers_->setEditTriggers(QAbstractItemView::NoEditTriggers);
    layers_->setMinimumHeight(130);
    sources_->setOpenExternalLinks(true);
    sources_->setMaximumHeight(140);

    auto *top = new QHBoxLayout;
    top->addWidget(person_box_);
    top->addWidget(factor_box_);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(top);
    layout->addWidget(skin_box_, 1);

    connect(age_, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this, [this](double v) {
      if (!refreshing_)
        document_.set_number("patient.age_years", v);
    });
    connect(weight_, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this, [this](double v) {
      if (!refreshing_)
        document_.set_number("patient.body_weight_kg", v);
    });
    connect(sex_, QOverload<int>::of(&QComboBox::currentIndexChanged), this, [this](int) {
      if (!refreshing_)
        document_.set_text_value("patient.sex", sex_->currentData().toString().toStdString());
    });
    connect(&document_, &StudyDocument::changed, this, &PatientPanel::refresh);
    retranslate();
    refresh();
  }

  void PatientPanel::retranslate()
  {
    person_box_->setTitle(tr("Patient"));
    skin_box_->setTitle(tr("Skin at the chosen site"));
    factor_box_->setTitle(tr("Individual skin factors (1 = library)"));
    age_label_->setText(tr("Age (years)"));
    sex_label_->setText(tr("Sex"));
    weight_label_->setText(tr("Body weight (kg)"));
    sex_->setItemText(0, tr("female"));
    sex_->setItemText(1, tr("male"));
    factor_labels_["stratum_corneum_thickness"]->setText(tr("Stratum corneum thickness"));
    factor_labels_["viable_epidermis_thickness"]->setText(tr("Viable epidermis thickness"));
    factor_labels_["dermis_thickness"]->setText(tr("Dermis thickness"));
    factor_labels_["perfusion"]->setText(tr("Perfusion"));
    factor_labels_["sc_permeability"]->setText(tr("Stratum corneum permeability"));
    factor_note_->setText(tr("A factor other than 1 overrides the library value; overridden values are "
                             "marked in the table."));
    layers_->setHorizontalHeaderLabels({tr("Layer"), tr("Thickness (µm)"), tr("D (cm²/s)"),
                                        tr("K (to water)"), tr("Uptake (1/h)"), tr("Source")});
    update_skin();
  }

  void PatientPanel::show_place(const int kind, const QString &id)
  {
    place_kind_ = kind;
    place_id_   = id;
    update_skin();
  }

  void PatientPanel::refresh()
  {
    refreshing_ = true;
    age_->setValue(document_.get_number("patient.age_years", 45));
    weight_->setValue(document_.get_number("patient.body_weight_kg", 70));
    sex_->setCurrentIndex(document_.get_text("patient.sex", "female") == "male" ? 1 : 0);
    for (const auto &[key, box] : factors_)
      {
        const double value = document_.get_number("patient.skin_factors." + key, 1.);
        box->setValue(value);
        QFont f = box->font();
        f.setBold(std::abs(value - 1) > 1e-12);
        box->setFont(f);
      }
    refreshing_ = false;
    update_skin();
  }

  void PatientPanel::update_skin()
  {
    const materials::Library &library = materials::Library::standard();
    layers_->setRowCount(0);
    sources_->clear();
    const bool acupoint = place_kind_ == 1;
    place_label_->setText(acupoint ? tr("Acupoint <b>%1</b>").arg(place_id_) : tr("Site <b>%1</b>").arg(place_id_));
    try
      {
        const studies::Study study = studies::parse_study(document_.text(), "study");
        if (study.in_vitro())
          {
            place_label_->setText(tr("Franz-cell study: no patient."));
            return;
          }
        const materials::Record *drug = study.drug.inline_mapping ? nullptr : &library.drug(study.drug.id);
        const studies::SkinResolver resolver(library, studies::molecule_of(study, library), drug);
        const studies::Person person{study.age_years, study.sex, study.skin_factors};
        const std::string     id = place_id_.toStdString();
        const auto layers = resolver.layers(acupoint ? library.acupoint(id).text_or("site", "") : id,
                                            acupoint ? id : "", person, "in_vivo", 0);
        for (const studies::ResolvedLayer &l : layers)
          {
            const int row = layers_->rowCount();
            layers_->insertRow(row);
            const QStringList cells = {QString::fromStdString(l.name), QString::number(l.thickness_um, 'g', 4),
                                       QString::number(l.diffusivity_cm2_per_s, 'g', 3),
                                       QString::number(l.partition_coefficient, 'g', 3),
                                       QString::number(l.blood_uptake_rate_per_h, 'g', 3),
                                       QString::fromStdString(l.thickness_from)};
            const std::vector<std::string> from = {"", l.thickness_from, l.diffusivity_from, l.partition_from,
                                                   l.uptake_from, ""};
            for (int c = 0; c < cells.size(); ++c)
              {
                auto *item = new QTableWidgetItem(cells[c]);
                if (!from[c].empty())
                  item->setToolTip(QString::fromStdString(from[c]));
                for (const auto &[factor, value] : study.skin_factors)
                  if (std::abs(value - 1) > 1e-12 && factor_affects(factor, l.name, c))
                    {
                      item->setBackground(QColor(255, 236, 160));
                      item->setToolTip(tr("overridden: x %1 (%2)").arg(value).arg(QString::fromStdString(factor)) +
                                       "\n" + item->toolTip());
                    }
                layers_->setItem(row, c, item);
              }
          }
        QString html;
        std::set<std::string> seen;
        for (const std::string &key : resolver.sources())
          if (seen.insert(key).second && !key.empty())
            try
              {
                html += "<p><b>" + QString::fromStdString(key) + "</b>: " +
                        QString::fromStdString(library.source(key).citation).toHtmlEscaped() + "</p>";
              }
            catch (const std::exception &)
              {
              }
        sources_->setHtml(tr("<p><i>Hover a value for where it comes from.</i></p>") + html);
      }
    catch (const studies::StudyError &e)
      {
        sources_->setPlainText(tr("The study has a problem, so the skin cannot be resolved:\n%1")
                                 .arg(QString::fromStdString(e.what())));
      }
    catch (const std::exception &e)
      {
        sources_->setPlainText(QString::fromStdString(e.what()));
      }
  }
} // namespace dermatwin::gui
