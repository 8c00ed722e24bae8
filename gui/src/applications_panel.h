// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_applications_panel_h
#define dermatwin_gui_applications_panel_h

#include "body_map_view.h"
#include "field_highlighter.h"
#include "study_document.h"

#include <QListWidget>
#include <QWidget>

class QCheckBox;
class QLabel;
class QPushButton;
class QTableWidget;

namespace dermatwin::gui
{
  /// The library's products, dragged onto the body map as
  /// "application/x-dermatwin-product" (the product id).
  class ProductPalette : public QListWidget
  {
    Q_OBJECT
  public:
    explicit ProductPalette(QWidget *parent = nullptr);
    /// Shows the products of @p drug first (all products if @p all).
    void fill(const QString &drug, bool all);

  protected:
    QMimeData *mimeData(const QList<QListWidgetItem *> items) const override;
  };

  /**
   * The patches of the study: product (or custom patch), site or acupoint,
   * apply/remove times and repeats, editable in a table; the palette to
   * drag products from; the patches are mirrored onto the body map.
   */
  class ApplicationsPanel : public QWidget
  {
    Q_OBJECT
  public:
    ApplicationsPanel(StudyDocument &document, FieldHighlighter &highlighter, QWidget *parent = nullptr);
    void retranslate();
    /// Adds a patch of @p product at a place (kind 0 site, 1 acupoint); if
    /// the product is for another drug, the study's drug follows it.
    void add_patch(const QString &product, int kind, const QString &place_id);
    void move_patch(int application, int kind, const QString &place_id);
    void remove_patch(int application);
    /// Where the study's patches sit, for the body map.
    std::vector<PlacedPatch> placed_patches() const;
    ProductPalette *palette() const { return palette_; }
    int selected() const;

  Q_SIGNALS:
    void selection_changed(int application);
    void message(const QString &text);

  private:
    void refresh();
    void cell_edited(int row, int column);

    StudyDocument  &document_;
    FieldHighlighter &highlighter_;
    ProductPalette *palette_;
    QCheckBox      *all_products_;
    QTableWidget   *table_;
    QPushButton    *remove_;
    QLabel         *palette_label_, *hint_;
    bool            refreshing_ = false;
  };
} // namespace dermatwin::gui

#endif
