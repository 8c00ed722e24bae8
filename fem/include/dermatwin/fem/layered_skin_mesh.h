// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_layered_skin_mesh_h
#define dermatwin_fem_layered_skin_mesh_h

#include <dermatwin/fem/layer_stack.h>

#include <deal.II/grid/tria.h>

#include <memory>
#include <vector>

namespace dermatwin::fem
{
  /// How finely to mesh each layer.
  struct MeshOptions
  {
    unsigned int cells_per_layer = 3;
    /// Power-law grading exponent p >= 1 towards both faces of each layer
    /// (1 = uniform). Cell faces sit at x(s) = L/2 (2s)^p near the top face
    /// and symmetrically near the bottom face, s uniform in [0, 1].
    double grading_exponent = 1.5;
  };

  /**
   * A 1D triangulation of a layer stack along depth x (0 at the top of the
   * outermost layer, increasing inwards). Every layer interface is a vertex
   * and every cell's material_id is the index of its layer.
   */
  class LayeredSkinMesh
  {
  public:
    LayeredSkinMesh(const LayerStack &layers, const MeshOptions &options);

    /// The deal.II triangulation of these cells, built on first use (a
    /// column does not need it: its cells are the intervals below). Not
    /// thread-safe on that first call.
    const dealii::Triangulation<1> &triangulation() const;
    /// Vertex depths [cm], sorted from top to bottom: cell c is
    /// [vertex c, vertex c + 1].
    const std::vector<double> &vertex_depths_cm() const { return vertices_; }
    /// Layer index of each cell.
    const std::vector<unsigned int> &cell_layers() const { return layer_of_cell_; }
    unsigned int n_cells() const { return layer_of_cell_.size(); }

    /// Cell sizes of one layer of thickness @p thickness_cm split into
    /// @p n_cells cells graded towards both faces with @p exponent.
    static std::vector<double> graded_cell_sizes(double       thickness_cm,
                                                 unsigned int n_cells,
                                                 double       exponent);

  private:
    mutable std::unique_ptr<dealii::Triangulation<1>> tria_;
    std::vector<double>                               steps_, vertices_;
    std::vector<unsigned int>                         layer_of_cell_;
  };
} // namespace dermatwin::fem

#endif
