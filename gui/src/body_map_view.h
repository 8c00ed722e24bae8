// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_body_map_view_h
#define dermatwin_gui_body_map_view_h

#include "body_map_catalogue.h"

#include <QGraphicsView>
#include <QWidget>

#include <map>
#include <vector>

class QComboBox;
class QLineEdit;
class QButtonGroup;
class QGraphicsScene;
class QGraphicsItem;
class QGraphicsSvgItem;
class QLabel;

namespace dermatwin::gui
{
  /// A patch drawn on the map: the application's index and where it sits.
  struct PlacedPatch
  {
    int     application = 0;
    QString label;  ///< e.g. product id
    MapPlace::Kind kind = MapPlace::Kind::site;
    QString place_id;
    bool    right_side = false; ///< second of a pair at a paired place
  };

  /**
   * The figure (front or back, SVG from resources/gui/) with the library's
   * sites as translucent regions and acupoints as dots; patches of the study
   * as labelled squares. Drop a product from the palette to add a patch,
   * drag a patch to move it; click a place to select it.
   */
  class BodyMapScene;

  class BodyMapView : public QGraphicsView
  {
    Q_OBJECT
  public:
    explicit BodyMapView(const std::vector<MapPlace> &places, QWidget *parent = nullptr);

    void show_back(bool back);
    bool showing_back() const { return back_; }
    void set_filter(const QString &meridian, const QString &search);
    void set_patches(const std::vector<PlacedPatch> &patches);
    /// The nearest place within reach of a scene point on the current view.
    const MapPlace *place_at(const QPointF &scene_point) const;
    /// Scene position of a place (first side, or second if @p right_side).
    QPointF scene_position(const MapPlace &place, bool right_side = false) const;
    QPointF scene_position_of(MapPlace::Kind kind, const QString &id, bool right_side = false) const;
    int     visible_acupoints() const;

  Q_SIGNALS:
    void place_clicked(int kind, const QString &id);
    void product_dropped(const QString &product, int kind, const QString &place_id);
    void patch_moved(int application, int kind, const QString &place_id);
    void patch_remove_requested(int application);

  protected:
    void resizeEvent(QResizeEvent *event) override;
    void dragEnterEvent(QDragEnterEvent *event) override;
    void dragMoveEvent(QDragMoveEvent *event) override;
    void dropEvent(QDropEvent *event) override;
    void mousePressEvent(QMouseEvent *event) override;
    void mouseReleaseEvent(QMouseEvent *event) override;
    void contextMenuEvent(QContextMenuEvent *event) override;
    void wheelEvent(QWheelEvent *event) override;

  private:
    void rebuild();
    void fit();
    void add_place_items(const MapPlace &place);
    QGraphicsItem *patch_item_at(const QPoint &view_point) const;

    const std::vector<MapPlace> &places_;
    QGraphicsScene              *scene_;
    QGraphicsSvgItem            *figure_ = nullptr;
    bool                         back_   = false;
    QString                      meridian_, search_;
    std::vector<PlacedPatch>     patches_;
    QGraphicsItem               *dragged_patch_ = nullptr;
    double                       zoom_          = 1;
  };

  /// The map with its controls: front/back, meridian filter, search box.
  class BodyMapPanel : public QWidget
  {
    Q_OBJECT
  public:
    BodyMapPanel(const std::vector<MapPlace> &places, QWidget *parent = nullptr);
    BodyMapView *view() const { return view_; }
    void show_side(bool back);
    void retranslate();

  private:
    void update_filter();

    BodyMapView *view_;
    QComboBox   *view_box_, *meridian_box_;
    QLineEdit   *search_;
    QLabel      *count_;
    const std::vector<MapPlace> &places_;
  };
} // namespace dermatwin::gui

#endif
