// SPDX-License-Identifier: LGPL-2.1-or-later
// Coarse mesh of a multi-D skin block (fem::SkinBlock), internal to
// dermatwin_fem. In depth: the cells of the 1D column (layer interfaces on
// cell faces). In the plane: a tensor grid refined at the patch edges; in 3D
// every round patch that fits gets a body-fitted O-grid tile, so its edge is
// a polygon of the circle's area instead of a staircase.
#ifndef dermatwin_fem_block_mesh_h
#define dermatwin_fem_block_mesh_h

#include <dermatwin/fem/skin_block.h>

#include <deal.II/grid/tria.h>

#include <vector>

namespace dermatwin::fem::internal
{
  /**
   * Builds the conforming coarse mesh of @p setup into the empty @p coarse
   * (one create_triangulation call, so a parallel::distributed one is built
   * without a serial copy; material id = layer index; patch-layer cells
   * outside every footprint are left out) and
   * returns the patch region of every coarse cell, indexed by its level-0
   * index (-1: not a patch-layer cell under a footprint).
   *
   * 3D round patch of radius R: an O-grid tile of half-width a = R + m (m =
   * min(R/2, room), room = distance to the block boundary and half the gap to
   * any other footprint): a central square, and four ring blocks from it to
   * the polygon on the circle and on to the tile boundary (the lines of the
   * tensor grid around it). The polygon radius is scaled so that its area is
   * exactly pi R^2; the cells are straight-sided, so global refinement (no
   * manifold) keeps the patch region exactly that polygon. Radially the cells
   * are edge_cell_cm at the circle on both sides and grow by `growth`. If
   * room < R/10 the tile does not fit: that patch falls back to the
   * staircase (tensor cells whose centre lies inside the circle).
   */
  template <int dim>
  std::vector<int> make_coarse_block_mesh(const BlockSetup &setup, dealii::Triangulation<dim> &coarse);
} // namespace dermatwin::fem::internal

#endif
