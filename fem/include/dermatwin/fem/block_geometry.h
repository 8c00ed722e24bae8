// SPDX-License-Identifier: LGPL-2.1-or-later
// Patch footprints and in-plane mesh options of a multi-D skin block
// (fem::SkinBlock); kept free of deal.II so study code can include it cheaply.
#ifndef dermatwin_fem_block_geometry_h
#define dermatwin_fem_block_geometry_h

#include <utility>

namespace dermatwin::fem
{
  /// Where a patch sits on the skin surface (in-plane coordinates [cm]; the
  /// axisymmetric block ignores the centre: the patch is on the axis).
  struct PatchFootprint
  {
    double center_x_cm = 0, center_y_cm = 0;
    bool   round       = true;
    double radius_cm   = 0;                ///< round patches
    double size_x_cm = 0, size_y_cm = 0;   ///< rectangles
    double area_cm2() const;
    /// Whether the in-plane point (x, y) lies inside the footprint.
    bool contains(double x_cm, double y_cm) const;
    /// Edges along one axis (0 = x, 1 = y): the lines where the mesh is refined.
    std::pair<double, double> extent_cm(unsigned int axis) const;
  };

  /// In-plane mesh resolution of a block.
  struct LateralMeshOptions
  {
    double edge_cell_cm = 0.02;  ///< cell size at patch edges
    double max_cell_cm  = 0.25;  ///< largest cell far from the edges
    double growth       = 1.3;   ///< size ratio of neighbouring cells
  };
} // namespace dermatwin::fem

#endif
