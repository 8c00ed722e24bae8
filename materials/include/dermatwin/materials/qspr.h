// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_materials_qspr_h
#define dermatwin_materials_qspr_h

#include <optional>
#include <string>

namespace dermatwin::materials::qspr
{
  /// What the correlations need to know about a molecule.
  struct Molecule
  {
    double                molecular_weight_g_per_mol = 0;
    double                log_kow                    = 0;
    std::optional<double> pka;                   ///< most relevant pKa, if ionisable
    double                fraction_unbound_plasma = 1;
  };

  /// Potts & Guy (1992): log10 kp [cm/s] = -6.3 + 0.71 log Kow - 0.0061 MW;
  /// returned in log10(cm/h).
  double potts_guy_log_kp_cm_per_h(const Molecule &m);

  /// Mitragotri (2002), lipid pathway: kp [cm/s] = 5.6e-6 Kow^0.7 exp(-0.46 r^2),
  /// r [Angstrom] = 0.735 MW^(1/3) the solute radius; returned in log10(cm/h).
  double mitragotri_log_kp_cm_per_h(const Molecule &m);

  /// Fraction non-ionised at pH 7.4 (bases for pKa >= 6, acids below; a
  /// heuristic when the acid/base type is not given). 1 without a pKa.
  double fraction_non_ionised(const Molecule &m, double pH = 7.4);

  /// Layer parameters of a 1D skin model, relative to water.
  struct SkinTransport
  {
    double permeability_cm_per_h            = 0; ///< of the stratum corneum
    double sc_partition_coefficient         = 0;
    double sc_diffusivity_cm2_per_s         = 0;
    double viable_partition_coefficient     = 0; ///< viable epidermis and dermis
    double viable_diffusivity_cm2_per_s     = 0;
    double dermal_clearance_per_h           = 0;
    std::string permeability_model;              ///< "potts_guy" | "mitragotri"
  };

  /**
   * Brick-and-mortar style estimate for a homogenised stratum corneum:
   *  - permeability kp from Potts-Guy (default) or Mitragotri;
   *  - SC/water partition through the lipid pathway, K_sc = phi_lip Kow^0.7
   *    + phi_w (phi_lip = 0.125 lipid, phi_w = 0.15 water volume fractions,
   *    Nitsche et al. 2006; lipid/water exponent 0.7, Mitragotri 2002);
   *  - SC diffusivity D_sc = kp L_ref / K_sc with L_ref = 15 um, so the
   *    layer reproduces kp for a 15-um stratum corneum;
   *  - viable epidermis and dermis (Kretsos et al. 2008):
   *      K = 0.7 (0.68 + 0.32/fu + 0.025 fnon Kow^0.7),
   *      D = 10^(-4.15 - 0.655 log10 MW) / (0.68 + 0.32/fu + 0.025 fnon Kow^0.7) cm^2/s;
   *  - dermal clearance k = q_eff / K_viable with q_eff = 0.196 /h, the
   *    effective exchange rate that gives fentanyl's k = 0.07 /h
   *    (docs/validation.md): an estimate, not a measurement.
   */
  SkinTransport estimate_skin_transport(const Molecule &m, const std::string &permeability_model = "potts_guy");

  constexpr double reference_sc_thickness_um = 15.;
} // namespace dermatwin::materials::qspr

#endif
