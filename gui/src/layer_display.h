// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_gui_layer_display_h
#define dermatwin_gui_layer_display_h

#include <dermatwin/studies/scenario.h>

namespace dermatwin::gui
{
  /// Each layer is drawn at least this share of the skin (the stratum
  /// corneum is ~1 % of it), so depth plots are not to scale.
  constexpr double min_layer_share = 0.15;

  /// Position of @p depth_um in the drawn skin, 0 (surface) to 1 (bottom):
  /// linear within a layer, layers at their real share of the thickness but
  /// at least min_layer_share.
  double display_fraction(const studies::DepthProfiles &profiles, double depth_um);
} // namespace dermatwin::gui

#endif
