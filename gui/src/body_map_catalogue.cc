// SPDX-License-Identifier: LGPL-2.1-or-later
#include "body_map_catalogue.h"

#include <QObject>

#include <algorithm>
#include <cmath>

namespace dermatwin::gui
{
  namespace
  {
    QString q(const std::string &text) { return QString::fromStdString(text); }

    bool read_position(const materials::Record &r, MapPlace &place)
    {
      if (!r.has("body_map.x") || !r.has("body_map.y"))
        return false;
      place.back_view = r.text_or("body_map.view", "front") == "back";
      place.position  = QPointF(r.value("body_map.x"), r.value("body_map.y"));
      return true;
    }
  } // namespace

  std::vector<QPointF> MapPlace::positions() const
  {
    if (!paired)
      return {position};
    return {position, QPointF(1. - position.x(), position.y())};
  }

  bool MapPlace::matches(const QString &text) const
  {
    const QString t = text.trimmed();
    if (t.isEmpty())
      return true;
    return id.contains(t, Qt::CaseInsensitive) || pinyin.contains(t, Qt::CaseInsensitive) ||
           name_zh.contains(t) || name.contains(t, Qt::CaseInsensitive);
  }

  std::vector<MapPlace> map_places(const materials::Library &library)
  {
    std::vector<MapPlace> places;
    for (const std::string &id : library.site_ids())
      {
        const materials::Record &r = library.site(id);
        MapPlace                 p;
        p.kind = MapPlace::Kind::site;
        p.id   = q(id);
        p.name = q(r.text_or("name", id));
        if (!read_position(r, p))
          continue;
        p.paired  = std::abs(p.position.x() - 0.5) > 1e-6;
        p.tooltip = QObject::tr("<b>%1</b><br>body site <code>%2</code>").arg(p.name, p.id);
        places.push_back(p);
      }
    for (const std::string &id : library.acupoint_ids())
      {
        const materials::Record &r = library.acupoint(id);
        MapPlace                 p;
        p.kind     = MapPlace::Kind::acupoint;
        p.id       = q(id);
        p.name     = q(r.text_or("english", id));
        p.name_zh  = q(r.text_or("name_zh", ""));
        p.pinyin   = q(r.text_or("pinyin", ""));
        p.meridian = q(r.text_or("meridian", ""));
        if (!read_position(r, p))
          continue;
        p.paired  = r.text_or("bilateral", "false") == "true";
        p.tooltip = QObject::tr("<b>%1 %2 %3</b> (%4)<br>%5<br>skin of site <code>%6</code>")
                      .arg(p.id, p.pinyin, p.name_zh, p.name, p.meridian,
                           q(r.text_or("site", "")));
        places.push_back(p);
      }
    return places;
  }

  std::vector<QString> meridians(const std::vector<MapPlace> &places)
  {
    std::vector<QString> out;
    for (const MapPlace &p : places)
      if (p.kind == MapPlace::Kind::acupoint && !p.meridian.isEmpty() &&
          std::find(out.begin(), out.end(), p.meridian) == out.end())
        out.push_back(p.meridian);
    return out;
  }
} // namespace dermatwin::gui
