// SPDX-License-Identifier: LGPL-2.1-or-later
#include "layer_display.h"

#include <algorithm>

namespace dermatwin::gui
{
  double display_fraction(const studies::DepthProfiles &p, const double depth_um)
  {
    const std::size_t   n = p.layer_top_um.size();
    auto bottom_of = [&p, n](std::size_t l) { return l + 1 < n ? p.layer_top_um[l + 1] : p.skin_thickness_um; };
    std::vector<double> share(n);
    double              sum = 0;
    for (std::size_t l = 0; l < n; ++l)
      {
        share[l] = std::max((bottom_of(l) - p.layer_top_um[l]) / p.skin_thickness_um, min_layer_share);
        sum += share[l];
      }
    double top = 0;
    for (std::size_t l = 0; l < n; ++l)
      {
        if (depth_um <= bottom_of(l) + 1e-9 || l + 1 == n)
          return top + share[l] / sum * (depth_um - p.layer_top_um[l]) / (bottom_of(l) - p.layer_top_um[l]);
        top += share[l] / sum;
      }
    return 1;
  }
} // namespace dermatwin::gui
