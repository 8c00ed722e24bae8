// SPDX-License-Identifier: LGPL-2.1-or-later
// parse_calibration: the `study: {type: calibrate}` block and its priors.
#include <dermatwin/materials/library.h>
#include <dermatwin/studies/calibration.h>
#include <dermatwin/studies/output.h>
#include <dermatwin/studies/population.h>

#include "yaml_reader.h"

#include <cmath>
#include <filesystem>
#include <set>

namespace dermatwin::studies
{
  namespace
  {
    const std::vector<std::string> skin_factor_names = {"stratum_corneum_thickness", "viable_epidermis_thickness",
                                                        "dermis_thickness", "perfusion", "sc_permeability"};
    const std::vector<std::string> pk_factor_names   = {"clearance", "volumes"};

    double omega_of_cv(const double cv) { return std::sqrt(std::log1p(cv * cv)); }

    /// The population CV of an individual factor key with its source, or 0
    /// with an empty source when the key is not a factor.
    std::pair<double, std::string> population_cv(const std::string &key)
    {
      const std::string skin = "patient.skin_factors.", pk = "patient.pk_factors.";
      if (key.rfind(skin, 0) == 0)
        {
          const std::string         name    = "variability." + key.substr(skin.size()) + "_cv";
          const materials::Library &library = materials::Library::standard();
          if (library.has_model("skin_ageing") && library.model("skin_ageing").has(name))
            {
              const materials::Quantity &q = library.model("skin_ageing").quantity(name);
              return {q.value, "resources/models/skin_ageing.yaml " + name + " = " + csv_number(q.value) +
                                 " (" + q.source + ", " + q.confidence + ")"};
            }
        }
      const PopulationSpec population;
      if (key == pk + "clearance")
        return {population.clearance_cv, "population default pk_cv.clearance = " +
                                           csv_number(population.clearance_cv) + " (dermatwin_estimate)"};
      if (key == pk + "volumes")
        return {population.volumes_cv, "population default pk_cv.volumes = " + csv_number(population.volumes_cv) +
                                         " (dermatwin_estimate)"};
      return {0, ""};
    }

    bool is_factor_key(const std::string &key)
    {
      for (const std::string &n : skin_factor_names)
        if (key == "patient.skin_factors." + n)
          return true;
      for (const std::string &n : pk_factor_names)
        if (key == "patient.pk_factors." + n)
          return true;
      return false;
    }

    CalibrationParameter read_parameter(const internal::Reader &r, const YAML::Node &node, const std::string &path)
    {
      r.only_keys(node, path, {"key", "median", "omega", "cv"});
      if (!node["key"])
        r.fail(node, path + ".key", "missing required key (a study key such as patient.pk_factors.clearance)");
      CalibrationParameter p;
      p.key                  = r.text(node["key"], path + ".key");
      const bool factor      = is_factor_key(p.key);
      const auto [cv, source] = population_cv(p.key);
      if (!factor && (!node["median"] || !(node["omega"] || node["cv"])))
        r.fail(node["key"], path + ".key",
               "'" + p.key + "' has no population prior: give median and omega (or cv) (keys with defaults: "
                             "patient.skin_factors.{" +
                 internal::join(skin_factor_names) + "}, patient.pk_factors.{" + internal::join(pk_factor_names) +
                 "})");
      if (node["omega"] && node["cv"])
        r.fail(node["cv"], path + ".cv", "give either omega or cv, not both");
      p.median       = r.number_or(node, "median", path + ".", 1, 0, 1e6, false);
      p.omega        = omega_of_cv(cv);
      p.prior_source = source;
      if (node["omega"])
        p.omega = r.number(node["omega"], path + ".omega", 0, 3, false), p.prior_source = "study block (omega)";
      if (node["cv"])
        p.omega = omega_of_cv(r.number(node["cv"], path + ".cv", 0, 10, false)),
        p.prior_source = "study block (cv)";
      p.low  = p.median * std::exp(-6 * p.omega);
      p.high = p.median * std::exp(6 * p.omega);
      if (factor) // the range the study accepts for factors
        p.low = std::max(p.low, 1.001e-3), p.high = std::min(p.high, 1e3);
      if (factor && (p.median <= p.low || p.median >= p.high))
        r.fail(node["median"], path + ".median", "out of range (allowed: > 0.001 and < 1000)");
      return p;
    }

    void read_parameters(const internal::Reader &r, const YAML::Node &b, CalibrationSpec &s)
    {
      const YAML::Node list = b["parameters"];
      if (!list || !list.IsSequence() || list.size() == 0 || list.size() > 8)
        r.fail(list ? list : b, "study.parameters",
               "expected a list of 1 to 8 entries {key: ..., [median: ...], [omega: ... | cv: ...]}");
      std::set<std::string> seen;
      for (std::size_t i = 0; i < list.size(); ++i)
        {
          s.parameters.push_back(read_parameter(r, list[i], "study.parameters." + std::to_string(i)));
          if (!seen.insert(s.parameters.back().key).second)
            r.fail(list[i], "study.parameters." + std::to_string(i) + ".key",
                   "'" + s.parameters.back().key + "' is estimated twice");
        }
    }

    void read_residual_error(const internal::Reader &r, const YAML::Node &b, CalibrationSpec &s)
    {
      const YAML::Node e = b["residual_error"];
      if (!e)
        return;
      r.only_keys(e, "study.residual_error", {"proportional", "additive_ng_per_mL"});
      s.residual_error.proportional = r.number_or(e, "proportional", "study.residual_error.", 0.2, 0, 10);
      s.residual_error.additive_ng_per_mL =
        r.number_or(e, "additive_ng_per_mL", "study.residual_error.", 0.05, 0, 1e6);
      if (s.residual_error.proportional == 0 && s.residual_error.additive_ng_per_mL == 0)
        r.fail(e, "study.residual_error",
               "proportional and additive_ng_per_mL are both 0 (allowed: at least one > 0)");
    }

    void read_band(const internal::Reader &r, const YAML::Node &b, CalibrationSpec &s)
    {
      const YAML::Node band = b["predictive_band"];
      if (!band)
        return;
      const std::string path = "study.predictive_band";
      r.only_keys(band, path, {"samples", "percentiles", "seed", "include_residual_error"});
      if (band["samples"])
        s.band.samples = r.whole_number(band["samples"], path + ".samples", 0, 1e5);
      if (band["seed"])
        s.band.seed = r.whole_number(band["seed"], path + ".seed", 0, 4e9);
      if (const YAML::Node p = band["percentiles"])
        {
          if (!p.IsSequence() || p.size() == 0)
            r.fail(p, path + ".percentiles", "expected a list of numbers (allowed: 0..100)");
          s.band.percentiles.clear();
          for (const auto &v : p)
            s.band.percentiles.push_back(r.number(v, path + ".percentiles", 0, 100));
        }
      if (band["include_residual_error"])
        s.band.include_residual_error =
          r.choice(band["include_residual_error"], path + ".include_residual_error", {"true", "false"}) == "true";
    }

    /// Reads the TDM file and checks its times against the simulated period.
    void read_data(const internal::Reader &r, const YAML::Node &b, const Study &study, const std::string &cli_file,
                   CalibrationSpec &s)
    {
      if (b["id"])
        s.id = r.text(b["id"], "study.id");
      if (!cli_file.empty())
        s.data_file = cli_file;
      else if (b["data"])
        {
          const std::filesystem::path data = r.text(b["data"], "study.data");
          s.data_file = (data.is_absolute() ? data : std::filesystem::path(study.file).parent_path() / data).string();
          if (!std::filesystem::exists(s.data_file))
            r.fail(b["data"], "study.data", "no such file: " + s.data_file + " (paths are relative to the study file)");
        }
      else
        r.fail(b, "study.data", "missing: give the TDM file here (relative to the study) or on the command line");
      s.data = read_tdm_csv(s.data_file, s.id);
      for (const TdmSample &sample : s.data.samples)
        if (sample.time_h > study.simulation.end_h)
          throw StudyError(s.data_file, sample.line, "TIME",
                           "sample at " + csv_number(sample.time_h) + " h is after simulation.end_h = " +
                             csv_number(study.simulation.end_h) + " h (extend simulation.end_h)");
    }
  } // namespace

  CalibrationSpec parse_calibration(const Study &study, const std::string &data_file)
  {
    const internal::Reader r(study.file);
    const YAML::Node       b = internal::study_block(study);
    if (!b || study.study_type != "calibrate")
      r.fail(b, "study.type", "this command needs a study block with type: calibrate");
    if (study.in_vitro())
      r.fail(b, "study.type", "a calibration to plasma levels needs an in vivo study");
    r.only_keys(b, "study", {"type", "data", "id", "parameters", "residual_error", "predictive_band", "max_iterations"});
    CalibrationSpec s;
    read_parameters(r, b, s);
    read_residual_error(r, b, s);
    read_band(r, b, s);
    if (b["max_iterations"])
      s.max_iterations = r.whole_number(b["max_iterations"], "study.max_iterations", 1, 1000);
    read_data(r, b, study, data_file, s);
    return s;
  }
} // namespace dermatwin::studies
