// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/studies/output.h>
#include <dermatwin/studies/sensitivity_study.h>

#include "yaml_reader.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <set>
#include <sstream>

namespace dermatwin::studies
{
  namespace
  {
    /// Outputs that exist only in vivo (plasma) or only in vitro (receptor).
    const std::vector<std::string> in_vivo_outputs = {"cmax_ng_per_mL", "tmax_h", "auc_0_last_ng_h_per_mL",
                                                      "apparent_half_life_after_removal_h"};
    const std::vector<std::string> in_vitro_outputs = {"steady_state_flux_ug_per_cm2_per_h", "lag_time_h",
                                                       "permeability_coefficient_cm_per_h"};

    bool contains(const std::vector<std::string> &list, const std::string &name)
    {
      return std::find(list.begin(), list.end(), name) != list.end();
    }

    std::vector<std::string> read_outputs(const internal::Reader &r, const YAML::Node &block, const Study &study)
    {
      const YAML::Node node = block["outputs"];
      if (!node)
        return study.in_vitro() ?
                 std::vector<std::string>{"steady_state_flux_ug_per_cm2_per_h", "lag_time_h",
                                          "cumulative_absorbed_ug"} :
                 std::vector<std::string>{"cmax_ng_per_mL", "tmax_h", "auc_0_last_ng_h_per_mL", "delivered_ug"};
      if (!node.IsSequence() || node.size() == 0)
        r.fail(node, "study.outputs", "expected a non-empty list (allowed: " + internal::join(summary_metric_names()) + ")");
      std::vector<std::string> outputs;
      for (const auto &entry : node)
        {
          const std::string name = r.choice(entry, "study.outputs", summary_metric_names());
          if (contains(outputs, name))
            r.fail(entry, "study.outputs", "'" + name + "' is listed twice");
          if (contains(study.in_vitro() ? in_vivo_outputs : in_vitro_outputs, name))
            r.fail(entry, "study.outputs", "'" + name + "' is not defined for " +
                                             (study.in_vitro() ? "a franz_cell" : "an in_vivo") + " experiment");
          outputs.push_back(name);
        }
      return outputs;
    }

    ParameterRange read_range(const internal::Reader &r, const YAML::Node &node, const std::string &path)
    {
      r.only_keys(node, path, {"key", "low", "high", "scale"});
      if (!node["key"])
        r.fail(node, path + ".key", "missing: the study key to vary, e.g. patient.age_years");
      ParameterRange p;
      p.name = r.text(node["key"], path + ".key");
      if (p.name == "study" || p.name.rfind("study.", 0) == 0)
        r.fail(node["key"], path + ".key", "the study block itself cannot be varied");
      p.low  = r.required_number(node, "low", path + ".", -1e12, 1e12);
      p.high = r.required_number(node, "high", path + ".", -1e12, 1e12);
      if (!(p.low < p.high))
        r.fail(node["high"], path + ".high",
               "the range of " + p.name + " must have high > low (low is " + csv_number(p.low) + ")");
      if (node["scale"])
        p.log_scale = r.choice(node["scale"], path + ".scale", {"linear", "log"}) == "log";
      if (p.log_scale && !(p.low > 0))
        r.fail(node["low"], path + ".low", "scale: log needs low > 0");
      return p;
    }

    /// The node at a `--set` key path, if the study has it.
    std::optional<YAML::Node> node_at(const YAML::Node &root, const std::string &key)
    {
      YAML::Node        node = YAML::Clone(root);
      std::stringstream in(key);
      for (std::string part; std::getline(in, part, '.');)
        {
          const bool index = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
          const YAML::Node &parent = node;
          if (index && parent.IsSequence() && std::stoul(part) < parent.size())
            node.reset(parent[std::stoul(part)]);
          else if (parent.IsMap() && parent[part])
            node.reset(parent[part]);
          else
            return std::nullopt;
        }
      return node;
    }

    /// A key the study has must hold a single number.
    void check_numeric(const internal::Reader &r, const Study &study, const YAML::Node &key_node,
                       const std::string &path, const std::string &key)
    {
      // Names are free text that the parser accepts for any number.
      if (key.substr(key.rfind('.') + 1) == "name")
        r.fail(key_node, path, "'" + key + "' is a text key (a name), not a number");
      const std::optional<YAML::Node> node = node_at(internal::study_tree(study), key);
      if (!node)
        return; // absent keys (e.g. a factor that defaults to 1) are checked by parsing
      if (!node->IsScalar())
        r.fail(key_node, path, "'" + key + "' is a " + (node->IsMap() ? "mapping" : "list") +
                                 " in the study, not a single number");
      try
        {
          node->as<double>();
        }
      catch (const YAML::Exception &)
        {
          r.fail(key_node, path, "'" + key + "' is not numeric in the study (its value is '" + node->Scalar() + "')");
        }
    }

    /// The message of a StudyError without its FILE:LINE: prefix.
    std::string bare_message(const StudyError &e)
    {
      const std::string text = e.what(), prefix = e.file + ":" + std::to_string(e.line) + ": ";
      return text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
    }

    /// Parses and plans the study with the key set to @p value; a failure is
    /// reported at the parameter's entry in the study block.
    void check_value(const internal::Reader &r, const Study &study, const YAML::Node &key_node,
                     const std::string &path, const std::string &key, const double value, const std::string &where)
    {
      Overrides overrides = study.overrides;
      overrides.push_back(key + "=" + csv_number(value));
      std::string problem;
      try
        {
          plan_scenario(parse_study(study.text, study.file, overrides));
          return;
        }
      catch (const StudyError &e)
        {
          problem = bare_message(e);
        }
      catch (const std::exception &e)
        {
          problem = e.what();
        }
      r.fail(key_node, path, key + " = " + csv_number(value) + " (" + where + ") does not make a valid study: " +
                               problem);
    }

    void check_parameter_key(const internal::Reader &r, const Study &study, const YAML::Node &node,
                             const std::string &path, const ParameterRange &p)
    {
      check_numeric(r, study, node["key"], path + ".key", p.name);
      // An interior, non-round value catches keys that take whole numbers only.
      const double inside = p.log_scale ? p.low * std::pow(p.high / p.low, 0.382) : p.low + 0.382 * (p.high - p.low);
      check_value(r, study, node["key"], path + ".key", p.name, p.low, "the low end");
      check_value(r, study, node["key"], path + ".key", p.name, p.high, "the high end");
      check_value(r, study, node["key"], path + ".key", p.name, inside,
                  "inside the range; the key must take any number between low and high");
    }

    std::vector<ParameterRange> read_parameters(const internal::Reader &r, const YAML::Node &block,
                                                const Study &study, const std::string &method)
    {
      const YAML::Node list = block["parameters"];
      if (!list || !list.IsSequence() || list.size() == 0)
        r.fail(list ? list : block, "study.parameters",
               "expected a list of {key, low, high[, scale: log]} entries");
      const std::size_t max_parameters = method == "sobol" ? sobol_max_parameters : 1000;
      if (list.size() > max_parameters)
        r.fail(list, "study.parameters", "too many parameters (allowed: 1.." + std::to_string(max_parameters) +
                                           (method == "sobol" ? "; screen more with method: morris)" : ")"));
      std::vector<ParameterRange> parameters;
      for (std::size_t i = 0; i < list.size(); ++i)
        {
          const std::string    path = "study.parameters." + std::to_string(i);
          const ParameterRange p    = read_range(r, list[i], path);
          for (const ParameterRange &q : parameters)
            if (q.name == p.name)
              r.fail(list[i]["key"], path + ".key", "'" + p.name + "' is listed twice");
          check_parameter_key(r, study, list[i], path, p);
          parameters.push_back(p);
        }
      return parameters;
    }

    /// Keys of the other method are refused rather than silently ignored.
    void refuse_other_method_keys(const internal::Reader &r, const YAML::Node &block, const std::string &method)
    {
      const std::vector<std::string> sobol_keys = {"base_samples", "bootstrap"}, morris_keys = {"trajectories", "levels"};
      for (const std::string &key : method == "sobol" ? morris_keys : sobol_keys)
        if (block[key] && !block[key].IsNull()) // null (e.g. --set study.bootstrap=null) = absent
          r.fail(block[key], "study." + key,
                 "only for method: " + std::string(method == "sobol" ? "morris" : "sobol") +
                   " (this block has method: " + method + ")");
    }

    void read_method_settings(const internal::Reader &r, const YAML::Node &b, SensitivitySpec &s)
    {
      if (s.method == "sobol")
        {
          if (b["base_samples"])
            s.base_samples = r.whole_number(b["base_samples"], "study.base_samples", 4, 1 << 20);
          // The Sobol' net property (balanced A and B) holds for N = 2^m only.
          if (s.base_samples & (s.base_samples - 1))
            r.fail(b["base_samples"], "study.base_samples",
                   "must be a power of two (allowed: 4, 8, 16, ..., 1048576)");
          if (b["bootstrap"])
            s.bootstrap = r.whole_number(b["bootstrap"], "study.bootstrap", 0, 100000);
          return;
        }
      if (b["trajectories"])
        s.trajectories = r.whole_number(b["trajectories"], "study.trajectories", 2, 100000);
      if (b["levels"])
        s.levels = r.whole_number(b["levels"], "study.levels", 2, 100);
      if (s.levels % 2)
        r.fail(b["levels"], "study.levels", "must be even (allowed: 2, 4, 6, ..., 100)");
    }

    /// Throws the error for an output that is undefined in one run.
    [[noreturn]] void undefined_output(const Study &study, const std::string &name, const std::size_t run,
                                       const Overrides &overrides)
    {
      const internal::Reader r(study.file);
      const YAML::Node       block = internal::study_block(study);
      YAML::Node             where = block["outputs"] ? block["outputs"] : block;
      if (block["outputs"])
        for (const auto &entry : block["outputs"])
          if (entry.IsScalar() && entry.Scalar() == name)
            where.reset(entry);
      std::string point;
      for (const std::string &o : overrides)
        point += (point.empty() ? "" : ", ") + o;
      r.fail(where, "study.outputs",
             "output '" + name + "' is undefined in run " + std::to_string(run) + " (" + point +
               "); choose outputs defined in every run (the half-life needs every patch removed before end_h; "
               "flux, lag time and kp need a steady state)");
    }

    nlohmann::json number_or_null(const double v)
    {
      return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    }

    nlohmann::json output_statistics(const SensitivityResult &result, const std::size_t k)
    {
      double sum = 0, sum_sq = 0, low = INFINITY, high = -INFINITY;
      const double n = double(result.outputs.size());
      for (const auto &row : result.outputs)
        sum += row[k], low = std::min(low, row[k]), high = std::max(high, row[k]);
      const double mean = sum / n;
      for (const auto &row : result.outputs)
        sum_sq += (row[k] - mean) * (row[k] - mean);
      return {{"mean", number_or_null(mean)},
              {"sd", number_or_null(n > 1 ? std::sqrt(sum_sq / (n - 1)) : NAN)},
              {"min", number_or_null(low)},
              {"max", number_or_null(high)},
              {"constant", !(high > low)}};
    }

    nlohmann::json indices_json(const SensitivitySpec &spec, const SensitivityResult &result, const std::size_t k)
    {
      nlohmann::json j;
      for (std::size_t i = 0; i < spec.parameters.size(); ++i)
        {
          nlohmann::json &p = j[spec.parameters[i].name];
          if (result.sobol)
            {
              const SobolIndices &s = result.sobol->per_output[k];
              p = {{"S1", number_or_null(s.first_order[i])},
                   {"S1_ci", {number_or_null(s.first_order_ci_low[i]), number_or_null(s.first_order_ci_high[i])}},
                   {"ST", number_or_null(s.total[i])},
                   {"ST_ci", {number_or_null(s.total_ci_low[i]), number_or_null(s.total_ci_high[i])}}};
            }
          else
            p = {{"mu_star", number_or_null(result.morris->mu_star[k][i])},
                 {"mu", number_or_null(result.morris->mu[k][i])},
                 {"sigma", number_or_null(result.morris->sigma[k][i])}};
        }
      return j;
    }
  } // namespace

  unsigned int SensitivitySpec::n_runs() const
  {
    const unsigned int d = unsigned(parameters.size());
    return method == "sobol" ? base_samples * (d + 2) : trajectories * (d + 1);
  }

  SensitivitySpec parse_sensitivity(const Study &study)
  {
    const internal::Reader r(study.file);
    const YAML::Node       b = internal::study_block(study);
    if (!b || study.study_type != "sensitivity")
      r.fail(b, "study.type", "this command needs a study block with type: sensitivity");
    r.only_keys(b, "study", {"type", "method", "outputs", "parameters", "base_samples", "bootstrap", "seed",
                             "trajectories", "levels"});
    SensitivitySpec s;
    if (b["method"])
      s.method = r.choice(b["method"], "study.method", {"sobol", "morris"});
    refuse_other_method_keys(r, b, s.method);
    read_method_settings(r, b, s);
    if (b["seed"])
      s.seed = r.whole_number(b["seed"], "study.seed", 0, 4e9);
    s.outputs    = read_outputs(r, b, study);
    s.parameters = read_parameters(r, b, study, s.method);
    return s;
  }

  Overrides point_overrides(const SensitivitySpec &spec, const std::vector<double> &point)
  {
    Overrides o;
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
      o.push_back(spec.parameters[i].name + "=" + csv_number(point[i]));
    return o;
  }

  SensitivityResult run_sensitivity(const Study &study, const SensitivitySpec &spec, const unsigned int n_threads,
                                    const BatchProgress &progress)
  {
    const auto        start = std::chrono::steady_clock::now();
    SensitivityResult result;
    result.n_threads = n_threads;
    const BatchEvaluator evaluate = [&](const std::vector<std::vector<double>> &points) {
      std::vector<Overrides> runs;
      for (const auto &point : points)
        runs.push_back(point_overrides(spec, point));
      const std::vector<Result> results = run_batch(study, runs, n_threads, progress);
      std::vector<std::vector<double>> outputs;
      for (std::size_t i = 0; i < results.size(); ++i)
        {
          std::vector<double> &row = outputs.emplace_back();
          for (const std::string &name : spec.outputs)
            {
              row.push_back(summary_metric(results[i], name));
              if (!std::isfinite(row.back()))
                undefined_output(study, name, i, runs[i]);
            }
        }
      result.points  = points;
      result.outputs = outputs;
      return outputs;
    };
    if (spec.method == "sobol")
      result.sobol = sobol_indices(spec.parameters, evaluate, spec.base_samples, spec.bootstrap, spec.seed);
    else
      result.morris = morris_screening(spec.parameters, evaluate, spec.trajectories, spec.levels, spec.seed);
    result.wall_time_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    return result;
  }

  std::string sensitivity_csv(const SensitivitySpec &spec, const SensitivityResult &result)
  {
    std::ostringstream out;
    out << (result.sobol ? "output,parameter,S1,S1_ci_low,S1_ci_high,ST,ST_ci_low,ST_ci_high\n" :
                           "output,parameter,mu_star,mu,sigma\n");
    for (std::size_t k = 0; k < spec.outputs.size(); ++k)
      for (std::size_t i = 0; i < spec.parameters.size(); ++i)
        {
          out << spec.outputs[k] << "," << spec.parameters[i].name;
          std::vector<double> cells;
          if (result.sobol)
            {
              const SobolIndices &s = result.sobol->per_output[k];
              cells = {s.first_order[i], s.first_order_ci_low[i], s.first_order_ci_high[i],
                       s.total[i],       s.total_ci_low[i],       s.total_ci_high[i]};
            }
          else
            cells = {result.morris->mu_star[k][i], result.morris->mu[k][i], result.morris->sigma[k][i]};
          for (const double v : cells)
            out << "," << csv_number(v);
          out << "\n";
        }
    return out.str();
  }

  std::string sensitivity_runs_csv(const SensitivitySpec &spec, const SensitivityResult &result)
  {
    std::ostringstream out;
    out << "run";
    for (const ParameterRange &p : spec.parameters)
      out << "," << p.name;
    for (const std::string &name : spec.outputs)
      out << "," << name;
    out << "\n";
    for (std::size_t run = 0; run < result.points.size(); ++run)
      {
        out << run;
        for (const double v : result.points[run])
          out << "," << csv_number(v);
        for (const double v : result.outputs[run])
          out << "," << csv_number(v);
        out << "\n";
      }
    return out.str();
  }

  std::string sensitivity_summary_json(const SensitivitySpec &spec, const SensitivityResult &result)
  {
    nlohmann::json j;
    j["method"]  = spec.method;
    j["outputs"] = spec.outputs;
    for (const ParameterRange &p : spec.parameters)
      j["parameters"].push_back(
        {{"key", p.name}, {"low", p.low}, {"high", p.high}, {"scale", p.log_scale ? "log" : "linear"}});
    if (spec.method == "sobol")
      j["base_samples"] = spec.base_samples, j["bootstrap"] = spec.bootstrap;
    else
      j["trajectories"] = spec.trajectories, j["levels"] = spec.levels;
    j["seed"]              = spec.seed;
    j["runs"]              = result.points.size();
    j["threads"]           = result.n_threads;
    j["wall_time_s"]       = result.wall_time_s;
    j["dermatwin_version"] = version();
    for (std::size_t k = 0; k < spec.outputs.size(); ++k)
      {
        j["output_statistics"][spec.outputs[k]] = output_statistics(result, k);
        j["indices"][spec.outputs[k]]           = indices_json(spec, result, k);
      }
    return j.dump(2) + "\n";
  }
} // namespace dermatwin::studies
