// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_layer_stack_h
#define dermatwin_fem_layer_stack_h

#include <string>
#include <vector>

namespace dermatwin::fem
{
  /**
   * What a layer of the 1D column is, physically.  The role decides how the
   * layer takes part in events: a `patch` layer is removed at `remove_h`, a
   * `donor` or `receptor` layer is a well-mixed compartment of a Franz cell.
   */
  enum class LayerRole
  {
    donor,    ///< well-mixed donor solution (finite-dose Franz cell)
    patch,    ///< drug-in-adhesive matrix, finite dose, removable
    skin,     ///< stratum corneum, viable epidermis, dermis, hypodermis
    receptor  ///< well-mixed receptor solution (finite receptor)
  };

  std::string to_string(LayerRole role);

  /**
   * One homogeneous layer. Solver units: cm, h, mg.
   *
   * In the layer the concentration c [mg/cm^3] obeys
   *   dc/dt = d/dx (D dc/dx) - k c,
   * and at an interface c_i / K_i = c_j / K_j with continuous flux, where K is
   * the partition coefficient to a common reference phase. The solver works
   * with the continuous potential u = c / K.
   */
  struct Layer
  {
    std::string name;
    LayerRole   role                    = LayerRole::skin;
    double      thickness_cm            = 0;
    double      diffusivity_cm2_per_h   = 0;
    double      partition_coefficient   = 1;
    double      blood_uptake_rate_per_h = 0; ///< first-order removal k
  };

  /**
   * The layers of one column, outermost first (donor or patch on top, a
   * receptor compartment at the bottom if there is one).
   */
  class LayerStack
  {
  public:
    LayerStack() = default;
    explicit LayerStack(std::vector<Layer> layers);

    /// Throws std::invalid_argument naming the layer and the value if a
    /// thickness, diffusivity or partition coefficient is not finite and
    /// positive, or an uptake rate is negative or not finite.
    void validate() const;

    unsigned int n_layers() const { return layers_.size(); }
    const Layer &operator[](const unsigned int i) const { return layers_.at(i); }
    Layer &operator[](const unsigned int i) { return layers_.at(i); }
    const std::vector<Layer> &layers() const { return layers_; }

    double total_thickness_cm() const;
    /// Depth of the top of layer i below the column top [cm].
    double top_depth_cm(const unsigned int i) const;
    /// Index of the first layer with this role, or n_layers() if none.
    unsigned int first_with_role(const LayerRole role) const;
    bool has_role(const LayerRole role) const;

  private:
    std::vector<Layer> layers_;
  };
} // namespace dermatwin::fem

#endif
