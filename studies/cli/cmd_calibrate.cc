// SPDX-License-Identifier: LGPL-2.1-or-later
// dermatwin calibrate STUDY [TDM.csv] --out DIR: a person's twin from measured plasma levels.
#include "cli_common.h"

#include <dermatwin/studies/calibration.h>
#include <dermatwin/studies/output.h>

#include <cstdio>
#include <iostream>

namespace dermatwin::cli
{
  namespace
  {
    /// Fit: a count of model runs; band: the batch progress line.
    bool calibration_progress(const std::string &stage, const std::size_t done, const std::size_t total)
    {
      static bool fit_shown = false;
      if (stage == "band")
        {
          if (fit_shown)
            std::fprintf(stderr, "\n"), fit_shown = false;
          return batch_progress(done, total);
        }
      static const auto start   = std::chrono::steady_clock::now();
      const double      elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (elapsed > 1.0)
        std::fprintf(stderr, "\r[dermatwin] fitting: %zu model runs, %.1f s   ", done, elapsed), fit_shown = true;
      return !interrupted;
    }

    void print_estimates(const studies::CalibrationResult &r)
    {
      std::printf("MAP estimates (%zu samples, objective %.4g = data %.4g + prior %.4g, %u model runs%s)\n",
                  r.data.samples.size(), r.objective, r.data_objective, r.prior_objective, r.model_runs,
                  r.fit.converged ? "" : ", NOT converged");
      for (std::size_t k = 0; k < r.parameters.size(); ++k)
        std::printf("  %-40s %8.4g  95%% [%.4g, %.4g]  shrinkage %.2f  (prior median %.3g, omega %.3g)\n",
                    r.parameters[k].key.c_str(), r.fit.estimate[k], r.fit.ci_low[k], r.fit.ci_high[k],
                    r.fit.shrinkage[k], r.parameters[k].median, r.parameters[k].omega);
      std::printf("  %8s %10s %12s %12s\n", "time_h", "DV", "population", "individual");
      for (std::size_t i = 0; i < r.data.samples.size(); ++i)
        std::printf("  %8.4g %10.4g %12.4g %12.4g   ng/mL\n", r.data.samples[i].time_h,
                    r.data.samples[i].concentration_ng_per_mL, r.population_at_samples_ng_per_mL[i],
                    r.individual_at_samples_ng_per_mL[i]);
    }

    /// A few rows of the predicted course (about every sixth of the period).
    void print_course(const studies::CalibrationResult &r)
    {
      std::printf("predicted course (ng/mL): time_h population individual");
      for (const double p : r.band_percentiles)
        std::printf(" p%g", p);
      std::printf("\n");
      const double end_h = r.time_h.back();
      double       next  = 0;
      for (std::size_t row = 0; row < r.time_h.size(); ++row)
        if (r.time_h[row] >= next - 1e-9 || row + 1 == r.time_h.size())
          {
            std::printf("  %6.4g %10.4g %10.4g", r.time_h[row], r.population_ng_per_mL[row],
                        r.individual_ng_per_mL[row]);
            for (const std::vector<double> &band : r.band_ng_per_mL)
              std::printf(" %8.4g", band[row]);
            std::printf("\n");
            next = r.time_h[row] + end_h / 6;
          }
    }
  } // namespace

  void add_calibrate_command(CLI::App &app, Commands &commands)
  {
    CLI::App *cmd = app.add_subcommand("calibrate", "Calibrate a person's twin to measured plasma levels "
                                                    "(study block type: calibrate)");
    auto      o   = add_study_options(cmd, "study file with a 'study: {type: calibrate}' block");
    auto      tdm = std::make_shared<std::string>();
    cmd->add_option("TDM", *tdm, "measured plasma levels (CSV: TIME [h], DV [ng/mL], optional MDV, ID); "
                                 "replaces study.data");
    commands.push_back({cmd, [o, tdm]() {
                          const studies::Study           study = studies::load_study(o->study_file, o->sets);
                          const studies::CalibrationSpec spec  = studies::parse_calibration(study, *tdm);
                          install_interrupt_handler();
                          const studies::CalibrationResult r =
                            studies::run_calibration(study, spec, o->threads, calibration_progress);
                          studies::write_files_atomically(
                            o->out_dir, {{"estimates.json", studies::calibration_estimates_json(r, spec)},
                                         {"prediction.csv", studies::calibration_prediction_csv(r)},
                                         {"study.calibrated.yaml", r.calibrated_study_yaml}});
                          print_estimates(r);
                          print_course(r);
                          std::cout << "results in " << o->out_dir
                                    << "/ (estimates.json, prediction.csv, study.calibrated.yaml)\n";
                          return 0;
                        }});
  }
} // namespace dermatwin::cli
