// SPDX-License-Identifier: LGPL-2.1-or-later
// run_calibration: MAP fit of a person's factors to TDM data, predictive band
// and the calibrated study (equations in calibration.h).
#include <dermatwin/studies/calibration.h>
#include <dermatwin/studies/output.h>

#include "yaml_reader.h"

#include <Eigen/Cholesky>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <sstream>

namespace dermatwin::studies
{
  double ResidualError::sd_ng_per_mL(const double c) const
  {
    return std::sqrt(additive_ng_per_mL * additive_ng_per_mL + proportional * proportional * c * c);
  }

  namespace
  {
    /// Linear interpolation of y(t) at x (t sorted; constant beyond the ends).
    double interpolate(const std::vector<double> &t, const std::vector<double> &y, const double x)
    {
      const auto upper = std::upper_bound(t.begin(), t.end(), x);
      if (upper == t.begin())
        return y.front();
      if (upper == t.end())
        return y.back();
      const std::size_t k = upper - t.begin();
      return y[k - 1] + (x - t[k - 1]) / (t[k] - t[k - 1]) * (y[k] - y[k - 1]);
    }

    Overrides parameter_overrides(const std::vector<CalibrationParameter> &parameters,
                                  const std::vector<double>               &values)
    {
      Overrides o;
      for (std::size_t k = 0; k < parameters.size(); ++k)
        o.push_back(parameters[k].key + "=" + csv_number(values[k]));
      return o;
    }

    std::vector<double> prior_medians(const std::vector<CalibrationParameter> &parameters)
    {
      std::vector<double> m;
      for (const CalibrationParameter &p : parameters)
        m.push_back(p.median);
      return m;
    }

    /// The twin's plasma course under @p values, simulated up to @p end_h
    /// (the last output row is exactly at end_h).
    class Twin
    {
    public:
      Twin(const Study &study, const CalibrationSpec &spec, const CalibrationProgress &progress)
        : study_(study), spec_(spec), progress_(progress)
      {}

      TimeSeries course(const std::vector<double> &values, const double end_h)
      {
        if (progress_ && !progress_("fit", runs, 0))
          throw std::runtime_error("cancelled");
        ++runs;
        Overrides all = study_.overrides;
        for (const std::string &o : parameter_overrides(spec_.parameters, values))
          all.push_back(o);
        ScenarioPlan plan = plan_scenario(parse_study(study_.text, study_.file, all), ResolvedText::skip);
        plan.end_h        = std::min(plan.end_h, end_h);
        return run_scenario(plan).series;
      }

      /// Plasma [ng/mL] at the sample times, from a run that ends at the last sample.
      std::vector<double> at_samples(const std::vector<double> &values)
      {
        const std::vector<TdmSample> &samples = spec_.data.samples;
        const TimeSeries              s       = course(values, samples.back().time_h);
        std::vector<double>           c;
        for (const TdmSample &sample : samples)
          c.push_back(interpolate(s.time_h, s.plasma_ng_per_mL, sample.time_h));
        return c;
      }

      unsigned int runs = 0;

    private:
      const Study               &study_;
      const CalibrationSpec     &spec_;
      const CalibrationProgress &progress_;
    };

    MapResult fit(Twin &twin, const CalibrationSpec &spec)
    {
      std::vector<FitParameter> parameters;
      std::vector<Prior>        priors;
      for (const CalibrationParameter &p : spec.parameters)
        {
          parameters.push_back({p.key, p.median, p.low, p.high, true});
          priors.push_back({p.median, p.omega});
        }
      const std::vector<TdmSample> &samples = spec.data.samples;
      const ResidualFunction residuals = [&](const std::vector<double> &values) {
        const std::vector<double> c = twin.at_samples(values);
        Eigen::VectorXd           r(samples.size());
        for (std::size_t i = 0; i < samples.size(); ++i)
          r[i] = (samples[i].concentration_ng_per_mL - c[i]) /
                 spec.residual_error.sd_ng_per_mL(samples[i].concentration_ng_per_mL);
        return r;
      };
      FitOptions options;
      options.max_iterations = spec.max_iterations;
      options.tolerance      = 1e-6;
      // Steps of 1e-4 in log(theta) stay above the noise of the adaptive
      // integrator (noiseless data are recovered to 1e-4: test_calibration).
      options.finite_difference_step = 1e-4;
      return fit_map(parameters, priors, residuals, options);
    }

    /// Draws of the parameters from the Laplace posterior, as override lists.
    std::vector<Overrides> posterior_draws(const CalibrationResult &r, const PredictiveBand &band)
    {
      const std::size_t n_p = r.parameters.size();
      Eigen::LLT<Eigen::MatrixXd> llt(r.fit.covariance);
      if (llt.info() != Eigen::Success || !r.fit.covariance.allFinite())
        throw std::runtime_error("calibration: the posterior covariance is not positive definite");
      const Eigen::MatrixXd  lower = llt.matrixL();
      std::vector<Overrides> draws;
      for (unsigned int i = 0; i < band.samples; ++i)
        {
          std::seed_seq   seq{std::uint32_t(band.seed), std::uint32_t(band.seed >> 32), std::uint32_t(i), 0xca1bu};
          std::mt19937_64 rng(seq);
          Eigen::VectorXd z(n_p);
          for (std::size_t k = 0; k < n_p; ++k)
            z[k] = std::normal_distribution<double>(0., 1.)(rng);
          const Eigen::VectorXd eta = lower * z;
          std::vector<double>   values;
          for (std::size_t k = 0; k < n_p; ++k)
            values.push_back(std::clamp(r.fit.estimate[k] * std::exp(eta[k]), r.parameters[k].low,
                                        r.parameters[k].high));
          draws.push_back(parameter_overrides(r.parameters, values));
        }
      return draws;
    }

    /// Rows of the prediction: the output grid plus one row per sample.
    std::vector<double> prediction_times(const std::vector<double> &grid, const TdmData &data)
    {
      std::vector<double> t = grid;
      for (const TdmSample &s : data.samples)
        if (std::none_of(t.begin(), t.end(), [&](double g) { return std::abs(g - s.time_h) < 1e-9; }))
          t.push_back(s.time_h);
      std::sort(t.begin(), t.end());
      return t;
    }

    void add_band(CalibrationResult &r, const CalibrationSpec &spec, const std::vector<Result> &runs)
    {
      r.band_percentiles = spec.band.percentiles;
      r.band_ng_per_mL.assign(spec.band.percentiles.size(), std::vector<double>(r.time_h.size()));
      std::normal_distribution<double> normal(0., 1.);
      std::mt19937_64                  rng(spec.band.seed ^ 0x5e51d0a1ULL);
      for (std::size_t row = 0; row < r.time_h.size(); ++row)
        {
          std::vector<double> c;
          for (const Result &run : runs)
            {
              double value = interpolate(run.series.time_h, run.series.plasma_ng_per_mL, r.time_h[row]);
              if (spec.band.include_residual_error)
                value += spec.residual_error.sd_ng_per_mL(value) * normal(rng);
              c.push_back(value);
            }
          for (std::size_t p = 0; p < r.band_percentiles.size(); ++p)
            r.band_ng_per_mL[p][row] = percentile(c, r.band_percentiles[p]);
        }
    }

    std::string calibrated_yaml(const Study &study, const CalibrationResult &r)
    {
      YAML::Node root = internal::study_tree(study, r.individual_overrides);
      root.remove("study");
      const std::string name = study.name.empty() ? std::filesystem::path(study.file).stem().string() : study.name;
      root["name"]           = name + " (calibrated twin)";
      std::ostringstream out;
      out << "# DermaTwin calibrated twin: " << study.file << " fitted to " << r.data.file << " ("
          << r.data.samples.size() << " samples) by MAP (dermatwin calibrate).\n";
      for (std::size_t k = 0; k < r.parameters.size(); ++k)
        out << "#   " << r.parameters[k].key << " = " << csv_number(r.fit.estimate[k]) << "  (95 % interval "
            << csv_number(r.fit.ci_low[k]) << " - " << csv_number(r.fit.ci_high[k]) << ", shrinkage "
            << csv_number(r.fit.shrinkage[k]) << ")\n";
      YAML::Emitter emitter;
      emitter << root;
      out << emitter.c_str() << "\n";
      return out.str();
    }

    void add_objective(CalibrationResult &r)
    {
      r.prior_objective = 0;
      for (std::size_t k = 0; k < r.parameters.size(); ++k)
        r.prior_objective += std::pow(std::log(r.fit.estimate[k] / r.parameters[k].median) / r.parameters[k].omega, 2);
      r.data_objective = 0;
      for (const double w : r.weighted_residuals)
        r.data_objective += w * w;
      r.objective = r.data_objective + r.prior_objective;
    }
  } // namespace

  CalibrationResult run_calibration(const Study &study, const CalibrationSpec &spec, const unsigned int n_threads,
                                    const CalibrationProgress &progress)
  {
    CalibrationResult r;
    r.parameters = spec.parameters;
    r.data       = spec.data;
    Twin twin(study, spec, progress);
    const std::vector<double> medians = prior_medians(spec.parameters);
    r.population_at_samples_ng_per_mL = twin.at_samples(medians);
    r.fit                             = fit(twin, spec);
    r.individual_at_samples_ng_per_mL = twin.at_samples(r.fit.estimate);
    for (std::size_t i = 0; i < spec.data.samples.size(); ++i)
      {
        const double dv = spec.data.samples[i].concentration_ng_per_mL;
        r.weighted_residuals.push_back((dv - r.individual_at_samples_ng_per_mL[i]) /
                                       spec.residual_error.sd_ng_per_mL(dv));
      }
    add_objective(r);
    r.individual_overrides = parameter_overrides(spec.parameters, r.fit.estimate);

    const TimeSeries population = twin.course(medians, study.simulation.end_h);
    const TimeSeries individual = twin.course(r.fit.estimate, study.simulation.end_h);
    r.time_h                    = prediction_times(individual.time_h, spec.data);
    for (const double t : r.time_h)
      {
        r.population_ng_per_mL.push_back(interpolate(population.time_h, population.plasma_ng_per_mL, t));
        r.individual_ng_per_mL.push_back(interpolate(individual.time_h, individual.plasma_ng_per_mL, t));
      }
    if (spec.band.samples > 0)
      {
        const BatchProgress band_progress = [&](std::size_t done, std::size_t total) {
          return !progress || progress("band", done, total);
        };
        add_band(r, spec, run_batch(study, posterior_draws(r, spec.band), n_threads, band_progress));
      }
    r.model_runs            = twin.runs + spec.band.samples;
    r.calibrated_study_yaml = calibrated_yaml(study, r);
    return r;
  }

  std::string calibration_estimates_json(const CalibrationResult &r, const CalibrationSpec &spec)
  {
    using nlohmann::json;
    auto number = [](const double v) { return std::isfinite(v) ? json(v) : json(nullptr); };
    json j;
    j["data_file"]      = r.data.file;
    j["id"]             = r.data.id.empty() ? json(nullptr) : json(r.data.id);
    j["observations"]   = r.data.samples.size();
    j["residual_error"] = {{"proportional", spec.residual_error.proportional},
                           {"additive_ng_per_mL", spec.residual_error.additive_ng_per_mL},
                           {"sigma_from", "observed DV"}};
    for (std::size_t k = 0; k < r.parameters.size(); ++k)
      {
        const CalibrationParameter &p = r.parameters[k];
        j["parameters"].push_back(
          {{"key", p.key}, {"estimate", number(r.fit.estimate[k])}, {"standard_error", number(r.fit.standard_error[k])},
           {"ci95_low", number(r.fit.ci_low[k])}, {"ci95_high", number(r.fit.ci_high[k])},
           {"se_log", number(std::sqrt(r.fit.covariance(k, k)))}, {"shrinkage", number(r.fit.shrinkage[k])},
           {"prior", {{"median", p.median}, {"omega", p.omega}, {"cv", std::sqrt(std::expm1(p.omega * p.omega))},
                      {"source", p.prior_source}}}});
      }
    j["objective"] = {{"total", r.objective}, {"data", r.data_objective}, {"prior", r.prior_objective},
                      {"definition", "sum of squared weighted residuals + sum ((log theta - log median)/omega)^2"}};
    j["fit"] = {{"converged", r.fit.converged}, {"iterations", r.fit.iterations}, {"message", r.fit.message},
                {"model_runs", r.model_runs}};
    for (std::size_t i = 0; i < r.data.samples.size(); ++i)
      {
        const TdmSample &s = r.data.samples[i];
        j["samples"].push_back({{"time_h", s.time_h}, {"dv_ng_per_mL", s.concentration_ng_per_mL},
                                {"population_ng_per_mL", number(r.population_at_samples_ng_per_mL[i])},
                                {"individual_ng_per_mL", number(r.individual_at_samples_ng_per_mL[i])},
                                {"sd_ng_per_mL", spec.residual_error.sd_ng_per_mL(s.concentration_ng_per_mL)},
                                {"weighted_residual", number(r.weighted_residuals[i])}, {"line", s.line}});
      }
    j["predictive_band"] = {{"samples", spec.band.samples}, {"percentiles", spec.band.percentiles},
                            {"seed", spec.band.seed}, {"include_residual_error", spec.band.include_residual_error},
                            {"method", "log theta ~ N(log theta_MAP, Laplace posterior covariance)"}};
    j["individual_overrides"] = r.individual_overrides;
    return j.dump(2) + "\n";
  }

  std::string calibration_prediction_csv(const CalibrationResult &r)
  {
    std::ostringstream out;
    out << "time_h,population_ng_per_mL,individual_ng_per_mL";
    for (const double p : r.band_percentiles)
      out << ",band_p" << csv_number(p) << "_ng_per_mL";
    out << ",observed_dv_ng_per_mL\n";
    std::size_t next_sample = 0;
    for (std::size_t row = 0; row < r.time_h.size(); ++row)
      {
        // Rows at a sample time: one per sample there (replicates repeat the row).
        std::vector<std::string> observed;
        while (next_sample < r.data.samples.size() && r.data.samples[next_sample].time_h <= r.time_h[row] + 1e-9)
          observed.push_back(csv_number(r.data.samples[next_sample++].concentration_ng_per_mL));
        if (observed.empty())
          observed.emplace_back();
        for (const std::string &dv : observed)
          {
            out << csv_number(r.time_h[row]) << "," << csv_number(r.population_ng_per_mL[row]) << ","
                << csv_number(r.individual_ng_per_mL[row]);
            for (const std::vector<double> &band : r.band_ng_per_mL)
              out << "," << csv_number(band[row]);
            out << "," << dv << "\n";
          }
      }
    return out.str();
  }
} // namespace dermatwin::studies
