// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/materials/qspr.h>

#include <cmath>
#include <stdexcept>

namespace dermatwin::materials::qspr
{
  namespace
  {
    constexpr double log10_s_per_h = 3.5563025007672873; // log10(3600)

    void check(const Molecule &m)
    {
      if (!(m.molecular_weight_g_per_mol > 0) || !std::isfinite(m.molecular_weight_g_per_mol))
        throw std::invalid_argument("QSPR: molecular_weight_g_per_mol must be > 0");
      if (!std::isfinite(m.log_kow))
        throw std::invalid_argument("QSPR: log_kow must be finite");
      if (!(m.fraction_unbound_plasma > 0 && m.fraction_unbound_plasma <= 1))
        throw std::invalid_argument("QSPR: fraction_unbound_plasma must be in (0, 1]");
    }
  } // namespace

  double potts_guy_log_kp_cm_per_h(const Molecule &m)
  {
    check(m);
    return -6.3 + 0.71 * m.log_kow - 0.0061 * m.molecular_weight_g_per_mol + log10_s_per_h;
  }

  double mitragotri_log_kp_cm_per_h(const Molecule &m)
  {
    check(m);
    const double r_angstrom = 0.735 * std::cbrt(m.molecular_weight_g_per_mol);
    const double kp_cm_per_s =
      5.6e-6 * std::pow(10., 0.7 * m.log_kow) * std::exp(-0.46 * r_angstrom * r_angstrom);
    return std::log10(kp_cm_per_s) + log10_s_per_h;
  }

  double fraction_non_ionised(const Molecule &m, const double pH)
  {
    if (!m.pka)
      return 1.;
    const bool base = *m.pka >= 6.;
    return 1. / (1. + std::pow(10., base ? *m.pka - pH : pH - *m.pka));
  }

  SkinTransport estimate_skin_transport(const Molecule &m, const std::string &permeability_model)
  {
    check(m);
    SkinTransport t;
    t.permeability_model = permeability_model;
    double log_kp;
    if (permeability_model == "potts_guy")
      log_kp = potts_guy_log_kp_cm_per_h(m);
    else if (permeability_model == "mitragotri")
      log_kp = mitragotri_log_kp_cm_per_h(m);
    else
      throw std::invalid_argument("QSPR: unknown permeability model '" + permeability_model +
                                  "' (allowed: potts_guy, mitragotri)");
    t.permeability_cm_per_h = std::pow(10., log_kp);

    const double kow_07           = std::pow(10., 0.7 * m.log_kow);
    t.sc_partition_coefficient    = 0.125 * kow_07 + 0.15;
    const double L_ref_cm         = reference_sc_thickness_um * 1e-4;
    t.sc_diffusivity_cm2_per_s    = t.permeability_cm_per_h * L_ref_cm / t.sc_partition_coefficient / 3600.;

    const double binding = 0.68 + 0.32 / m.fraction_unbound_plasma +
                           0.025 * fraction_non_ionised(m) * kow_07;
    t.viable_partition_coefficient = 0.7 * binding;
    t.viable_diffusivity_cm2_per_s =
      std::pow(10., -4.15 - 0.655 * std::log10(m.molecular_weight_g_per_mol)) / binding;
    t.dermal_clearance_per_h = 0.196 / t.viable_partition_coefficient;
    return t;
  }
} // namespace dermatwin::materials::qspr
