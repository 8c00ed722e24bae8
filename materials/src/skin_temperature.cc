// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/materials/skin_temperature.h>

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace dermatwin::materials
{
  namespace
  {
    constexpr double gas_constant_J_per_mol_K = 8.314462618;
    constexpr double celsius_to_kelvin        = 273.15;

    std::string number_text(const double value)
    {
      std::ostringstream out;
      out << value;
      return out.str();
    }

    void check_temperature(const double temperature_C, const std::string &what)
    {
      if (!(temperature_C >= SkinTemperatureHistory::min_temperature_C &&
            temperature_C <= SkinTemperatureHistory::max_temperature_C))
        throw std::invalid_argument(what + ": temperature " + number_text(temperature_C) +
                                    " °C is out of range (allowed: 20..50)");
    }
  } // namespace

  SkinTemperatureHistory::SkinTemperatureHistory(std::vector<TemperatureStep> steps)
    : steps_(std::move(steps))
  {
    if (steps_.empty())
      throw std::invalid_argument("temperature history: no rows");
    if (steps_.front().t_h != 0)
      throw std::invalid_argument("temperature history row 0: t_h must be 0");
    for (std::size_t i = 0; i < steps_.size(); ++i)
      {
        const std::string row = "temperature history row " + std::to_string(i);
        check_temperature(steps_[i].temperature_C, row);
        if (!std::isfinite(steps_[i].t_h) || (i > 0 && !(steps_[i].t_h > steps_[i - 1].t_h)))
          throw std::invalid_argument(row + ": t_h must be finite and larger than the row before");
      }
  }

  SkinTemperatureHistory SkinTemperatureHistory::constant(const double temperature_C)
  {
    return SkinTemperatureHistory(std::vector<TemperatureStep>{{0., temperature_C}});
  }

  double SkinTemperatureHistory::temperature_C_at(const double t_h) const
  {
    double temperature_C = steps_.front().temperature_C;
    for (const TemperatureStep &step : steps_)
      if (step.t_h <= t_h)
        temperature_C = step.temperature_C;
    return temperature_C;
  }

  ThermalLayerKind thermal_kind_of_layer(const std::string &name, const bool is_patch)
  {
    if (is_patch)
      return ThermalLayerKind::patch_matrix;
    return name == "stratum_corneum" ? ThermalLayerKind::stratum_corneum :
                                       ThermalLayerKind::viable_tissue;
  }

  SkinTemperatureScaling::SkinTemperatureScaling(const Parameters &p, const std::string &origin)
    : parameters_(p)
  {
    auto require = [&](const char *key, const double value, const double min, const double max) {
      if (!(value >= min && value <= max))
        throw LibraryError((origin.empty() ? std::string() : origin + ": ") + key + ": " +
                           number_text(value) + " is out of range (allowed: " + number_text(min) +
                           ".." + number_text(max) + ")");
    };
    require("reference_temperature_C", p.reference_temperature_C, 20, 50);
    require("activation_energy_kJ_per_mol.patch_matrix", p.patch_activation_energy_kJ_per_mol, 0, 200);
    require("activation_energy_kJ_per_mol.stratum_corneum",
            p.stratum_corneum_activation_energy_kJ_per_mol, 0, 200);
    require("activation_energy_kJ_per_mol.viable_tissue", p.viable_activation_energy_kJ_per_mol, 0, 200);
    require("blood_flow.doubling_temperature_C", p.blood_flow_doubling_C, 0.5, 50);
    require("blood_flow.max_factor", p.blood_flow_max_factor, 1, 100);
    require("blood_flow.uptake_exponent", p.blood_uptake_flow_exponent, 0, 1);
  }

  SkinTemperatureScaling SkinTemperatureScaling::from_library(const Library &library)
  {
    const Record &m = library.model("skin_temperature");
    Parameters    p;
    p.reference_temperature_C                       = m.value("reference_temperature_C");
    p.patch_activation_energy_kJ_per_mol            = m.value("activation_energy_kJ_per_mol.patch_matrix");
    p.stratum_corneum_activation_energy_kJ_per_mol  = m.value("activation_energy_kJ_per_mol.stratum_corneum");
    p.viable_activation_energy_kJ_per_mol           = m.value("activation_energy_kJ_per_mol.viable_tissue");
    p.blood_flow_doubling_C                         = m.value("blood_flow.doubling_temperature_C");
    p.blood_flow_max_factor                         = m.value("blood_flow.max_factor");
    p.blood_uptake_flow_exponent                    = m.value("blood_flow.uptake_exponent");
    return SkinTemperatureScaling(p, m.file);
  }

  double SkinTemperatureScaling::arrhenius_factor(const double activation_energy_kJ_per_mol,
                                                  const double temperature_C,
                                                  const double reference_temperature_C)
  {
    const double inverse_difference = 1. / (temperature_C + celsius_to_kelvin) -
                                      1. / (reference_temperature_C + celsius_to_kelvin);
    return std::exp(-activation_energy_kJ_per_mol * 1e3 / gas_constant_J_per_mol_K * inverse_difference);
  }

  double SkinTemperatureScaling::activation_energy_kJ_per_mol(const ThermalLayerKind kind) const
  {
    switch (kind)
      {
        case ThermalLayerKind::patch_matrix:
          return parameters_.patch_activation_energy_kJ_per_mol;
        case ThermalLayerKind::stratum_corneum:
          return parameters_.stratum_corneum_activation_energy_kJ_per_mol;
        case ThermalLayerKind::viable_tissue:
          break;
      }
    return parameters_.viable_activation_energy_kJ_per_mol;
  }

  double SkinTemperatureScaling::diffusivity_factor(const ThermalLayerKind kind,
                                                    const double temperature_C) const
  {
    check_temperature(temperature_C, "diffusivity_factor");
    return arrhenius_factor(activation_energy_kJ_per_mol(kind), temperature_C,
                            parameters_.reference_temperature_C);
  }

  double SkinTemperatureScaling::blood_flow_factor(const double temperature_C) const
  {
    check_temperature(temperature_C, "blood_flow_factor");
    const double doublings = (temperature_C - parameters_.reference_temperature_C) /
                             parameters_.blood_flow_doubling_C;
    return std::min(parameters_.blood_flow_max_factor, std::exp2(doublings));
  }

  double SkinTemperatureScaling::blood_uptake_factor(const double temperature_C) const
  {
    return std::pow(blood_flow_factor(temperature_C), parameters_.blood_uptake_flow_exponent);
  }

  ThermalLayerFactors SkinTemperatureScaling::factors(const ThermalLayerKind kind,
                                                      const double temperature_C) const
  {
    ThermalLayerFactors f;
    f.diffusivity  = diffusivity_factor(kind, temperature_C);
    f.blood_uptake = kind == ThermalLayerKind::viable_tissue ? blood_uptake_factor(temperature_C) : 1.;
    return f;
  }
} // namespace dermatwin::materials
