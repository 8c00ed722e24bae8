// SPDX-License-Identifier: LGPL-2.1-or-later
#include "drug_panel.h"

#include <dermatwin/materials/library.h>
#include <dermatwin/materials/qspr.h>
#include <dermatwin/studies/skin_resolver.h>
#include <dermatwin/studies/study.h>

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QRadioButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace dermatwin::gui
{
  namespace
  {
    QString q(const std::string &s) { return QString::fromStdString(s); }

    /// A record's text fields and numbers (value, unit, source) as table rows.
    void fill_facts(QTableWidget *table, const materials::Record &r)
    {
      table->setRowCount(0);
      auto add = [table](const QString &key, const QString &value, const QString &source, const QString &note) {
        const int row = table->rowCount();
        table->insertRow(row);
        table->setItem(row, 0, new QTableWidgetItem(key));
        auto *v = new QTableWidgetItem(value);
        v->setToolTip(note);
        table->setItem(row, 1, v);
        table->setItem(row, 2, new QTableWidgetItem(source));
      };
      for (const auto &[key, text] : r.text)
        add(q(key), q(text), QString(), QString());
      for (const auto &[key, quantity] : r.quantities)
        add(q(key), QString::number(quantity.value, 'g', 4) + " " + q(quantity.unit),
            q(quantity.source + " (" + quantity.confidence + ")"), q(quantity.note));
    }

    QTableWidget *facts_table(QWidget *parent)
    {
      auto *t = new QTableWidget(0, 3, parent);
      t->verticalHeader()->hide();
      t->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
      t->horizontalHeader()->setStretchLastSection(true);
      t->setEditTriggers(QAbstractItemView::NoEditTriggers);
      t->setWordWrap(false);
      return t;
    }
  } // namespace

  QDoubleSpinBox *DrugPanel::add_number(QFormLayout *form, QLabel *&label, const double min, const double max,
                                        const int decimals, const double value, const QString &key,
                                        FieldHighlighter &h)
  {
    auto *box = new QDoubleSpinBox(this);
    box->setRange(min, max);
    box->setDecimals(decimals);
    box->setValue(value);
    box->setKeyboardTracking(false);
    label = new QLabel(this);
    form->addRow(label, box);
    if (!key.isEmpty())
      h.add(key, box);
    return box;
  }

  DrugPanel::DrugPanel(StudyDocument &document, FieldHighlighter &highlighter, QWidget *parent)
    : QWidget(parent)
    , document_(document)
    , drug_box_(new QGroupBox(this))
    , product_box_(new QGroupBox(this))
    , patch_box_(new QGroupBox(this))
    , library_drug_(new QRadioButton(this))
    , custom_drug_(new QRadioButton(this))
    , drug_combo_(new QComboBox(this))
    , product_combo_(new QComboBox(this))
    , custom_name_(new QLineEdit("my_compound", this))
    , qspr_(new QLabel(this))
    , patch_target_(new QLabel(this))
    , use_custom_(new QPushButton(this))
    , apply_patch_(new QPushButton(this))
    , drug_facts_(facts_table(this))
    , product_facts_(facts_table(this))
  {
    const materials::Library &library = materials::Library::standard();
    for (const std::string &id : library.drug_ids())
      drug_combo_->addItem(q(library.drug(id).text_or("name", id)), q(id));
    for (const std::string &id : library.product_ids())
      product_combo_->addItem(q(library.product(id).text_or("name", id)), q(id));
    highlighter.add("drug", drug_combo_);

    auto *drug_layout = new QVBoxLayout(drug_box_);
    auto *choice      = new QHBoxLayout;
    choice->addWidget(library_drug_);
    choice->addWidget(drug_combo_, 1);
    drug_layout->addLayout(choice);
    drug_layout->addWidget(drug_facts_, 1);
    drug_layout->addWidget(custom_drug_);
    auto *custom = new QFormLayout;
    name_label_ = new QLabel(this);
    custom->addRow(name_label_, custom_name_);
    mw_        = add_number(custom, mw_label_, 1, 10000, 1, 300, "drug.molecular_weight_g_per_mol", highlighter);
    log_kow_   = add_number(custom, log_kow_label_, -10, 15, 2, 2, "drug.log_kow", highlighter);
    clearance_ = add_number(custom, clearance_label_, 0.01, 1e5, 2, 30, "pk.clearance_L_per_h", highlighter);
    volume_    = add_number(custom, volume_label_, 0.1, 1e6, 1, 100, "pk.v1_L", highlighter);
    drug_layout->addLayout(custom);
    drug_layout->addWidget(qspr_);
    drug_layout->addWidget(use_custom_);
    qspr_->setWordWrap(true);

    auto *product_layout = new QVBoxLayout(product_box_);
    product_layout->addWidget(product_combo_);
    product_layout->addWidget(product_facts_, 1);

    auto *patch = new QFormLayout(patch_box_);
    patch->addRow(patch_target_);
    area_        = add_number(patch, area_label_, 0.01, 1000, 2, 10, "", highlighter);
    load_        = add_number(patch, load_label_, 0.001, 1e4, 3, 5, "", highlighter);
    thickness_   = add_number(patch, thickness_label_, 1, 1e4, 0, 50, "", highlighter);
    diffusivity_ = add_number(patch, diffusivity_label_, 1e-12, 1e-2, 12, 5e-9, "", highlighter);
    solubility_  = add_number(patch, solubility_label_, 0.001, 1e6, 3, 20, "", highlighter);
    patch->addRow(apply_patch_);

    auto *right = new QVBoxLayout;
    right->addWidget(product_box_, 1);
    right->addWidget(patch_box_);
    auto *layout = new QHBoxLayout(this);
    layout->addWidget(drug_box_, 1);
    layout->addLayout(right, 1);

    connect(drug_combo_, QOverload<int>::of(&QComboBox::currentIndexChanged), this, [this](int) {
      show_drug_facts();
      if (!refreshing_ && library_drug_->isChecked())
        document_.set_text_value("drug", drug_combo_->currentData().toString().toStdString());
    });
    connect(product_combo_, QOverload<int>::of(&QComboBox::currentIndexChanged), this,
            [this](int) { show_product_facts(product_combo_->currentData().toString()); });
    for (QDoubleSpinBox *box : {mw_, log_kow_})
      connect(box, QOverload<double>::of(&QDoubleSpinBox::valueChanged), this, [this](double) { update_qspr(); });
    connect(use_custom_, &QPushButton::clicked, this, &DrugPanel::use_custom_drug);
    connect(apply_patch_, &QPushButton::clicked, this, &DrugPanel::apply_custom_patch);
    connect(library_drug_, &QRadioButton::toggled, this, [this](bool on) {
      if (on && !refreshing_)
        document_.set_text_value("drug", drug_combo_->currentData().toString().toStdString());
    });
    connect(&document_, &StudyDocument::changed, this, &DrugPanel::refresh);
    retranslate();
    refresh();
  }

  void DrugPanel::retranslate()
  {
    drug_box_->setTitle(tr("Drug"));
    product_box_->setTitle(tr("Product label facts"));
    patch_box_->setTitle(tr("Custom patch"));
    library_drug_->setText(tr("Library drug"));
    custom_drug_->setText(tr("Custom drug (QSPR skin from molecular weight and log Kow)"));
    name_label_->setText(tr("Name"));
    mw_label_->setText(tr("Molecular weight (g/mol)"));
    log_kow_label_->setText(tr("log Kow"));
    clearance_label_->setText(tr("Clearance (L/h)"));
    volume_label_->setText(tr("Volume V1 (L)"));
    use_custom_->setText(tr("Use the custom drug (one-compartment PK, QSPR skin under every patch)"));
    area_label_->setText(tr("Area (cm²)"));
    load_label_->setText(tr("Drug load (mg)"));
    thickness_label_->setText(tr("Thickness (µm)"));
    diffusivity_label_->setText(tr("Diffusivity in the matrix (cm²/s)"));
    solubility_label_->setText(tr("Solubility in the matrix (mg/mL)"));
    apply_patch_->setText(tr("Use this patch for the selected application"));
    for (QTableWidget *t : {drug_facts_, product_facts_})
      t->setHorizontalHeaderLabels({tr("Key"), tr("Value"), tr("Source")});
    patch_target_->setText(tr("Selected application: %1").arg(selected_ + 1));
    update_qspr();
  }

  void DrugPanel::set_selected_application(const int index)
  {
    selected_ = index;
    patch_target_->setText(tr("Selected application: %1").arg(selected_ + 1));
    const std::string product = document_.get_text("application." + std::to_string(index) + ".product");
    const int         found   = product_combo_->findData(q(product));
    if (found >= 0)
      product_combo_->setCurrentIndex(found);
  }

  void DrugPanel::refresh()
  {
    refreshing_              = true;
    const YAML::Node drug    = document_.get("drug");
    const bool       custom  = drug.IsDefined() && drug.IsMap();
    library_drug_->setChecked(!custom);
    custom_drug_->setChecked(custom);
    if (!custom)
      {
        const int found = drug_combo_->findData(q(document_.get_text("drug")));
        if (found >= 0)
          drug_combo_->setCurrentIndex(found);
      }
    else
      {
        custom_name_->setText(q(document_.get_text("drug.name", "custom_drug")));
        mw_->setValue(document_.get_number("drug.molecular_weight_g_per_mol", mw_->value()));
        log_kow_->setValue(document_.get_number("drug.log_kow", log_kow_->value()));
      }
    refreshing_ = false;
    show_drug_facts();
    set_selected_application(std::min(selected_, std::max(0, document_.application_count() - 1)));
  }

  void DrugPanel::show_drug_facts()
  {
    const materials::Library &library = materials::Library::standard();
    const std::string         id      = drug_combo_->currentData().toString().toStdString();
    if (library.has_drug(id))
      fill_facts(drug_facts_, library.drug(id));
  }

  void DrugPanel::show_product_facts(const QString &product)
  {
    const materials::Library &library = materials::Library::standard();
    if (!library.has_product(product.toStdString()))
      return;
    const materials::Record &r = library.product(product.toStdString());
    fill_facts(product_facts_, r);
    area_->setValue(r.value_or("area_cm2", area_->value()));
    load_->setValue(r.value_or("drug_load_mg", load_->value()));
    thickness_->setValue(r.value_or("patch.thickness_um", thickness_->value()));
    diffusivity_->setValue(r.value_or("patch.diffusivity_cm2_per_s", diffusivity_->value()));
    solubility_->setValue(r.value_or("patch.solubility_mg_per_mL", solubility_->value()));
  }

  void DrugPanel::update_qspr()
  {
    materials::qspr::Molecule m;
    m.molecular_weight_g_per_mol = mw_->value();
    m.log_kow                    = log_kow_->value();
    const auto t                 = materials::qspr::estimate_skin_transport(m);
    qspr_->setText(tr("QSPR (Potts-Guy, Kretsos): kp = %1 cm/h; stratum corneum K = %2, D = %3 cm²/s; "
                      "viable skin K = %4, D = %5 cm²/s; dermal clearance %6 /h")
                     .arg(t.permeability_cm_per_h, 0, 'g', 3)
                     .arg(t.sc_partition_coefficient, 0, 'g', 3)
                     .arg(t.sc_diffusivity_cm2_per_s, 0, 'g', 3)
                     .arg(t.viable_partition_coefficient, 0, 'g', 3)
                     .arg(t.viable_diffusivity_cm2_per_s, 0, 'g', 3)
                     .arg(t.dermal_clearance_per_h, 0, 'g', 3));
  }

  /// An inline drug needs a pk mapping and explicit skin layers in every
  /// application (docs/study-format.md section 4): the layers come from the
  /// same SkinResolver the planner uses, with QSPR transport (no library
  /// drug), relative to a patch matrix that partitions like water.
  void DrugPanel::use_custom_drug()
  {
    const materials::Library &library = materials::Library::standard();
    YAML::Node                drug;
    drug["name"]                       = custom_name_->text().toStdString();
    drug["molecular_weight_g_per_mol"] = mw_->value();
    drug["log_kow"]                    = log_kow_->value();
    document_.set("drug", drug);
    YAML::Node pk;
    pk["model"]             = "one_compartment";
    pk["clearance_L_per_h"] = clearance_->value();
    pk["v1_L"]              = volume_->value();
    document_.set("pk", pk);

    materials::qspr::Molecule m;
    m.molecular_weight_g_per_mol = mw_->value();
    m.log_kow                    = log_kow_->value();
    const studies::SkinResolver resolver(library, m, nullptr);
    const studies::Person person{document_.get_number("patient.age_years", 45),
                                 document_.get_text("patient.sex", "female"), {}};
    for (int i = 0; i < document_.application_count(); ++i)
      {
        const std::string base     = "application." + std::to_string(i);
        std::string       site     = document_.get_text(base + ".site");
        const std::string acupoint = document_.get_text(base + ".acupoint");
        if (site.empty() && library.has_acupoint(acupoint))
          site = library.acupoint(acupoint).text_or("site", "");
        if (site.empty())
          continue;
        const std::string product = document_.get_text(base + ".product");
        if (!product.empty() && library.has_product(product))
          {
            const materials::Record &r = library.product(product);
            YAML::Node               patch;
            patch["area_cm2"]              = r.value("area_cm2");
            patch["drug_load_mg"]          = r.value("drug_load_mg");
            patch["thickness_um"]          = r.value("patch.thickness_um");
            patch["diffusivity_cm2_per_s"] = r.value("patch.diffusivity_cm2_per_s");
            if (r.has("patch.solubility_mg_per_mL"))
              patch["solubility_mg_per_mL"] = r.value("patch.solubility_mg_per_mL");
            document_.remove(base + ".product");
            document_.set(base + ".patch", patch);
            if (!document_.has(base + ".remove_h") && r.has("wear_time_h"))
              document_.set_number(base + ".remove_h",
                                   document_.get_number(base + ".apply_h", 0) + r.value("wear_time_h"));
          }
        YAML::Node layers(YAML::NodeType::Sequence);
        for (const auto &l : resolver.layers(site, acupoint, person, "in_vivo", 0))
          {
            YAML::Node layer;
            layer["name"]                    = l.name;
            layer["thickness_um"]            = l.thickness_um;
            layer["diffusivity_cm2_per_s"]   = l.diffusivity_cm2_per_s;
            layer["partition_coefficient"]   = l.partition_coefficient;
            layer["blood_uptake_rate_per_h"] = l.blood_uptake_rate_per_h;
            layers.push_back(layer);
          }
        document_.set(base + ".skin.layers", layers);
      }
  }

  void DrugPanel::apply_custom_patch()
  {
    if (selected_ >= document_.application_count())
      return;
    const std::string base = "application." + std::to_string(selected_);
    YAML::Node        patch;
    patch["area_cm2"]              = area_->value();
    patch["drug_load_mg"]          = load_->value();
    patch["thickness_um"]          = thickness_->value();
    patch["diffusivity_cm2_per_s"] = diffusivity_->value();
    patch["solubility_mg_per_mL"]  = solubility_->value();
    const std::string product      = document_.get_text(base + ".product");
    const materials::Library &library = materials::Library::standard();
    if (library.has_product(product))
      {
        const materials::Record &r = library.product(product);
        patch["partition_coefficient"] = r.value_or("patch.partition_coefficient_to_water", 1.);
        if (!document_.has(base + ".remove_h") && r.has("wear_time_h"))
          document_.set_number(base + ".remove_h", document_.get_number(base + ".apply_h", 0) + r.value("wear_time_h"));
      }
    document_.remove(base + ".product");
    document_.set(base + ".patch", patch);
  }
} // namespace dermatwin::gui
