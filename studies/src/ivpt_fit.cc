// SPDX-License-Identifier: LGPL-2.1-or-later
// The fit_ivpt study block, the residual model and the fit (ivpt_fit.h).
#include <dermatwin/studies/ivpt_fit.h>
#include <dermatwin/studies/output.h>

#include "yaml_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>
#include <stdexcept>

namespace dermatwin::studies
{
  namespace
  {
    using internal::Reader;

    /// Full precision, so that finite-difference steps survive the text round trip.
    std::string exact_number(const double v)
    {
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "%.17g", v);
      return buffer;
    }

    // ------------------------------------------------------------ parameters

    /// The node at a --set style key path, or an undefined node.
    YAML::Node node_at(YAML::Node node, const std::string &key)
    {
      std::stringstream in(key);
      for (std::string part; std::getline(in, part, '.');)
        {
          if (!node || node.IsScalar())
            return YAML::Node(YAML::NodeType::Undefined);
          const bool index = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
          if (node.IsSequence())
            {
              if (!index || std::stoul(part) >= node.size())
                return YAML::Node(YAML::NodeType::Undefined);
              node.reset(node[std::stoul(part)]);
            }
          else
            node.reset(node[part]);
        }
      return node;
    }

    /// Checks that @p key names a number of the study; returns its current value (if any).
    std::optional<double> numeric_key_value(const Reader &r, const Study &study, const YAML::Node &where,
                                            const std::string &key, const std::string &path)
    {
      if (key.rfind("study.", 0) == 0 || key.rfind("simulation.", 0) == 0)
        r.fail(where, path, "'" + key + "' cannot be fitted (allowed: a physical study key, e.g. "
                            "skin.layers.0.diffusivity_cm2_per_s)");
      if (key.rfind("patient.", 0) == 0 && !study.has_patient)
        r.fail(where, path, "'" + key + "' needs a patient block in the study (without one the library skin "
                            "is not individualised)");
      const YAML::Node node = node_at(internal::study_tree(study), key);
      static const std::vector<std::string> text_keys = {"name", "type", "site", "sex", "product", "acupoint",
                                                         "preparation", "drug", "model", "format", "experiment"};
      const std::string last = key.substr(key.find_last_of('.') + 1);
      if (std::find(text_keys.begin(), text_keys.end(), last) != text_keys.end())
        r.fail(where, path, "'" + key + "' is not a numeric key");
      if (!node)
        return std::nullopt;
      try
        {
          if (node.IsScalar())
            return node.as<double>();
        }
      catch (const YAML::Exception &)
        {}
      r.fail(where, path, "'" + key + "' is not a numeric key of this study");
    }

    /// The study must accept @p value at @p key (range checks of the study itself).
    void check_value_in_study(const Reader &r, const Study &study, const YAML::Node &where,
                              const std::string &path, const std::string &key, const double value)
    {
      Overrides overrides = study.overrides;
      overrides.push_back(key + "=" + exact_number(value));
      try
        {
          parse_study(study.text, study.file, overrides);
        }
      catch (const StudyError &e)
        {
          r.fail(where, path, "the study does not accept " + key + " = " + exact_number(value) + " (" +
                                e.what() + ")");
        }
    }

    FitParameter read_parameter(const Reader &r, const Study &study, const YAML::Node &node,
                                const std::string &path)
    {
      r.only_keys(node, path, {"key", "initial", "low", "high", "scale"});
      if (!node["key"])
        r.fail(node, path + ".key", "missing: the study key to fit, e.g. skin.layers.0.diffusivity_cm2_per_s");
      FitParameter p;
      p.name                               = r.text(node["key"], path + ".key");
      const std::optional<double> current = numeric_key_value(r, study, node["key"], p.name, path + ".key");
      if (node["scale"])
        p.log_scale = r.choice(node["scale"], path + ".scale", {"log", "linear"}) == "log";
      const double big = std::numeric_limits<double>::max();
      p.low  = r.required_number(node, "low", path + ".", p.log_scale ? 0 : -big, big, !p.log_scale);
      p.high = r.required_number(node, "high", path + ".", p.low, big, false);
      if (node["initial"])
        p.initial = r.number(node["initial"], path + ".initial", p.low, p.high);
      else if (!current)
        r.fail(node, path + ".initial", "missing, and the study has no value at " + p.name + " to start from");
      else if (*current < p.low || *current > p.high)
        r.fail(node, path + ".initial", "missing, and the study's value " + exact_number(*current) +
                                          " is outside [low, high]");
      else
        p.initial = *current;
      check_value_in_study(r, study, node["low"], path + ".low", p.name, p.low);
      check_value_in_study(r, study, node["high"], path + ".high", p.name, p.high);
      check_value_in_study(r, study, node["initial"] ? node["initial"] : node, path + ".initial", p.name,
                           p.initial);
      return p;
    }

    // ------------------------------------------------------------------ data

    std::string data_path(const Reader &r, const Study &study, const YAML::Node &block,
                          const std::string &override_file)
    {
      if (!override_file.empty())
        return override_file;
      if (!block["data"])
        r.fail(block, "study.data", "missing: give study.data (a CSV file relative to the study) or the "
                                    "DATA.csv argument");
      const std::filesystem::path data = r.text(block["data"], "study.data");
      if (data.is_absolute())
        return data.string();
      return (std::filesystem::path(study.file).parent_path() / data).lexically_normal().string();
    }

    /// Replicate labels must not repeat at one time.
    void check_replicates(const IvptData &d)
    {
      std::map<std::pair<double, double>, int> seen;
      for (std::size_t i = 0; i < d.time_h.size(); ++i)
        if (!std::isnan(d.replicate[i]) && !seen.emplace(std::make_pair(d.time_h[i], d.replicate[i]), d.line[i]).second)
          throw StudyError(d.file, d.line[i], "replicate",
                           "replicate " + exact_number(d.replicate[i]) + " at time_h " + exact_number(d.time_h[i]) +
                             " already on line " + std::to_string(seen[{d.time_h[i], d.replicate[i]}]) +
                             " (allowed: one row per replicate and time)");
    }

    /// Rows per distinct time (sorted by time).
    std::map<double, std::vector<std::size_t>> rows_by_time(const IvptData &d)
    {
      std::map<double, std::vector<std::size_t>> rows;
      for (std::size_t i = 0; i < d.time_h.size(); ++i)
        rows[d.time_h[i]].push_back(i);
      return rows;
    }

    double sample_sd(const IvptData &d, const std::vector<std::size_t> &rows)
    {
      if (rows.size() < 2)
        return std::numeric_limits<double>::quiet_NaN();
      double mean = 0, ss = 0;
      for (const std::size_t i : rows)
        mean += d.cumulative_permeated_ug_per_cm2[i] / rows.size();
      for (const std::size_t i : rows)
        ss += std::pow(d.cumulative_permeated_ug_per_cm2[i] - mean, 2);
      return std::sqrt(ss / (rows.size() - 1));
    }

    std::vector<double> weights_sigma(const IvptFitSpec &spec)
    {
      const IvptData     &d = spec.data;
      std::vector<double> sigma(d.time_h.size(), 1.);
      if (spec.weighting == "proportional")
        for (std::size_t i = 0; i < sigma.size(); ++i)
          sigma[i] = std::max(d.cumulative_permeated_ug_per_cm2[i], spec.weight_floor_ug_per_cm2);
      else if (spec.weighting == "replicate_sd")
        for (const auto &[t, rows] : rows_by_time(d))
          {
            const double sd = sample_sd(d, rows);
            for (const std::size_t i : rows)
              sigma[i] = std::max(sd, spec.weight_floor_ug_per_cm2);
          }
      return sigma;
    }

    void check_data_for_fit(const Reader &r, const YAML::Node &block, const IvptFitSpec &spec)
    {
      const IvptData &d = spec.data;
      if (d.time_h.size() <= spec.parameters.size())
        r.fail(block["parameters"], "study.parameters",
               std::to_string(spec.parameters.size()) + " parameters need more than that many data rows; " +
                 d.file + " has " + std::to_string(d.time_h.size()));
      if (*std::max_element(d.time_h.begin(), d.time_h.end()) <= 0)
        throw StudyError(d.file, d.line.back(), "time_h", "all times are 0 (allowed: some time_h > 0)");
      if (spec.weighting == "replicate_sd")
        for (const auto &[t, rows] : rows_by_time(d))
          if (rows.size() < 2)
            throw StudyError(d.file, d.line[rows.front()], "time_h",
                             "only one measurement at time_h " + exact_number(t) +
                               ": weighting replicate_sd needs >= 2 replicates per time");
    }

    // ----------------------------------------------------------------- model

    /// Greatest common divisor of two times, to @p tol.
    double tolerant_gcd(double a, double b, const double tol)
    {
      if (a < b)
        std::swap(a, b);
      while (b > tol)
        {
          double rest = std::fmod(a, b);
          if (rest < tol || b - rest < tol)
            rest = 0;
          a = b, b = rest;
        }
      return a;
    }

    /// Output spacing whose grid contains every data time (to 0.36 s), or
    /// end/1000 when that grid would exceed 5000 rows.
    double output_step_h(const std::vector<double> &time_h)
    {
      const double end = *std::max_element(time_h.begin(), time_h.end());
      double       step = 0;
      for (const double t : time_h)
        if (t > 0)
          step = tolerant_gcd(step, t, 1e-4);
      return end / step > 5000 ? end / 1000 : step;
    }

    /// Q(t) by cubic Hermite interpolation with dQ/dt = flux_out.
    double cumulative_at(const TimeSeries &s, const double t)
    {
      const std::vector<double> &T = s.time_h, &Q = s.cumulative_permeated_ug_per_cm2,
                                &F = s.flux_out_ug_per_cm2_per_h;
      if (t <= T.front())
        return Q.front();
      if (t >= T.back())
        return Q.back();
      const std::size_t k = std::upper_bound(T.begin(), T.end(), t) - T.begin();
      const double      h = T[k] - T[k - 1], u = (t - T[k - 1]) / h;
      return (2 * u * u * u - 3 * u * u + 1) * Q[k - 1] + (u * u * u - 2 * u * u + u) * h * F[k - 1] +
             (-2 * u * u * u + 3 * u * u) * Q[k] + (u * u * u - u * u) * h * F[k];
    }

    Overrides parameter_overrides(const IvptFitSpec &spec, const std::vector<double> &values,
                                  std::string (*format)(double))
    {
      Overrides o;
      for (std::size_t j = 0; j < spec.parameters.size(); ++j)
        o.push_back(spec.parameters[j].name + "=" + format(values[j]));
      return o;
    }

    Result run_with(const Study &study, const IvptFitSpec &spec, const std::vector<double> &values,
                    const double end_h, const double output_every_h)
    {
      Overrides all = study.overrides;
      for (const std::string &o : parameter_overrides(spec, values, exact_number))
        all.push_back(o);
      all.push_back("simulation.end_h=" + exact_number(end_h));
      all.push_back("simulation.output_every_h=" + exact_number(output_every_h));
      all.push_back("simulation.relative_tolerance=" + exact_number(spec.model_relative_tolerance));
      return run_scenario(plan_scenario(parse_study(study.text, study.file, all), ResolvedText::skip));
    }

    Eigen::MatrixXd correlation_of(const Eigen::MatrixXd &covariance)
    {
      const Eigen::VectorXd sd = covariance.diagonal().cwiseSqrt();
      return sd.cwiseInverse().asDiagonal() * covariance * sd.cwiseInverse().asDiagonal();
    }
  } // namespace

  IvptData read_ivpt_data(const std::string &file)
  {
    const double        big   = std::numeric_limits<double>::max();
    const MeasuredTable table = read_measured_csv(file, {{"time_h", true, 0, 1e5},
                                                         {"cumulative_permeated_ug_per_cm2", true, 0, big},
                                                         {"replicate", false, -big, big}});
    IvptData d;
    d.file                            = file;
    d.line                            = table.line;
    d.time_h                          = table.column("time_h");
    d.cumulative_permeated_ug_per_cm2 = table.column("cumulative_permeated_ug_per_cm2");
    d.replicate = table.has("replicate") ? table.column("replicate") :
                                           std::vector<double>(d.time_h.size(), std::nan(""));
    check_replicates(d);
    return d;
  }

  IvptFitSpec parse_ivpt_fit(const Study &study, const std::string &data_file_override)
  {
    const Reader     r(study.file);
    const YAML::Node b = internal::study_block(study);
    if (!b || study.study_type != "fit_ivpt")
      r.fail(b, "study.type", "this command needs a study block with type: fit_ivpt");
    if (!study.in_vitro())
      r.fail(b["type"], "study.type", "fit_ivpt needs experiment: franz_cell (this study is in vivo)");
    r.only_keys(b, "study", {"type", "data", "parameters", "weighting", "weight_floor_ug_per_cm2",
                             "max_iterations", "model_relative_tolerance"});
    IvptFitSpec spec;
    const YAML::Node params = b["parameters"];
    if (!params || !params.IsSequence() || params.size() == 0 || params.size() > 10)
      r.fail(params ? params : b, "study.parameters", "expected a list of 1 to 10 parameters to fit");
    for (std::size_t i = 0; i < params.size(); ++i)
      {
        spec.parameters.push_back(read_parameter(r, study, params[i], "study.parameters." + std::to_string(i)));
        for (std::size_t k = 0; k < i; ++k)
          if (spec.parameters[k].name == spec.parameters[i].name)
            r.fail(params[i]["key"], "study.parameters." + std::to_string(i) + ".key",
                   "'" + spec.parameters[i].name + "' is already fitted (give each key once)");
      }
    if (b["weighting"])
      spec.weighting = r.choice(b["weighting"], "study.weighting", {"proportional", "replicate_sd", "uniform"});
    if (b["max_iterations"])
      spec.max_iterations = r.whole_number(b["max_iterations"], "study.max_iterations", 1, 1000);
    spec.model_relative_tolerance =
      r.number_or(b, "model_relative_tolerance", "study.", 1e-8, 1e-12, 1e-4);

    spec.data_file = data_path(r, study, b, data_file_override);
    spec.data      = read_ivpt_data(spec.data_file);
    const double y_max = *std::max_element(spec.data.cumulative_permeated_ug_per_cm2.begin(),
                                           spec.data.cumulative_permeated_ug_per_cm2.end());
    if (!(y_max > 0))
      throw StudyError(spec.data_file, spec.data.line.front(), "cumulative_permeated_ug_per_cm2",
                       "every measured value is 0 (allowed: some values > 0)");
    spec.weight_floor_ug_per_cm2 =
      r.number_or(b, "weight_floor_ug_per_cm2", "study.", 0.02 * y_max, 0, 1e12, false);
    check_data_for_fit(r, b, spec);
    return spec;
  }

  std::vector<double> ivpt_model_at(const Study &study, const IvptFitSpec &spec,
                                    const std::vector<double> &values, const std::vector<double> &time_h)
  {
    const double end_h  = *std::max_element(time_h.begin(), time_h.end());
    const Result result = run_with(study, spec, values, end_h, output_step_h(time_h));
    std::vector<double> q;
    for (const double t : time_h)
      q.push_back(cumulative_at(result.series, t));
    return q;
  }

  IvptFitResult run_ivpt_fit(const Study &study, const IvptFitSpec &spec, const FitProgress &progress)
  {
    const IvptData     &d = spec.data;
    IvptFitResult       out;
    out.sigma               = weights_sigma(spec);
    unsigned int evaluations = 0;
    double       best_cost   = std::numeric_limits<double>::infinity();
    std::string  model_failure;
    const ResidualFunction residuals = [&](const std::vector<double> &values) {
      Eigen::VectorXd r = Eigen::VectorXd::Constant(d.time_h.size(), std::nan(""));
      try
        {
          const std::vector<double> q = ivpt_model_at(study, spec, values, d.time_h);
          for (std::size_t i = 0; i < q.size(); ++i)
            r[i] = (d.cumulative_permeated_ug_per_cm2[i] - q[i]) / out.sigma[i];
        }
      catch (const std::runtime_error &e) // e.g. the integrator fails at extreme values: a rejected step
        {
          if (std::string(e.what()) == "cancelled" || dynamic_cast<const StudyError *>(&e))
            throw;
          model_failure = e.what();
        }
      const double cost = 0.5 * r.squaredNorm();
      if (std::isfinite(cost))
        best_cost = std::min(best_cost, cost);
      if (progress && !progress(++evaluations, cost, best_cost))
        throw std::runtime_error("cancelled");
      return r;
    };
    FitOptions options;
    options.max_iterations         = spec.max_iterations;
    options.finite_difference_step = 1e-4; // >> integrator noise (model_relative_tolerance)
    try
      {
        out.fit = fit_least_squares(spec.parameters, residuals, options, true);
      }
    catch (const std::invalid_argument &e)
      {
        throw std::runtime_error(std::string(e.what()) +
                                 (model_failure.empty() ? "" : " (model failure: " + model_failure + ")"));
      }
    out.correlation      = correlation_of(out.fit.covariance);
    out.residual_sd      = std::sqrt(out.fit.residual_variance);
    out.fitted_overrides = parameter_overrides(spec, out.fit.estimate, csv_number);
    out.model            = ivpt_model_at(study, spec, out.fit.estimate, d.time_h);
    for (std::size_t i = 0; i < out.model.size(); ++i)
      out.residual.push_back((d.cumulative_permeated_ug_per_cm2[i] - out.model[i]) / out.sigma[i]);
    const double end_h = std::max(study.simulation.end_h, *std::max_element(d.time_h.begin(), d.time_h.end()));
    out.fitted_run     = run_with(study, spec, out.fit.estimate, end_h, end_h / 400);
    return out;
  }
} // namespace dermatwin::studies
