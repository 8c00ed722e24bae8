// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/fem/layered_skin_mesh.h>

#include <deal.II/grid/grid_generator.h>

#include <cmath>
#include <stdexcept>

namespace dermatwin::fem
{
  std::vector<double>
  LayeredSkinMesh::graded_cell_sizes(const double       thickness_cm,
                                     const unsigned int n_cells,
                                     const double       exponent)
  {
    if (n_cells == 0)
      throw std::invalid_argument("cells_per_layer must be >= 1");
    auto face = [&](const double s) {
      return s <= 0.5 ? 0.5 * std::pow(2 * s, exponent)
                      : 1 - 0.5 * std::pow(2 * (1 - s), exponent);
    };
    std::vector<double> sizes(n_cells);
    for (unsigned int i = 0; i < n_cells; ++i)
      sizes[i] = thickness_cm * (face(double(i + 1) / n_cells) -
                                 face(double(i) / n_cells));
    return sizes;
  }

  LayeredSkinMesh::LayeredSkinMesh(const LayerStack  &layers,
                                   const MeshOptions &options)
  {
    layers.validate();
    if (!(options.grading_exponent >= 1))
      throw std::invalid_argument("grading_exponent must be >= 1");

    for (unsigned int l = 0; l < layers.n_layers(); ++l)
      {
        // Well-mixed compartments need no resolution.
        const bool         mixed = layers[l].role == LayerRole::donor ||
                           layers[l].role == LayerRole::receptor;
        const unsigned int n     = mixed ? 1 : options.cells_per_layer;
        for (const double h : graded_cell_sizes(layers[l].thickness_cm, n,
                                                options.grading_exponent))
          {
            steps_.push_back(h);
            layer_of_cell_.push_back(l);
          }
      }
    vertices_.assign(1, 0.);
    for (const double h : steps_)
      vertices_.push_back(vertices_.back() + h);
  }

  const dealii::Triangulation<1> &LayeredSkinMesh::triangulation() const
  {
    if (tria_)
      return *tria_;
    tria_ = std::make_unique<dealii::Triangulation<1>>();
    dealii::GridGenerator::subdivided_hyper_rectangle(
      *tria_, {steps_}, dealii::Point<1>(0.), dealii::Point<1>(vertices_.back()));
    // Cells are created left to right; assign the layer by cell centre.
    for (const auto &cell : tria_->active_cell_iterators())
      {
        const double centre = cell->center()[0];
        unsigned int c      = 0;
        while (c + 1 < steps_.size() && vertices_[c + 1] < centre)
          ++c;
        cell->set_material_id(layer_of_cell_[c]);
      }
    return *tria_;
  }
} // namespace dermatwin::fem
