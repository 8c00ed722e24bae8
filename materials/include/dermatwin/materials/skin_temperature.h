// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_materials_skin_temperature_h
#define dermatwin_materials_skin_temperature_h

#include <dermatwin/materials/library.h>

#include <string>
#include <vector>

namespace dermatwin::materials
{
  /// One row of a skin temperature history: from t_h on (hours after the
  /// patch is applied) the skin under the patch is at temperature_C.
  struct TemperatureStep
  {
    double t_h           = 0;
    double temperature_C = 32;
  };

  /**
   * Skin temperature under one patch as a function of time since application,
   * piecewise constant: each row holds until the next row's time (a heating
   * pad at 42 °C from 0 to 0.5 h is the table
   *   [{t_h: 0, temperature_C: 42}, {t_h: 0.5, temperature_C: 32}]).
   * Each row change is an event of the integrator, so the solution is exact
   * for the history as written. Real skin reaches a new surface temperature
   * quickly after heat is applied (reported for an IR lamp in vitro), so the
   * steps ignore a warm-up that is short against the hours of a patch.
   * Rows: first at t_h = 0, strictly increasing t_h, 20 <= T <= 50 °C.
   */
  class SkinTemperatureHistory
  {
  public:
    static constexpr double min_temperature_C = 20, max_temperature_C = 50;

    /// Throws std::invalid_argument naming the row and the allowed range.
    explicit SkinTemperatureHistory(std::vector<TemperatureStep> steps);
    /// A constant temperature.
    static SkinTemperatureHistory constant(double temperature_C);

    /// Temperature at @p t_h hours after application (the first row's
    /// before 0).
    double temperature_C_at(double t_h) const;
    const std::vector<TemperatureStep> &steps() const { return steps_; }
    bool is_constant() const { return steps_.size() == 1; }

  private:
    std::vector<TemperatureStep> steps_;
  };

  /// How a layer's diffusivity responds to temperature.
  enum class ThermalLayerKind
  {
    patch_matrix,    ///< drug-in-adhesive or reservoir of the patch
    stratum_corneum, ///< lipid pathway of the SC
    viable_tissue    ///< viable epidermis, dermis, hypodermis: aqueous diffusion
  };

  /// The kind of a layer: the patch layer, a layer named "stratum_corneum",
  /// or any other (viable) skin layer.
  ThermalLayerKind thermal_kind_of_layer(const std::string &name, bool is_patch);

  /// Factors that multiply a layer's coefficients at one temperature.
  struct ThermalLayerFactors
  {
    double diffusivity  = 1; ///< D(T) / D(T_ref)
    double blood_uptake = 1; ///< k_b(T) / k_b(T_ref)
  };

  /**
   * Temperature dependence of the skin coefficients (pure: no mesh, no time).
   *
   * Diffusivity, Arrhenius with an activation energy per layer kind:
   *   D(T) = D(T_ref) exp(-E_a/R (1/T - 1/T_ref)),   T in K, R = 8.314462618 J/(mol K),
   * E_a [kJ/mol]: stratum corneum 55 (fentanyl flux x2 from 32 to 42 °C in
   * vitro, Zhang 2020), viable tissue 18 (Stokes-Einstein D ~ T/eta(T) with
   * the viscosity of water, Kestin 1978), patch matrix 55 (estimate: no
   * published value found; Prodduturi 2010 see x2 for the whole system
   * 32 -> 40 °C). Values and sources in resources/models/skin_temperature.yaml.
   *
   * Skin blood flow Q and the dermal blood uptake rate k_b:
   *   Q(T)/Q(T_ref) = min(f_max, 2^((T - T_ref)/dT_2)),
   *   k_b(T)        = k_b(T_ref) (Q(T)/Q(T_ref))^n,
   * dT_2 = 2.7 °C per doubling and f_max = 17.5 from the 15-20-fold rise of
   * forearm skin blood flow at 43 °C (Song 1990); below T_ref the same law
   * lowers the flow. The coupling exponent n (0 = uptake independent of flow,
   * 1 = proportional) is 0 in the library: with n = 1 the model overpredicts
   * the clinical heat effect (Moore 2012) about threefold (docs/validation.md).
   *
   * Partition coefficients are held at their reference values (their
   * temperature dependence is small for the SC lipids and not tabulated).
   * At T = T_ref every factor is exactly 1.
   */
  class SkinTemperatureScaling
  {
  public:
    struct Parameters
    {
      double reference_temperature_C                   = 32;
      double patch_activation_energy_kJ_per_mol        = 55;
      double stratum_corneum_activation_energy_kJ_per_mol = 55;
      double viable_activation_energy_kJ_per_mol       = 18;
      double blood_flow_doubling_C                     = 2.7;
      double blood_flow_max_factor                     = 17.5;
      double blood_uptake_flow_exponent                = 0;
    };

    /// Throws LibraryError naming the parameter and its allowed range.
    explicit SkinTemperatureScaling(const Parameters &parameters, const std::string &origin = "");
    /// From resources/models/skin_temperature.yaml (model "skin_temperature").
    static SkinTemperatureScaling from_library(const Library &library);

    /// exp(-E_a/R (1/T - 1/T_ref)), temperatures in °C.
    static double arrhenius_factor(double activation_energy_kJ_per_mol, double temperature_C,
                                   double reference_temperature_C);

    double activation_energy_kJ_per_mol(ThermalLayerKind kind) const;
    double diffusivity_factor(ThermalLayerKind kind, double temperature_C) const;
    /// Q(T)/Q(T_ref).
    double blood_flow_factor(double temperature_C) const;
    /// k_b(T)/k_b(T_ref) = (Q(T)/Q(T_ref))^n.
    double blood_uptake_factor(double temperature_C) const;
    ThermalLayerFactors factors(ThermalLayerKind kind, double temperature_C) const;
    const Parameters &parameters() const { return parameters_; }

  private:
    Parameters parameters_;
  };
} // namespace dermatwin::materials

#endif
