// SPDX-License-Identifier: LGPL-2.1-or-later
#include "body_map_view.h"

#include <QComboBox>
#include <QContextMenuEvent>
#include <QDragEnterEvent>
#include <QGraphicsEllipseItem>
#include <QGraphicsRectItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsSvgItem>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QMenu>
#include <QMimeData>
#include <QSet>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <algorithm>

#include <cmath>

namespace dermatwin::gui
{
  namespace
  {
    constexpr double box_width  = 300; // scene units of the SVG viewBox
    constexpr double box_height = 900;
    enum Role
    {
      role_kind = 0,
      role_id   = 1,
      role_side = 2
    };
    const char *product_mime = "application/x-dermatwin-product";

    QColor meridian_colour(const QString &meridian)
    {
      static const std::map<QString, QColor> colours = {
        {"Bladder", QColor(30, 100, 200)},     {"Governor", QColor(120, 60, 160)},
        {"Conception", QColor(200, 40, 120)},  {"Stomach", QColor(220, 120, 0)},
        {"Spleen", QColor(170, 140, 0)},       {"Large Intestine", QColor(0, 140, 120)},
        {"Lung", QColor(90, 90, 90)},          {"Kidney", QColor(20, 40, 120)},
        {"Pericardium", QColor(190, 30, 30)},  {"Gallbladder", QColor(40, 150, 40)}};
      for (const auto &[key, colour] : colours)
        if (meridian.startsWith(key))
          return colour;
      return QColor(100, 100, 100);
    }
  } // namespace

  BodyMapView::BodyMapView(const std::vector<MapPlace> &places, QWidget *parent)
    : QGraphicsView(parent)
    , places_(places)
    , scene_(new QGraphicsScene(this))
  {
    setScene(scene_);
    setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
    setAcceptDrops(true);
    setMinimumSize(260, 420);
    setBackgroundBrush(QColor(250, 250, 252));
    setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    setVerticalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
    rebuild();
  }

  void BodyMapView::show_back(const bool back)
  {
    back_ = back;
    rebuild();
  }

  void BodyMapView::set_filter(const QString &meridian, const QString &search)
  {
    meridian_ = meridian;
    search_   = search;
    rebuild();
  }

  void BodyMapView::set_patches(const std::vector<PlacedPatch> &patches)
  {
    patches_ = patches;
    rebuild();
  }

  QPointF BodyMapView::scene_position(const MapPlace &place, const bool right_side) const
  {
    const std::vector<QPointF> at = place.positions();
    const QPointF p = right_side && at.size() > 1 ? at[1] : at[0];
    return QPointF(p.x() * box_width, p.y() * box_height);
  }

  QPointF BodyMapView::scene_position_of(const MapPlace::Kind kind, const QString &id,
                                         const bool right_side) const
  {
    for (const MapPlace &p : places_)
      if (p.kind == kind && p.id == id)
        return scene_position(p, right_side);
    return QPointF(-1, -1);
  }

  int BodyMapView::visible_acupoints() const
  {
    QSet<QString> ids;
    for (QGraphicsItem *item : scene_->items())
      if (item->data(role_kind).toInt() == int(MapPlace::Kind::acupoint) + 1)
        ids.insert(item->data(role_id).toString());
    return ids.size();
  }

  void BodyMapView::rebuild()
  {
    scene_->clear();
    figure_ = new QGraphicsSvgItem(QString(DERMATWIN_GUI_RESOURCES) +
                                   (back_ ? "/body_back.svg" : "/body_front.svg"));
    scene_->addItem(figure_);
    figure_->setScale(box_width / std::max(1., figure_->boundingRect().width()));
    auto *title = scene_->addSimpleText(back_ ? tr("back") : tr("front"));
    title->setPos(4, 2);
    title->setBrush(QColor(120, 120, 120));
    auto *left_label = scene_->addSimpleText(back_ ? tr("L") : tr("R"));
    left_label->setPos(4, 430);
    auto *right_label = scene_->addSimpleText(back_ ? tr("R") : tr("L"));
    right_label->setPos(box_width - 14, 430);
    for (const MapPlace &place : places_)
      if (place.back_view == back_)
        add_place_items(place);

    std::map<QString, int> count_at;
    for (const PlacedPatch &patch : patches_)
      {
        const QPointF at = scene_position_of(patch.kind, patch.place_id, patch.right_side);
        if (at.x() < 0)
          continue;
        bool on_this_view = false;
        for (const MapPlace &p : places_)
          if (p.kind == patch.kind && p.id == patch.place_id)
            on_this_view = p.back_view == back_;
        if (!on_this_view)
          continue;
        const int stack = count_at[patch.place_id + (patch.right_side ? "R" : "L")]++;
        auto *item = scene_->addRect(-8, -8, 16, 16, QPen(QColor(20, 20, 20), 1.2),
                                     QColor(255, 215, 0, 220));
        item->setPos(at + QPointF(4 * stack, -4 * stack));
        item->setZValue(10);
        item->setFlag(QGraphicsItem::ItemIsMovable);
        item->setCursor(Qt::OpenHandCursor);
        item->setData(role_kind, 100);
        item->setData(role_id, patch.application);
        item->setToolTip(tr("Patch %1: %2 on %3 (drag to move, right-click to remove)")
                           .arg(patch.application + 1)
                           .arg(patch.label, patch.place_id));
        auto *number = new QGraphicsSimpleTextItem(QString::number(patch.application + 1), item);
        number->setFont(QFont(font().family(), 8, QFont::Bold));
        number->setPos(-number->boundingRect().width() / 2, -number->boundingRect().height() / 2);
      }
    scene_->setSceneRect(-6, -6, box_width + 12, box_height + 12);
    fit();
  }

  void BodyMapView::fit()
  {
    const QPointF centre = zoom_ > 1 ? mapToScene(viewport()->rect().center()) : scene_->sceneRect().center();
    fitInView(scene_->sceneRect(), Qt::KeepAspectRatio);
    scale(zoom_, zoom_);
    centerOn(centre);
  }

  void BodyMapView::wheelEvent(QWheelEvent *event)
  {
    // Zoom in on dense acupoints (1x to 6x), about the pointer.
    const double factor = event->angleDelta().y() > 0 ? 1.25 : 0.8;
    const double zoom   = std::clamp(zoom_ * factor, 1., 6.);
    const QPointF under = mapToScene(event->position().toPoint());
    zoom_               = zoom;
    fitInView(scene_->sceneRect(), Qt::KeepAspectRatio);
    scale(zoom_, zoom_);
    centerOn(under);
    setDragMode(zoom_ > 1 ? QGraphicsView::ScrollHandDrag : QGraphicsView::NoDrag);
  }

  void BodyMapView::add_place_items(const MapPlace &place)
  {
    const bool is_point = place.kind == MapPlace::Kind::acupoint;
    const bool shown = !is_point || meridian_.isEmpty() || place.meridian == meridian_;
    if (!shown)
      return;
    const bool hit = !search_.trimmed().isEmpty() && place.matches(search_);
    const bool dim = !search_.trimmed().isEmpty() && !hit;
    for (std::size_t side = 0; side < place.positions().size(); ++side)
      {
        const QPointF at = scene_position(place, side == 1);
        QGraphicsEllipseItem *item;
        if (is_point)
          {
            const double r = hit ? 6 : 4;
            QColor       c = meridian_colour(place.meridian);
            c.setAlpha(dim ? 60 : 255);
            item = scene_->addEllipse(-r, -r, 2 * r, 2 * r, QPen(Qt::white, 1), c);
            item->setZValue(5);
            if (hit)
              {
                auto *label = scene_->addSimpleText(place.id);
                // Outwards from the midline, so the two sides do not overlap.
                const double width = label->boundingRect().width();
                label->setPos(at + QPointF(at.x() < box_width / 2 - 1 ? -width - 7 : 7, -8));
                label->setZValue(6);
                label->setBrush(c.darker());
              }
          }
        else
          {
            item = scene_->addEllipse(-18, -18, 36, 36, QPen(QColor(40, 120, 160, dim ? 40 : 160), 1, Qt::DashLine),
                                      QColor(80, 170, 210, dim ? 15 : hit ? 110 : 45));
            item->setZValue(2);
          }
        item->setPos(at);
        item->setToolTip(place.tooltip);
        item->setCursor(Qt::PointingHandCursor);
        item->setData(role_kind, int(place.kind) + 1);
        item->setData(role_id, place.id);
        item->setData(role_side, int(side));
      }
  }

  const MapPlace *BodyMapView::place_at(const QPointF &scene_point) const
  {
    const MapPlace *best = nullptr;
    double          best_distance = 1e300;
    for (const MapPlace &place : places_)
      {
        if (place.back_view != back_ || (place.kind == MapPlace::Kind::acupoint && !meridian_.isEmpty() &&
                                         place.meridian != meridian_))
          continue;
        // Acupoints win within 10 scene units, regions within 30.
        const double reach = place.kind == MapPlace::Kind::acupoint ? 10 : 30;
        for (std::size_t side = 0; side < place.positions().size(); ++side)
          {
            const QPointF d = scene_position(place, side == 1) - scene_point;
            const double  distance = std::hypot(d.x(), d.y()) -
                                    (place.kind == MapPlace::Kind::acupoint ? 20 : 0);
            if (std::hypot(d.x(), d.y()) <= reach && distance < best_distance)
              best = &place, best_distance = distance;
          }
      }
    return best;
  }

  void BodyMapView::resizeEvent(QResizeEvent *event)
  {
    QGraphicsView::resizeEvent(event);
    fit();
  }

  void BodyMapView::dragEnterEvent(QDragEnterEvent *event)
  {
    if (event->mimeData()->hasFormat(product_mime))
      event->acceptProposedAction();
  }

  void BodyMapView::dragMoveEvent(QDragMoveEvent *event)
  {
    if (event->mimeData()->hasFormat(product_mime) && place_at(mapToScene(event->pos())))
      event->acceptProposedAction();
    else
      event->ignore();
  }

  void BodyMapView::dropEvent(QDropEvent *event)
  {
    const MapPlace *place = place_at(mapToScene(event->pos()));
    if (!place || !event->mimeData()->hasFormat(product_mime))
      return;
    event->acceptProposedAction();
    Q_EMIT product_dropped(QString::fromUtf8(event->mimeData()->data(product_mime)), int(place->kind),
                         place->id);
  }

  QGraphicsItem *BodyMapView::patch_item_at(const QPoint &view_point) const
  {
    for (QGraphicsItem *item : items(view_point))
      {
        QGraphicsItem *top = item->parentItem() ? item->parentItem() : item;
        if (top->data(role_kind).toInt() == 100)
          return top;
      }
    return nullptr;
  }

  void BodyMapView::mousePressEvent(QMouseEvent *event)
  {
    dragged_patch_ = event->button() == Qt::LeftButton ? patch_item_at(event->pos()) : nullptr;
    if (!dragged_patch_ && event->button() == Qt::LeftButton)
      if (const MapPlace *place = place_at(mapToScene(event->pos())))
        Q_EMIT place_clicked(int(place->kind), place->id);
    QGraphicsView::mousePressEvent(event);
  }

  void BodyMapView::mouseReleaseEvent(QMouseEvent *event)
  {
    QGraphicsView::mouseReleaseEvent(event);
    if (!dragged_patch_)
      return;
    const int application = dragged_patch_->data(role_id).toInt();
    dragged_patch_        = nullptr;
    const MapPlace *place = place_at(mapToScene(event->pos()));
    if (place)
      Q_EMIT patch_moved(application, int(place->kind), place->id);
    else
      rebuild(); // dropped off the body: back to where it was
  }

  void BodyMapView::contextMenuEvent(QContextMenuEvent *event)
  {
    QGraphicsItem *patch = patch_item_at(event->pos());
    if (!patch)
      return;
    QMenu      menu(this);
    const int  application = patch->data(role_id).toInt();
    QAction   *remove = menu.addAction(tr("Remove patch %1").arg(application + 1));
    if (menu.exec(event->globalPos()) == remove)
      Q_EMIT patch_remove_requested(application);
  }

  BodyMapPanel::BodyMapPanel(const std::vector<MapPlace> &places, QWidget *parent)
    : QWidget(parent)
    , view_(new BodyMapView(places, this))
    , view_box_(new QComboBox(this))
    , meridian_box_(new QComboBox(this))
    , search_(new QLineEdit(this))
    , count_(new QLabel(this))
    , places_(places)
  {
    auto *controls = new QHBoxLayout;
    controls->addWidget(view_box_);
    controls->addWidget(meridian_box_, 1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(controls);
    layout->addWidget(search_);
    layout->addWidget(view_, 1);
    layout->addWidget(count_);
    count_->setWordWrap(true);
    search_->setClearButtonEnabled(true);
    search_->setObjectName("body_map_search");
    retranslate();
    connect(view_box_, QOverload<int>::of(&QComboBox::currentIndexChanged), this,
            [this](int index) { view_->show_back(index == 1); });
    connect(meridian_box_, QOverload<int>::of(&QComboBox::currentIndexChanged), this,
            [this](int) { update_filter(); });
    connect(search_, &QLineEdit::textChanged, this, [this](const QString &text) {
      // Turn to the side where the first match is.
      for (const MapPlace &p : places_)
        if (!text.trimmed().isEmpty() && p.matches(text))
          {
            if (p.back_view != view_->showing_back())
              view_box_->setCurrentIndex(p.back_view ? 1 : 0);
            break;
          }
      update_filter();
    });
  }

  void BodyMapPanel::show_side(const bool back)
  {
    view_box_->setCurrentIndex(back ? 1 : 0);
  }

  void BodyMapPanel::retranslate()
  {
    const int view_index = std::max(0, view_box_->currentIndex());
    const int meridian_index = std::max(0, meridian_box_->currentIndex());
    QSignalBlocker b1(view_box_), b2(meridian_box_);
    view_box_->clear();
    view_box_->addItems({tr("Front"), tr("Back")});
    view_box_->setCurrentIndex(view_index);
    meridian_box_->clear();
    meridian_box_->addItem(tr("All meridians"), QString());
    for (const QString &m : meridians(places_))
      meridian_box_->addItem(m, m);
    meridian_box_->setCurrentIndex(meridian_index);
    search_->setPlaceholderText(tr("Search acupoint: code, pinyin or 汉字 (e.g. ST36, Zusanli, 足三里)"));
    update_filter();
  }

  void BodyMapPanel::update_filter()
  {
    view_->set_filter(meridian_box_->currentData().toString(), search_->text());
    count_->setText(tr("%1 acupoints on this side. Drop a product from the palette on a site or acupoint; mouse wheel zooms.")
                      .arg(view_->visible_acupoints()));
  }
} // namespace dermatwin::gui
