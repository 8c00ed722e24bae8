// SPDX-License-Identifier: LGPL-2.1-or-later
#include "applications_panel.h"

#include <dermatwin/materials/library.h>

#include <QCheckBox>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QMimeData>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

#include <map>

namespace dermatwin::gui
{
  namespace
  {
    QString q(const std::string &s) { return QString::fromStdString(s); }
    /// Table columns that hold a number, with their study key.
    const std::map<int, std::string> number_columns = {
      {3, "apply_h"}, {4, "remove_h"}, {5, "repeat_every_h"}, {6, "repeats"}};
  } // namespace

  ProductPalette::ProductPalette(QWidget *parent)
    : QListWidget(parent)
  {
    setDragEnabled(true);
    setDragDropMode(QAbstractItemView::DragOnly);
    setSelectionMode(QAbstractItemView::SingleSelection);
    setObjectName("product_palette");
  }

  void ProductPalette::fill(const QString &drug, const bool all)
  {
    clear();
    const materials::Library &library = materials::Library::standard();
    for (const std::string &id : library.product_ids())
      {
        const materials::Record &r = library.product(id);
        const QString product_drug = q(r.text_or("drug", ""));
        if (!all && product_drug != drug)
          continue;
        auto *item = new QListWidgetItem(q(r.text_or("name", id)), this);
        item->setData(Qt::UserRole, q(id));
        item->setToolTip(tr("%1 (%2): drag onto a site or acupoint").arg(q(id), product_drug));
        if (product_drug != drug)
          item->setForeground(QColor(130, 130, 130));
      }
  }

  QMimeData *ProductPalette::mimeData(const QList<QListWidgetItem *> items) const
  {
    auto *data = new QMimeData;
    if (!items.isEmpty())
      {
        const QString id = items.first()->data(Qt::UserRole).toString();
        data->setData("application/x-dermatwin-product", id.toUtf8());
        data->setText(id);
      }
    return data;
  }

  ApplicationsPanel::ApplicationsPanel(StudyDocument &document, FieldHighlighter &highlighter, QWidget *parent)
    : QWidget(parent)
    , document_(document)
    , highlighter_(highlighter)
    , palette_(new ProductPalette(this))
    , all_products_(new QCheckBox(this))
    , table_(new QTableWidget(0, 7, this))
    , remove_(new QPushButton(this))
    , palette_label_(new QLabel(this))
    , hint_(new QLabel(this))
  {
    table_->setObjectName("applications_table");
    highlighter.add("application", table_);
    table_->verticalHeader()->hide();
    table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table_->horizontalHeader()->setStretchLastSection(true);
    table_->setSelectionBehavior(QAbstractItemView::SelectRows);
    table_->setSelectionMode(QAbstractItemView::SingleSelection);
    hint_->setWordWrap(true);
    palette_->setMaximumHeight(160);

    auto *palette_row = new QHBoxLayout;
    palette_row->addWidget(palette_label_, 1);
    palette_row->addWidget(all_products_);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(hint_, 1);
    buttons->addWidget(remove_);
    auto *layout = new QVBoxLayout(this);
    layout->addLayout(palette_row);
    layout->addWidget(palette_);
    layout->addWidget(table_, 1);
    layout->addLayout(buttons);

    connect(all_products_, &QCheckBox::toggled, this, [this](bool) { refresh(); });
    connect(table_, &QTableWidget::cellChanged, this, &ApplicationsPanel::cell_edited);
    connect(table_, &QTableWidget::itemSelectionChanged, this, [this] { Q_EMIT selection_changed(selected()); });
    connect(remove_, &QPushButton::clicked, this, [this] { remove_patch(selected()); });
    connect(&document_, &StudyDocument::changed, this, &ApplicationsPanel::refresh);
    retranslate();
  }

  void ApplicationsPanel::retranslate()
  {
    palette_label_->setText(tr("Products (drag one onto the body map):"));
    all_products_->setText(tr("all drugs"));
    remove_->setText(tr("Remove selected patch"));
    hint_->setText(tr("Drag a patch on the map to move it; right-click it to remove it. An empty time "
                      "cell means the default (product wear time, no repeats)."));
    table_->setHorizontalHeaderLabels({tr("#"), tr("Product / patch"), tr("Site / acupoint"), tr("Apply (h)"),
                                       tr("Remove (h)"), tr("Repeat every (h)"), tr("Repeats")});
    refresh();
  }

  int ApplicationsPanel::selected() const
  {
    const auto rows = table_->selectionModel()->selectedRows();
    return rows.isEmpty() ? 0 : rows.first().row();
  }

  void ApplicationsPanel::refresh()
  {
    refreshing_ = true;
    const int keep = selected();
    const YAML::Node drug = document_.get("drug");
    palette_->fill(drug.IsScalar() ? q(drug.Scalar()) : QString(), all_products_->isChecked());
    const int n = document_.application_count();
    table_->setRowCount(n);
    for (int i = 0; i < n; ++i)
      {
        const std::string base = "application." + std::to_string(i);
        const std::string product = document_.get_text(base + ".product");
        const std::string site = document_.get_text(base + ".site"), point = document_.get_text(base + ".acupoint");
        const QStringList cells = {
          QString::number(i + 1), product.empty() ? tr("custom patch") : q(product),
          point.empty() ? (site.empty() ? tr("explicit skin") : tr("site %1").arg(q(site))) : tr("acupoint %1").arg(q(point)),
          q(document_.get_text(base + ".apply_h", "0")), q(document_.get_text(base + ".remove_h")),
          q(document_.get_text(base + ".repeat_every_h")), q(document_.get_text(base + ".repeats", "1"))};
        for (int c = 0; c < cells.size(); ++c)
          {
            auto *item = new QTableWidgetItem(cells[c]);
            if (!number_columns.count(c))
              item->setFlags(item->flags() & ~Qt::ItemIsEditable);
            table_->setItem(i, c, item);
          }
      }
    if (n > 0)
      table_->selectRow(std::min(keep, n - 1));
    refreshing_ = false;
  }

  void ApplicationsPanel::cell_edited(const int row, const int column)
  {
    if (refreshing_ || !number_columns.count(column))
      return;
    const std::string key  = "application." + std::to_string(row) + "." + number_columns.at(column);
    const QString     text = table_->item(row, column)->text().trimmed();
    bool              ok   = false;
    const double      value = text.toDouble(&ok);
    if (text.isEmpty())
      document_.remove(key);
    else if (ok && column == 6)
      document_.set(key, YAML::Node(int(value)));
    else if (ok)
      document_.set_number(key, value);
    else
      document_.set_text_value(key, text.toStdString()); // the parser names the problem
  }

  void ApplicationsPanel::add_patch(const QString &product, const int kind, const QString &place_id)
  {
    const materials::Library &library = materials::Library::standard();
    const std::string         drug    = library.product(product.toStdString()).text_or("drug", "");
    const YAML::Node          current = document_.get("drug");
    if (!current.IsScalar() || current.Scalar() != drug)
      {
        document_.set_text_value("drug", drug);
        Q_EMIT message(tr("The study's drug is now %1 (the drug of %2).").arg(q(drug), product));
      }
    YAML::Node entry;
    entry["product"]                               = product.toStdString();
    entry[kind == 1 ? "acupoint" : "site"]         = place_id.toStdString();
    entry["apply_h"]                               = 0;
    document_.add_application(entry);
    table_->selectRow(document_.application_count() - 1);
  }

  void ApplicationsPanel::move_patch(const int application, const int kind, const QString &place_id)
  {
    const std::string base = "application." + std::to_string(application);
    document_.remove(base + ".site");
    document_.remove(base + ".acupoint");
    document_.set_text_value(base + (kind == 1 ? ".acupoint" : ".site"), place_id.toStdString());
  }

  void ApplicationsPanel::remove_patch(const int application)
  {
    document_.remove_application(application);
  }

  std::vector<PlacedPatch> ApplicationsPanel::placed_patches() const
  {
    std::vector<PlacedPatch> out;
    std::map<std::string, int> seen;
    for (int i = 0; i < document_.application_count(); ++i)
      {
        const std::string base  = "application." + std::to_string(i);
        const std::string point = document_.get_text(base + ".acupoint"), site = document_.get_text(base + ".site");
        if (point.empty() && site.empty())
          continue;
        PlacedPatch p;
        p.application = i;
        p.label       = q(document_.get_text(base + ".product", "custom patch"));
        p.kind        = point.empty() ? MapPlace::Kind::site : MapPlace::Kind::acupoint;
        p.place_id    = q(point.empty() ? site : point);
        // A second patch at a paired place goes on the other side.
        p.right_side = seen[point + "|" + site]++ % 2 == 1;
        out.push_back(p);
      }
    return out;
  }
} // namespace dermatwin::gui
