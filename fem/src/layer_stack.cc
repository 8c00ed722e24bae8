// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/fem/layer_stack.h>

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace dermatwin::fem
{
  std::string to_string(const LayerRole role)
  {
    switch (role)
      {
        case LayerRole::donor:
          return "donor";
        case LayerRole::patch:
          return "patch";
        case LayerRole::skin:
          return "skin";
        case LayerRole::receptor:
          return "receptor";
      }
    return "unknown";
  }

  LayerStack::LayerStack(std::vector<Layer> layers)
    : layers_(std::move(layers))
  {
    validate();
  }

  namespace
  {
    void require(const bool ok, const Layer &layer, const std::string &what,
                 const double value, const std::string &allowed)
    {
      if (ok)
        return;
      std::ostringstream message;
      message << "layer '" << layer.name << "': " << what << " = " << value
              << " (allowed: " << allowed << ")";
      throw std::invalid_argument(message.str());
    }
  } // namespace

  void LayerStack::validate() const
  {
    if (layers_.empty())
      throw std::invalid_argument("layer stack: no layers");
    for (const Layer &layer : layers_)
      {
        require(std::isfinite(layer.thickness_cm) && layer.thickness_cm > 0,
                layer, "thickness_cm", layer.thickness_cm, "> 0");
        require(std::isfinite(layer.diffusivity_cm2_per_h) &&
                  layer.diffusivity_cm2_per_h > 0,
                layer, "diffusivity_cm2_per_h", layer.diffusivity_cm2_per_h,
                "> 0");
        require(std::isfinite(layer.partition_coefficient) &&
                  layer.partition_coefficient > 0,
                layer, "partition_coefficient", layer.partition_coefficient,
                "> 0");
        require(std::isfinite(layer.blood_uptake_rate_per_h) &&
                  layer.blood_uptake_rate_per_h >= 0,
                layer, "blood_uptake_rate_per_h",
                layer.blood_uptake_rate_per_h, ">= 0");
      }
  }

  double LayerStack::total_thickness_cm() const
  {
    double sum = 0;
    for (const Layer &layer : layers_)
      sum += layer.thickness_cm;
    return sum;
  }

  double LayerStack::top_depth_cm(const unsigned int i) const
  {
    double depth = 0;
    for (unsigned int j = 0; j < i && j < layers_.size(); ++j)
      depth += layers_[j].thickness_cm;
    return depth;
  }

  unsigned int LayerStack::first_with_role(const LayerRole role) const
  {
    for (unsigned int i = 0; i < layers_.size(); ++i)
      if (layers_[i].role == role)
        return i;
    return layers_.size();
  }

  bool LayerStack::has_role(const LayerRole role) const
  {
    return first_with_role(role) < layers_.size();
  }
} // namespace dermatwin::fem
