// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_skin_resolver_h
#define dermatwin_studies_skin_resolver_h

#include <dermatwin/materials/library.h>
#include <dermatwin/materials/qspr.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dermatwin::studies
{
  struct Study;

  /// The molecule for QSPR: from the study's library drug or its inline
  /// mapping (molecular weight, log Kow; pKa and unbound fraction if known).
  materials::qspr::Molecule molecule_of(const Study &study, const materials::Library &library);

  /// One resolved skin layer, study units, with where each number came from.
  struct ResolvedLayer
  {
    std::string name;
    double      thickness_um = 0, diffusivity_cm2_per_s = 0, partition_coefficient = 0,
           blood_uptake_rate_per_h = 0;
    std::string thickness_from, diffusivity_from, partition_from, uptake_from;
  };

  /// Who wears the patch; empty for excised skin with no donor data.
  struct Person
  {
    double      age_years = 40;
    std::string sex       = "female";
    /// Individual multipliers, e.g. from a virtual population or a
    /// calibration: stratum_corneum_thickness, viable_epidermis_thickness,
    /// dermis_thickness, perfusion, sc_permeability.
    std::map<std::string, double> factors;
  };

  /**
   * Library skin for a drug at a body site (or acupoint): layer thicknesses
   * from the site, scaled by the age and sex factors of the skin-ageing model
   * (1 at age 40); transport from the drug's library values or, where it has
   * none, from QSPR (materials::qspr); stratum-corneum diffusivity scaled by
   * the site's (and acupoint's) permeability factor and the age factor;
   * blood uptake = dermal clearance x site perfusion x age perfusion factor.
   * Partition coefficients are relative to water.
   */
  class SkinResolver
  {
  public:
    SkinResolver(const materials::Library &library, const materials::qspr::Molecule &molecule,
                 const materials::Record *library_drug);

    /// @p preparation: in_vivo | epidermis | dermatomed | full_thickness.
    std::vector<ResolvedLayer> layers(const std::string &site_id, const std::string &acupoint_id,
                                      const std::optional<Person> &person,
                                      const std::string &preparation,
                                      double dermatomed_thickness_um) const;
    /// Source keys used so far (for the resolved study's citation list).
    const std::vector<std::string> &sources() const { return sources_; }

  private:
    double factor(const std::string &key, const std::optional<Person> &person,
                  std::string &from) const;

    const materials::Library            &library_;
    materials::qspr::Molecule            molecule_;
    const materials::Record             *drug_;
    materials::qspr::SkinTransport       qspr_;
    mutable std::vector<std::string>     sources_;
  };
} // namespace dermatwin::studies

#endif
