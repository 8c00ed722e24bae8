// SPDX-License-Identifier: LGPL-2.1-or-later
// Output files of `dermatwin fit-ivpt` (ivpt_fit.h, docs/study-methods/fit-ivpt.md).
#include <dermatwin/studies/ivpt_fit.h>
#include <dermatwin/studies/output.h>

#include "yaml_reader.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <map>
#include <sstream>

namespace dermatwin::studies
{
  namespace
  {
    nlohmann::json number_or_null(const double v)
    {
      return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    }

    nlohmann::json optional_number(const std::optional<double> &v)
    {
      return v ? number_or_null(*v) : nlohmann::json(nullptr);
    }

    /// Measured mean, SD and count per distinct time.
    struct TimePoint
    {
      double model = NAN, mean = 0, sd = NAN;
      int    n     = 0;
    };

    std::map<double, TimePoint> measured_by_time(const IvptFitSpec &spec, const IvptFitResult &result)
    {
      const IvptData             &d = spec.data;
      std::map<double, TimePoint> points;
      for (std::size_t i = 0; i < d.time_h.size(); ++i)
        {
          TimePoint &p = points[d.time_h[i]];
          p.model      = result.model[i];
          p.mean += d.cumulative_permeated_ug_per_cm2[i];
          ++p.n;
        }
      for (auto &[t, p] : points)
        p.mean /= p.n;
      std::map<double, double> squares;
      for (std::size_t i = 0; i < d.time_h.size(); ++i)
        squares[d.time_h[i]] += std::pow(d.cumulative_permeated_ug_per_cm2[i] - points[d.time_h[i]].mean, 2);
      for (auto &[t, p] : points)
        if (p.n > 1)
          p.sd = std::sqrt(squares[t] / (p.n - 1));
      return points;
    }
  } // namespace

  std::string ivpt_estimates_json(const Study &study, const IvptFitSpec &spec, const IvptFitResult &r)
  {
    const FitResult &f = r.fit;
    nlohmann::json   j;
    j["study"]     = study.file;
    j["data"]      = spec.data_file;
    j["weighting"] = spec.weighting;
    j["weight_floor_ug_per_cm2"] = spec.weight_floor_ug_per_cm2;
    for (std::size_t k = 0; k < f.estimate.size(); ++k)
      j["parameters"].push_back({{"key", f.names[k]},
                                 {"scale", spec.parameters[k].log_scale ? "log" : "linear"},
                                 {"initial", spec.parameters[k].initial},
                                 {"low", spec.parameters[k].low},
                                 {"high", spec.parameters[k].high},
                                 {"estimate", f.estimate[k]},
                                 {"standard_error", number_or_null(f.standard_error[k])},
                                 {"ci95_low", number_or_null(f.ci_low[k])},
                                 {"ci95_high", number_or_null(f.ci_high[k])}});
    for (Eigen::Index a = 0; a < r.correlation.rows(); ++a)
      {
        nlohmann::json row = nlohmann::json::array();
        for (Eigen::Index b = 0; b < r.correlation.cols(); ++b)
          row.push_back(number_or_null(r.correlation(a, b)));
        j["correlation"].push_back(row);
      }
    j["correlation_of"]        = "fitted coordinates (log of log-scale parameters)";
    j["interval_quantile"]     = f.interval_quantile;
    j["n_observations"]        = spec.data.time_h.size();
    j["degrees_of_freedom"]    = spec.data.time_h.size() - f.estimate.size();
    j["cost"]                  = f.cost;
    j["residual_sd"]           = number_or_null(r.residual_sd);
    j["iterations"]            = f.iterations;
    j["evaluations"]           = f.evaluations;
    j["converged"]             = f.converged;
    j["message"]               = f.message;
    const Summary &s           = r.fitted_run.summary;
    j["fitted_model"]          = {{"steady_state_flux_ug_per_cm2_per_h", optional_number(s.steady_state_flux_ug_per_cm2_per_h)},
                                  {"lag_time_h", optional_number(s.lag_time_h)},
                                  {"permeability_coefficient_cm_per_h", optional_number(s.permeability_coefficient_cm_per_h)},
                                  {"end_h", r.fitted_run.series.time_h.back()}};
    j["dermatwin_version"]     = version();
    return j.dump(2) + "\n";
  }

  std::string ivpt_fitted_curve_csv(const IvptFitSpec &spec, const IvptFitResult &r)
  {
    std::map<double, TimePoint> rows = measured_by_time(spec, r);
    const TimeSeries           &s    = r.fitted_run.series;
    for (std::size_t k = 0; k < s.time_h.size(); ++k)
      {
        auto near = rows.lower_bound(s.time_h[k] - 1e-9);
        if (near == rows.end() || near->first > s.time_h[k] + 1e-9)
          rows[s.time_h[k]].model = s.cumulative_permeated_ug_per_cm2[k];
      }
    std::ostringstream out;
    out << "time_h,model_cumulative_permeated_ug_per_cm2,measured_mean_ug_per_cm2,measured_sd_ug_per_cm2,"
           "n_measured\n";
    for (const auto &[t, p] : rows)
      out << csv_number(t) << "," << csv_number(p.model) << "," << (p.n ? csv_number(p.mean) : "") << ","
          << csv_number(p.sd) << "," << p.n << "\n";
    return out.str();
  }

  std::string ivpt_residuals_csv(const IvptFitSpec &spec, const IvptFitResult &r)
  {
    const IvptData    &d = spec.data;
    std::ostringstream out;
    out << "data_line,replicate,time_h,measured_cumulative_permeated_ug_per_cm2,"
           "model_cumulative_permeated_ug_per_cm2,sigma_ug_per_cm2,weighted_residual\n";
    for (std::size_t i = 0; i < d.time_h.size(); ++i)
      out << d.line[i] << "," << csv_number(d.replicate[i]) << "," << csv_number(d.time_h[i]) << ","
          << csv_number(d.cumulative_permeated_ug_per_cm2[i]) << "," << csv_number(r.model[i]) << ","
          << csv_number(r.sigma[i]) << "," << csv_number(r.residual[i]) << "\n";
    return out.str();
  }

  std::string ivpt_fitted_study_yaml(const Study &study, const IvptFitSpec &spec, const IvptFitResult &r)
  {
    Study fitted = study;
    fitted.overrides.insert(fitted.overrides.end(), r.fitted_overrides.begin(), r.fitted_overrides.end());
    YAML::Node tree = internal::study_tree(fitted);
    tree.remove("study");
    std::ostringstream header;
    header << "# Fitted by dermatwin fit-ivpt " << version() << "\n# study: " << study.file
           << "\n# data: " << spec.data_file << " (" << spec.weighting << " weighting)\n";
    for (std::size_t k = 0; k < r.fit.estimate.size(); ++k)
      header << "# " << r.fit.names[k] << " = " << csv_number(r.fit.estimate[k]) << "  (95 % CI "
             << csv_number(r.fit.ci_low[k]) << " .. " << csv_number(r.fit.ci_high[k]) << ")\n";
    YAML::Emitter emitter;
    emitter << tree;
    return header.str() + emitter.c_str() + "\n";
  }
} // namespace dermatwin::studies
