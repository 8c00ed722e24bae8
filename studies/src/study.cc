// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/materials/library.h>
#include <dermatwin/studies/study.h>

#include "yaml_reader.h"
#include "study_geometry.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

namespace dermatwin::studies
{
  StudyError::StudyError(const std::string &file_, const int line_, const std::string &key_,
                         const std::string &message)
    : std::runtime_error(file_ + ":" + std::to_string(line_) + ": " + key_ + ": " + message)
    , file(file_)
    , key(key_)
    , line(line_)
  {}

  namespace
  {
    using materials::join;
    using internal::Reader;

    constexpr double unbounded = std::numeric_limits<double>::max();

    LayerSpec read_layer(const Reader &r, const YAML::Node &node, const std::string &path)
    {
      r.only_keys(node, path,
                  {"name", "thickness_um", "diffusivity_cm2_per_s", "partition_coefficient",
                   "blood_uptake_rate_per_h"});
      LayerSpec layer;
      layer.name = node["name"] ? r.text(node["name"], path + ".name") : "layer";
      const std::string p = path + ".";
      layer.thickness_um  = r.required_number(node, "thickness_um", p, 0, 1e5, false);
      layer.diffusivity_cm2_per_s =
        r.required_number(node, "diffusivity_cm2_per_s", p, 0, 1e-2, false);
      layer.partition_coefficient =
        r.required_number(node, "partition_coefficient", p, 0, 1e8, false);
      layer.blood_uptake_rate_per_h =
        r.number_or(node, "blood_uptake_rate_per_h", p, 0, 0, 1e4);
      return layer;
    }

    std::vector<LayerSpec> read_layers(const Reader &r, const YAML::Node &node,
                                       const std::string &path)
    {
      if (!node.IsSequence() || node.size() == 0)
        r.fail(node, path, "expected a non-empty list of layers, outermost first");
      std::vector<LayerSpec> layers;
      for (std::size_t i = 0; i < node.size(); ++i)
        layers.push_back(read_layer(r, node[i], path + "." + std::to_string(i)));
      return layers;
    }

    PatchSpec read_patch(const Reader &r, const YAML::Node &node, const std::string &path)
    {
      r.only_keys(node, path,
                  {"area_cm2", "drug_load_mg", "thickness_um", "diffusivity_cm2_per_s",
                   "solubility_mg_per_mL", "partition_coefficient", "dissolution_rate_per_h"});
      const std::string p = path + ".";
      PatchSpec         patch;
      patch.area_cm2      = r.required_number(node, "area_cm2", p, 0, 1000, false);
      patch.drug_load_mg  = r.required_number(node, "drug_load_mg", p, 0, 1e4, false);
      patch.thickness_um  = r.required_number(node, "thickness_um", p, 0, 1e4, false);
      patch.diffusivity_cm2_per_s =
        r.required_number(node, "diffusivity_cm2_per_s", p, 0, 1e-2, false);
      patch.solubility_mg_per_mL = r.number_or(node, "solubility_mg_per_mL", p,
                                               patch.solubility_mg_per_mL, 0, unbounded, false);
      if (std::isinf(patch.solubility_mg_per_mL))
        patch.solubility_mg_per_mL = std::numeric_limits<double>::infinity();
      patch.partition_given = bool(node["partition_coefficient"]);
      patch.partition_coefficient_to_water =
        r.number_or(node, "partition_coefficient", p, 1, 0, 1e8, false);
      patch.dissolution_rate_per_h =
        r.number_or(node, "dissolution_rate_per_h", p, patch.dissolution_rate_per_h, 0, 1e6, false);
      return patch;
    }

    /// `temperature_C`: a number, or a table of rows {t_h, temperature_C}
    /// (first row at t_h 0, increasing t_h), each held until the next row.
    std::vector<materials::TemperatureStep> read_temperature(const Reader &r, const YAML::Node &node,
                                                             const std::string &path)
    {
      using History             = materials::SkinTemperatureHistory;
      const double min_C        = History::min_temperature_C, max_C = History::max_temperature_C;
      if (node.IsScalar())
        return {{0., r.number(node, path, min_C, max_C)}};
      if (!node.IsSequence() || node.size() == 0)
        r.fail(node, path,
               "expected a temperature in °C (allowed: 20..50) or a list of rows "
               "{t_h, temperature_C} starting at t_h 0");
      std::vector<materials::TemperatureStep> steps;
      for (std::size_t i = 0; i < node.size(); ++i)
        {
          const std::string row = path + "." + std::to_string(i);
          r.only_keys(node[i], row, {"t_h", "temperature_C"});
          materials::TemperatureStep step;
          step.t_h           = r.required_number(node[i], "t_h", row + ".", 0, 1e5);
          step.temperature_C = r.required_number(node[i], "temperature_C", row + ".", min_C, max_C);
          if (i == 0 && step.t_h != 0)
            r.fail(node[i]["t_h"], row + ".t_h", "the first row must start at 0 (allowed: 0)");
          if (i > 0 && !(step.t_h > steps.back().t_h))
            r.fail(node[i]["t_h"], row + ".t_h",
                   "times must increase from row to row (allowed: " +
                     Reader::range(steps.back().t_h, 1e5, false) + ")");
          steps.push_back(step);
        }
      return steps;
    }

    ApplicationSpec read_application(const Reader &r, const YAML::Node &node,
                                     const std::string &path,
                                     const materials::Library &library)
    {
      r.only_keys(node, path,
                  {"product", "patch", "site", "acupoint", "apply_h", "remove_h",
                   "repeat_every_h", "repeats", "skin", "temperature_C", "position_cm", "shape",
                   "size_cm"});
      const std::string p = path + ".";
      ApplicationSpec   a;
      if (node["temperature_C"])
        a.temperature = read_temperature(r, node["temperature_C"], p + "temperature_C");
      if (node["product"] && node["patch"])
        r.fail(node, path, "give either 'product' or 'patch', not both");
      if (node["product"])
        {
          a.product = r.text(node["product"], p + "product");
          if (!library.has_product(a.product))
            r.fail(node["product"], p + "product",
                   "unknown product '" + a.product + "' (allowed: " +
                     join(library.product_ids()) + ")");
        }
      else if (node["patch"])
        a.patch = read_patch(r, node["patch"], p + "patch");
      else
        r.fail(node, p + "product", "missing: give a 'product' id or a 'patch' mapping");

      if (node["skin"])
        {
          r.only_keys(node["skin"], p + "skin", {"layers"});
          a.skin_layers = read_layers(r, node["skin"]["layers"], p + "skin.layers");
        }
      const bool has_site = bool(node["site"]), has_acupoint = bool(node["acupoint"]);
      if (has_site == has_acupoint && a.skin_layers.empty())
        r.fail(node, p + "site", "give exactly one of 'site' or 'acupoint'");
      if (has_site)
        {
          a.site = r.text(node["site"], p + "site");
          if (!library.has_site(a.site))
            r.fail(node["site"], p + "site",
                   "unknown site '" + a.site + "' (allowed: " + join(library.site_ids()) + ")");
        }
      if (has_acupoint)
        {
          a.acupoint = r.text(node["acupoint"], p + "acupoint");
          if (!library.has_acupoint(a.acupoint))
            r.fail(node["acupoint"], p + "acupoint",
                   "unknown acupoint '" + a.acupoint + "' (allowed: " + join(library.acupoint_ids()) +
                     ")");
        }
      a.apply_h = r.number_or(node, "apply_h", p, 0, 0, 1e5);
      if (node["remove_h"])
        {
          a.remove_h = r.number(node["remove_h"], p + "remove_h", 0, 1e5);
          if (*a.remove_h <= a.apply_h)
            r.fail(node["remove_h"], p + "remove_h",
                   "remove_h must be later than apply_h (allowed: > " +
                     std::to_string(a.apply_h) + ")");
        }
      if (node["repeat_every_h"])
        a.repeat_every_h = r.number(node["repeat_every_h"], p + "repeat_every_h", 0, 1e5, false);
      if (node["repeats"])
        a.repeats = r.whole_number(node["repeats"], p + "repeats", 1, 1000);
      if (a.repeats > 1 && !a.repeat_every_h)
        r.fail(node["repeats"], p + "repeat_every_h", "repeats > 1 needs repeat_every_h");
      read_footprint(r, node, path, a);
      return a;
    }

    void read_patient(const Reader &r, const YAML::Node &root, Study &s)
    {
      if (const YAML::Node patient = root["patient"])
        {
          r.only_keys(patient, "patient",
                      {"age_years", "sex", "body_weight_kg", "skin_factors", "pk_factors"});
          s.has_patient    = true;
          s.age_years      = r.number_or(patient, "age_years", "patient.", 45, 18, 100);
          s.body_weight_kg = r.number_or(patient, "body_weight_kg", "patient.", 70, 30, 250);
          if (patient["sex"])
            s.sex = r.choice(patient["sex"], "patient.sex", {"female", "male"});
          if (const YAML::Node f = patient["skin_factors"])
            {
              r.only_keys(f, "patient.skin_factors",
                          {"stratum_corneum_thickness", "viable_epidermis_thickness",
                           "dermis_thickness", "perfusion", "sc_permeability"});
              for (const auto &entry : f)
                s.skin_factors[entry.first.as<std::string>()] =
                  r.number(entry.second, "patient.skin_factors." + entry.first.as<std::string>(),
                           1e-3, 1e3, false);
            }
          if (const YAML::Node f = patient["pk_factors"])
            {
              r.only_keys(f, "patient.pk_factors", {"clearance", "volumes"});
              for (const auto &entry : f)
                s.pk_factors[entry.first.as<std::string>()] =
                  r.number(entry.second, "patient.pk_factors." + entry.first.as<std::string>(),
                           1e-3, 1e3, false);
            }
        }
    }

    void read_in_vivo(const Reader &r, const YAML::Node &root, Study &s,
                      const materials::Library &library)
    {
      const YAML::Node apps = root["application"];
      if (!apps)
        r.fail(root, "application", "missing required key (a list of patches)");
      if (!apps.IsSequence() || apps.size() == 0)
        r.fail(apps, "application", "expected a non-empty list of patch applications");
      for (std::size_t i = 0; i < apps.size(); ++i)
        s.applications.push_back(
          read_application(r, apps[i], "application." + std::to_string(i), library));

      for (std::size_t i = 0; i < s.applications.size(); ++i)
        if (!s.applications[i].product.empty())
          {
            const std::string product_drug =
              library.product(s.applications[i].product).text_or("drug", "");
            if (!s.drug.inline_mapping && product_drug != s.drug.id)
              r.fail(apps[i]["product"], "application." + std::to_string(i) + ".product",
                     "product contains '" + product_drug + "', the study's drug is '" +
                       s.drug.id + "'");
          }

      const YAML::Node pk = root["pk"];
      if (!pk || (pk.IsScalar() && pk.Scalar() == "library"))
        s.pk.from_library = true;
      else if (pk.IsMap())
        {
          r.only_keys(pk, "pk",
                      {"model", "clearance_L_per_h", "v1_L", "v2_L", "q_L_per_h", "q2_L_per_h",
                       "v3_L", "q3_L_per_h"});
          s.pk.from_library = false;
          if (!pk["model"])
            r.fail(pk, "pk.model",
                   "missing (allowed: one_compartment, two_compartment, three_compartment)");
          s.pk.model              = r.choice(pk["model"], "pk.model",
                                             {"one_compartment", "two_compartment", "three_compartment"});
          s.pk.clearance_L_per_h  = r.required_number(pk, "clearance_L_per_h", "pk.", 0, 1e5, false);
          s.pk.v1_L               = r.required_number(pk, "v1_L", "pk.", 0, 1e6, false);
          if (s.pk.model != "one_compartment")
            {
              s.pk.v2_L = r.required_number(pk, "v2_L", "pk.", 0, 1e6, false);
              s.pk.q_L_per_h = pk["q2_L_per_h"] ?
                                 r.required_number(pk, "q2_L_per_h", "pk.", 0, 1e6, false) :
                                 r.required_number(pk, "q_L_per_h", "pk.", 0, 1e6, false);
            }
          if (s.pk.model == "three_compartment")
            {
              s.pk.v3_L       = r.required_number(pk, "v3_L", "pk.", 0, 1e6, false);
              s.pk.q3_L_per_h = r.required_number(pk, "q3_L_per_h", "pk.", 0, 1e6, false);
            }
        }
      else
        r.fail(pk, "pk", "expected 'library' or a mapping with model and parameters");
      if (s.pk.from_library && s.drug.inline_mapping)
        r.fail(root["drug"], "pk", "an inline drug has no library PK: give a pk mapping");
    }

    void read_franz(const Reader &r, const YAML::Node &root, Study &s,
                    const materials::Library &library)
    {
      const YAML::Node skin = root["skin"];
      if (!skin)
        r.fail(root, "skin", "missing required key for a Franz cell (area_cm2, layers or site)");
      r.only_keys(skin, "skin", {"area_cm2", "layers", "preparation"});
      s.skin_area_cm2 = r.number_or(skin, "area_cm2", "skin.", 1, 0, 1000, false);
      if (skin["layers"])
        s.skin_layers = read_layers(r, skin["layers"], "skin.layers");
      else
        {
          if (!root["site"])
            r.fail(skin, "skin.layers", "give skin.layers or a library 'site'");
          s.site = r.text(root["site"], "site");
          if (!library.has_site(s.site))
            r.fail(root["site"], "site",
                   "unknown site '" + s.site + "' (allowed: " + join(library.site_ids()) + ")");
          if (skin["preparation"])
            s.preparation = r.choice(skin["preparation"], "skin.preparation",
                                     {"epidermis", "dermatomed", "full_thickness"});
          if (s.drug.id.empty())
            r.fail(root, "drug", "library skin needs a drug (library id or inline mapping)");
        }
      s.dermatomed_thickness_um =
        r.number_or(root, "dermatomed_thickness_um", "", 500, 0, 1e5, false);

      const YAML::Node donor = root["donor"];
      if (!donor)
        r.fail(root, "donor", "missing required key (type, concentration_mg_per_mL)");
      r.only_keys(donor, "donor", {"type", "concentration_mg_per_mL", "volume_uL_per_cm2"});
      s.donor_type = donor["type"] ? r.choice(donor["type"], "donor.type", {"infinite", "finite"})
                                   : "infinite";
      s.donor_concentration_mg_per_mL =
        r.required_number(donor, "concentration_mg_per_mL", "donor.", 0, 1e4, false);
      if (s.donor_type == "finite")
        s.donor_volume_uL_per_cm2 =
          r.required_number(donor, "volume_uL_per_cm2", "donor.", 0, 1e5, false);

      if (const YAML::Node receptor = root["receptor"])
        {
          r.only_keys(receptor, "receptor", {"type", "volume_mL", "partition_coefficient"});
          s.receptor_type = receptor["type"] ?
                              r.choice(receptor["type"], "receptor.type", {"sink", "finite"}) :
                              "sink";
          if (s.receptor_type == "finite")
            {
              s.receptor_volume_mL = r.required_number(receptor, "volume_mL", "receptor.", 0, 1e4, false);
              s.receptor_partition_coefficient =
                r.number_or(receptor, "partition_coefficient", "receptor.", 1, 0, 1e8, false);
            }
        }
    }

    void read_simulation(const Reader &r, const YAML::Node &root, Study &s)
    {
      const YAML::Node sim = root["simulation"];
      if (!sim)
        return;
      r.only_keys(sim, "simulation",
                  {"geometry", "end_h", "output_every_h", "accuracy", "fe_degree",
                   "cells_per_layer", "relative_tolerance", "domain_radius_cm", "domain_size_cm",
                   "fields_every_h", "edge_cell_um", "max_lateral_cell_um", "max_step_h",
                   "global_refinements", "adaptive_levels", "adapt_every_h", "time_integrator"});
      SimulationSpec &out = s.simulation;
      if (sim["geometry"])
        out.geometry = r.choice(sim["geometry"], "simulation.geometry", {"1d", "axisymmetric", "3d"});
      out.end_h          = r.number_or(sim, "end_h", "simulation.", 120, 0, 1e5, false);
      out.output_every_h = r.number_or(sim, "output_every_h", "simulation.", 0.5, 0, 1e5, false);
      if (out.output_every_h > out.end_h)
        r.fail(sim["output_every_h"], "simulation.output_every_h",
               "longer than end_h (allowed: > 0 and <= end_h)");
      if (out.end_h / out.output_every_h > 1e6)
        r.fail(sim["output_every_h"], "simulation.output_every_h",
               "more than 10^6 output rows (allowed: >= end_h / 1e6)");
      if (sim["accuracy"])
        out.accuracy = r.choice(sim["accuracy"], "simulation.accuracy", {"coarse", "default", "fine"});
      if (sim["fe_degree"])
        out.fe_degree = r.whole_number(sim["fe_degree"], "simulation.fe_degree", 1, 4);
      if (sim["cells_per_layer"])
        out.cells_per_layer =
          r.whole_number(sim["cells_per_layer"], "simulation.cells_per_layer", 1, 10000);
      if (sim["relative_tolerance"])
        out.relative_tolerance =
          r.number(sim["relative_tolerance"], "simulation.relative_tolerance", 1e-12, 0.1);
      if (sim["time_integrator"])
        out.time_integrator = r.choice(sim["time_integrator"], "simulation.time_integrator",
                                       {"auto", "exponential", "extrapolation"});
      read_geometry_keys(r, sim, out);
    }

    void read_drug(const Reader &r, const YAML::Node &root, Study &s,
                   const materials::Library &library, const bool required)
    {
      const YAML::Node drug = root["drug"];
      if (!drug)
        {
          if (required)
            r.fail(root, "drug", "missing required key (allowed: " + join(library.drug_ids()) +
                                   ", or a mapping with name, molecular_weight_g_per_mol, log_kow)");
          return;
        }
      if (drug.IsMap())
        {
          r.only_keys(drug, "drug", {"name", "molecular_weight_g_per_mol", "log_kow"});
          s.drug.inline_mapping = true;
          s.drug.id = drug["name"] ? r.text(drug["name"], "drug.name") : "custom_drug";
          s.drug.molecular_weight_g_per_mol =
            r.required_number(drug, "molecular_weight_g_per_mol", "drug.", 0, 1e4, false);
          s.drug.log_kow = r.required_number(drug, "log_kow", "drug.", -10, 15);
          return;
        }
      s.drug.id = r.text(drug, "drug");
      if (!library.has_drug(s.drug.id))
        r.fail(drug, "drug",
               "unknown drug '" + s.drug.id + "' (allowed: " + join(library.drug_ids()) + ")");
    }

    /// Records where each YAML document starts (and ignores its content).
    struct DocumentStarts : YAML::EventHandler
    {
      std::vector<YAML::Mark> marks;
      void OnDocumentStart(const YAML::Mark &mark) override { marks.push_back(mark); }
      void OnDocumentEnd() override {}
      void OnNull(const YAML::Mark &, YAML::anchor_t) override {}
      void OnAlias(const YAML::Mark &, YAML::anchor_t) override {}
      void OnScalar(const YAML::Mark &, const std::string &, YAML::anchor_t, const std::string &) override {}
      void OnSequenceStart(const YAML::Mark &, const std::string &, YAML::anchor_t,
                           YAML::EmitterStyle::value) override {}
      void OnSequenceEnd() override {}
      void OnMapStart(const YAML::Mark &, const std::string &, YAML::anchor_t, YAML::EmitterStyle::value) override {}
      void OnMapEnd() override {}
    };

    /// Throws a syntax StudyError where yaml-cpp 0.7 would never finish:
    /// on a stray flow token (a ',' outside [ ] and { }) its parser returns
    /// the same empty document forever, so YAML::LoadAll never returns and
    /// fills the memory (found by fuzzing, tests/fuzz/corpus/crash_stray_comma).
    void check_documents_advance(const std::string &text, const std::string &file)
    {
      std::istringstream in(text);
      YAML::Parser       parser(in);
      DocumentStarts     starts;
      while (parser.HandleNextDocument(starts))
        if (starts.marks.size() > 1 && starts.marks.back().pos <= starts.marks[starts.marks.size() - 2].pos)
          throw StudyError(file, starts.marks.back().line + 1, "(syntax)",
                           "not valid YAML: unexpected character at column " +
                             std::to_string(starts.marks.back().column + 1) +
                             " (a ',' outside [ ] or { }?)");
    }

    /// Whether a --set path part is a list index ("0", "12"); throws for an
    /// index too large to exist (std::stoul would overflow).
    bool is_list_index(const std::string &part, const std::string &path)
    {
      const bool digits = !part.empty() && std::all_of(part.begin(), part.end(), [](const unsigned char c) {
        return std::isdigit(c) != 0;
      });
      if (digits && part.size() > 9)
        throw StudyError("--set", 1, path, "no list entry " + part + " at this path");
      return digits;
    }

    /// The node of an override's value: YAML text. Plain numbers and words
    /// (what batches set for every subject) become the scalar YAML would
    /// read, without running its parser.
    YAML::Node override_value(const std::string &value, const std::string &path)
    {
      const auto plain_char = [](const char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '+' || c == '-';
      };
      const bool plain = !value.empty() && std::all_of(value.begin(), value.end(), plain_char) &&
                         (value.size() > 1 || std::isalnum(static_cast<unsigned char>(value[0]))) &&
                         value != "null" && value != "Null" && value != "NULL";
      if (plain)
        return YAML::Node(value);
      try
        {
          return YAML::Load(value);
        }
      catch (const YAML::Exception &e)
        {
          throw StudyError("--set", 1, path, std::string("value is not valid YAML: ") + e.what());
        }
    }

    void set_override(YAML::Node root, const std::string &assignment)
    {
      const auto eq = assignment.find('=');
      if (eq == std::string::npos || eq == 0)
        throw StudyError("--set", 1, assignment, "expected key.path=value");
      const std::string path = assignment.substr(0, eq), value = assignment.substr(eq + 1);
      std::vector<std::string> parts;
      std::stringstream        in(path);
      for (std::string part; std::getline(in, part, '.');)
        parts.push_back(part);
      std::vector<YAML::Node> chain{root};
      for (std::size_t i = 0; i + 1 < parts.size(); ++i)
        {
          YAML::Node parent = chain.back();
          if (is_list_index(parts[i], path))
            {
              const std::size_t k = std::stoul(parts[i]);
              if (!parent.IsSequence() || k >= parent.size())
                throw StudyError("--set", 1, path, "no list entry " + parts[i] + " at this path");
              chain.push_back(parent[k]);
            }
          else
            chain.push_back(parent[parts[i]]);
        }
      YAML::Node        leaf   = override_value(value, path);
      YAML::Node        parent = chain.back();
      const std::string &last = parts.back();
      if (parent.IsSequence() && is_list_index(last, path))
        {
          const std::size_t k = std::stoul(last);
          if (k >= parent.size())
            throw StudyError("--set", 1, path, "no list entry " + last);
          parent[k] = leaf;
        }
      else
        parent[last] = leaf;
    }
  } // namespace

  YAML::Node internal::load_study_root(const std::string &text, const std::string &file)
  {
    const Reader r(file);
    YAML::Node   root;
    try
      {
        check_documents_advance(text, file);
        const std::vector<YAML::Node> documents = YAML::LoadAll(text);
        if (documents.size() > 1)
          r.fail(documents[1], "(root)", "more than one YAML document ('---'); a study is one document");
        if (!documents.empty())
          root = documents[0];
      }
    catch (const YAML::Exception &e)
      {
        throw StudyError(file, int(e.mark.line) + 1, "(syntax)", "not valid YAML: " + e.msg);
      }
    if (!root || root.IsNull())
      throw StudyError(file, 1, "(root)", "empty study (expected a mapping starting with "
                                          "'format: dermatwin-study/1')");
    if (!root.IsMap())
      r.fail(root, "(root)", "expected a mapping of study keys (format, drug, application, ...)");
    return root;
  }

  Study parse_study(const std::string &text, const std::string &file,
                    const std::vector<std::string> &overrides)
  {
    return internal::study_from_root(internal::load_study_root(text, file), text, file, overrides);
  }

  Study internal::study_from_root(YAML::Node root, const std::string &text, const std::string &file,
                                  const std::vector<std::string> &overrides)
  {
    const Reader r(file);
    for (const std::string &assignment : overrides)
      try
        {
          set_override(root, assignment);
        }
      catch (const YAML::Exception &e)
        {
          throw StudyError("--set", 1, assignment.substr(0, assignment.find('=')),
                           "this key path does not exist in the study (" + e.msg + ")");
        }

    const materials::Library &library = materials::Library::standard();
    Study                     s;
    s.file = file;
    r.only_keys(root, "",
                {"format", "name", "experiment", "patient", "drug", "application", "pk",
                 "simulation", "skin", "site", "dermatomed_thickness_um", "donor", "receptor",
                 "study"});
    s.text      = text;
    s.overrides = overrides;
    if (root["study"])
      {
        if (!root["study"].IsMap() || !root["study"]["type"])
          r.fail(root["study"], "study.type",
                 "the study block needs a type (allowed: sweep, population, sensitivity, fit_ivpt, "
                 "calibrate, optimize)");
        s.study_type = r.choice(root["study"]["type"], "study.type",
                                {"sweep", "population", "sensitivity", "fit_ivpt", "calibrate", "optimize"});
      }
    if (!root["format"])
      r.fail(root, "format", "missing required key (allowed: dermatwin-study/1)");
    s.format = r.choice(root["format"], "format", {"dermatwin-study/1"});
    if (root["name"])
      s.name = r.text(root["name"], "name");
    if (root["experiment"])
      s.experiment = r.choice(root["experiment"], "experiment", {"in_vivo", "franz_cell"});

    read_drug(r, root, s, library, !s.in_vitro());
    read_patient(r, root, s);
    if (s.in_vitro())
      {
        for (const char *key : {"application", "pk"})
          if (root[key])
            r.fail(root[key], key, "not used by a franz_cell experiment");
        read_franz(r, root, s, library);
      }
    else
      {
        for (const char *key : {"donor", "receptor", "skin", "site"})
          if (root[key])
            r.fail(root[key], key,
                   "only for experiment: franz_cell (in vivo: per application entry)");
        read_in_vivo(r, root, s, library);
      }
    read_simulation(r, root, s);
    for (std::size_t i = 0; i < s.applications.size(); ++i)
      {
        const YAML::Node  app = root["application"][i];
        const std::string p   = "application." + std::to_string(i);
        if (s.applications[i].apply_h >= s.simulation.end_h)
          r.fail(app["apply_h"] ? app["apply_h"] : app, p + ".apply_h",
                 "the patch is applied after the end of the simulation (allowed: < end_h = " +
                   std::to_string(s.simulation.end_h) + ")");
      }
    if (s.in_vitro())
      s.simulation.end_h = root["simulation"] && root["simulation"]["end_h"] ? s.simulation.end_h : 48;
    check_geometry(r, root, s, library);
    return s;
  }

  YAML::Node internal::study_tree(const Study &study, const std::vector<std::string> &more_overrides)
  {
    YAML::Node root = YAML::Load(study.text);
    for (const std::string &assignment : study.overrides)
      set_override(root, assignment);
    for (const std::string &assignment : more_overrides)
      set_override(root, assignment);
    return root;
  }

  YAML::Node internal::study_block(const Study &study)
  {
    return study_tree(study)["study"];
  }

  Study load_study(const std::string &file, const std::vector<std::string> &overrides)
  {
    std::ifstream in(file, std::ios::binary);
    if (!in)
      throw StudyError(file, 1, "(file)", "cannot open the study file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse_study(buffer.str(), file, overrides);
  }
} // namespace dermatwin::studies
