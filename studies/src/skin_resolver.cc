// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/studies/skin_resolver.h>

#include <algorithm>
#include <sstream>

namespace dermatwin::studies
{
  using materials::Quantity;
  using materials::Record;

  namespace
  {
    std::string describe(const Quantity &q)
    {
      return q.source + ", " + q.confidence;
    }
  } // namespace

  SkinResolver::SkinResolver(const materials::Library &library, const materials::qspr::Molecule &molecule,
                             const Record *library_drug)
    : library_(library)
    , molecule_(molecule)
    , drug_(library_drug)
    , qspr_(materials::qspr::estimate_skin_transport(molecule))
  {}

  double SkinResolver::factor(const std::string &key, const std::optional<Person> &person,
                              std::string &from) const
  {
    if (!person)
      return 1.;
    double            f          = 1.;
    const std::string individual = key.substr(0, key.rfind("_factor"));
    const auto        found      = person->factors.find(individual);
    if (found != person->factors.end())
      {
        f *= found->second;
        from += " x individual " + individual + " factor";
      }
    if (!library_.has_model("skin_ageing"))
      return f;
    const Record &ageing = library_.model("skin_ageing");
    if (ageing.has_table(key))
      {
        const materials::Table &t = ageing.table(key);
        f *= t.at(person->age_years);
        from += " x age " + std::to_string(int(person->age_years)) + " y (" + t.source + ")";
        sources_.push_back(t.source);
      }
    const std::string sex_key = "sex." + person->sex + "." + key;
    if (ageing.has(sex_key))
      {
        f *= ageing.value(sex_key);
        from += " x " + person->sex + " (" + ageing.quantity(sex_key).source + ")";
        sources_.push_back(ageing.quantity(sex_key).source);
      }
    return f;
  }

  std::vector<ResolvedLayer> SkinResolver::layers(const std::string &site_id, const std::string &acupoint_id,
                                                  const std::optional<Person> &person,
                                                  const std::string &preparation,
                                                  const double dermatomed_thickness_um) const
  {
    std::string   site_key = site_id;
    double        acupoint_permeability = 1.;
    std::string   acupoint_from;
    if (!acupoint_id.empty())
      {
        const Record &point = library_.acupoint(acupoint_id);
        site_key            = point.text_or("site", "");
        if (point.has("permeability_factor"))
          {
            acupoint_permeability = point.value("permeability_factor");
            acupoint_from = " x acupoint " + acupoint_id + " (" + describe(point.quantity("permeability_factor")) + ")";
            sources_.push_back(point.quantity("permeability_factor").source);
          }
      }
    const Record &site = library_.site(site_key);

    struct Part
    {
      const char *name, *thickness_key, *age_key;
    };
    std::vector<Part> parts = {
      {"stratum_corneum", "stratum_corneum_thickness_um", "stratum_corneum_thickness_factor"},
      {"viable_epidermis", "viable_epidermis_thickness_um", "viable_epidermis_thickness_factor"},
      {"dermis", "dermis_thickness_um", "dermis_thickness_factor"}};
    if (preparation == "epidermis")
      parts.pop_back();

    std::vector<ResolvedLayer> out;
    double                     depth_um = 0;
    for (const Part &part : parts)
      {
        ResolvedLayer layer;
        layer.name              = part.name;
        const std::string prefix = std::string("skin.") + part.name + ".";
        const bool        sc     = layer.name == "stratum_corneum";

        // Thickness: site x age x sex.
        const Quantity &thickness = site.quantity(part.thickness_key);
        layer.thickness_from      = "site " + site_key + " (" + describe(thickness) + ")";
        sources_.push_back(thickness.source);
        layer.thickness_um = thickness.value * factor(part.age_key, person, layer.thickness_from);
        if (preparation == "dermatomed" && layer.name == "dermis")
          {
            layer.thickness_um   = std::max(1.0, dermatomed_thickness_um - depth_um);
            layer.thickness_from = "dermatomed_thickness_um minus epidermis";
          }
        depth_um += layer.thickness_um;

        // Transport: library values where the drug has them, QSPR otherwise.
        if (drug_ && drug_->has(prefix + "diffusivity_cm2_per_s"))
          {
            const Quantity &D = drug_->quantity(prefix + "diffusivity_cm2_per_s");
            const Quantity &K = drug_->quantity(prefix + "partition_coefficient");
            layer.diffusivity_cm2_per_s = D.value;
            layer.partition_coefficient = K.value;
            layer.diffusivity_from      = "drug (" + describe(D) + ")";
            layer.partition_from        = "drug (" + describe(K) + ")";
            sources_.push_back(D.source);
            sources_.push_back(K.source);
          }
        else
          {
            layer.diffusivity_cm2_per_s = sc ? qspr_.sc_diffusivity_cm2_per_s : qspr_.viable_diffusivity_cm2_per_s;
            layer.partition_coefficient = sc ? qspr_.sc_partition_coefficient : qspr_.viable_partition_coefficient;
            layer.diffusivity_from = layer.partition_from = "QSPR (dermatwin_qspr, model)";
            sources_.push_back("dermatwin_qspr");
          }
        if (sc)
          {
            const Quantity *regional = site.has("permeability_factor") ? &site.quantity("permeability_factor") : nullptr;
            double f = regional ? regional->value : 1.;
            if (regional)
              {
                layer.diffusivity_from += " x site permeability (" + describe(*regional) + ")";
                sources_.push_back(regional->source);
              }
            f *= acupoint_permeability * factor("sc_permeability_factor", person, layer.diffusivity_from);
            layer.diffusivity_from += acupoint_from;
            layer.diffusivity_cm2_per_s *= f;
          }

        // Blood uptake in the dermis (in vivo only).
        if (preparation == "in_vivo" && layer.name == "dermis")
          {
            double clearance;
            if (drug_ && drug_->has("dermal_clearance_per_h"))
              {
                clearance         = drug_->value("dermal_clearance_per_h");
                layer.uptake_from = "dermal_clearance_per_h (" + describe(drug_->quantity("dermal_clearance_per_h")) + ")";
                sources_.push_back(drug_->quantity("dermal_clearance_per_h").source);
              }
            else
              {
                clearance         = qspr_.dermal_clearance_per_h;
                layer.uptake_from = "dermal clearance by QSPR (dermatwin_qspr, estimated)";
                sources_.push_back("dermatwin_qspr");
              }
            const Quantity &perfusion = site.quantity("perfusion_factor");
            layer.uptake_from += " x site perfusion (" + describe(perfusion) + ")";
            sources_.push_back(perfusion.source);
            layer.blood_uptake_rate_per_h =
              clearance * perfusion.value * factor("perfusion_factor", person, layer.uptake_from);
          }
        out.push_back(layer);
      }
    return out;
  }
} // namespace dermatwin::studies
