// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_body_map_catalogue_h
#define dermatwin_gui_body_map_catalogue_h

#include <dermatwin/materials/library.h>

#include <QPointF>
#include <QString>

#include <vector>

namespace dermatwin::gui
{
  /**
   * One body site or acupoint as drawn on the body map: position on the
   * standard figure (resources/sites/sites.yaml header: box 1 stature high,
   * 1/3 stature wide, x from the viewer's left, y from the vertex; paired
   * places are given on the subject's left and mirrored about x = 0.5).
   */
  struct MapPlace
  {
    enum class Kind
    {
      site,
      acupoint
    };
    Kind    kind = Kind::site;
    QString id, name, name_zh, pinyin, meridian, tooltip;
    bool    back_view = false;
    QPointF position; ///< normalised (x, y) on the subject's left side
    bool    paired = false; ///< drawn on both sides

    /// The places to draw: one, or two for a paired place.
    std::vector<QPointF> positions() const;
    /// True if @p text (code, pinyin, 汉字 or name) matches, case-insensitive.
    bool matches(const QString &text) const;
  };

  /// Every site and acupoint of @p library that has a body_map entry.
  std::vector<MapPlace> map_places(const materials::Library &library);
  /// The distinct meridians of the acupoints, in order of appearance.
  std::vector<QString> meridians(const std::vector<MapPlace> &places);
} // namespace dermatwin::gui

#endif
