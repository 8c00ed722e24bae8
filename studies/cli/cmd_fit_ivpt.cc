// SPDX-License-Identifier: LGPL-2.1-or-later
// dermatwin fit-ivpt STUDY [DATA.csv] --out DIR: fit Franz-cell layer
// parameters to measured cumulative permeation.
#include "cli_common.h"

#include <dermatwin/studies/ivpt_fit.h>
#include <dermatwin/studies/output.h>

#include <chrono>
#include <cstdio>
#include <iostream>

namespace dermatwin::cli
{
  namespace
  {
    /// One progress line on stderr, rewritten after every model evaluation.
    bool fit_progress(const unsigned int evaluations, const double cost, const double best_cost)
    {
      std::fprintf(stderr, "\r[dermatwin] fit: evaluation %u  cost %.6g  best %.6g   ", evaluations, cost,
                   best_cost);
      return !interrupted;
    }

    void print_estimates(const studies::IvptFitSpec &spec, const studies::IvptFitResult &r, const double seconds)
    {
      const studies::FitResult &f = r.fit;
      std::printf("%-45s %12s %12s %25s\n", "parameter", "estimate", "SE", "95 % CI");
      for (std::size_t k = 0; k < f.estimate.size(); ++k)
        std::printf("%-45s %12.4g %12.4g %12.4g .. %-10.4g\n", f.names[k].c_str(), f.estimate[k],
                    f.standard_error[k], f.ci_low[k], f.ci_high[k]);
      std::printf("%zu observations, %s weighting, residual SD %.4g, cost %.4g\n", spec.data.time_h.size(),
                  spec.weighting.c_str(), r.residual_sd, f.cost);
      std::printf("%u iterations, %u model runs in %.1f s: %s\n", f.iterations, f.evaluations, seconds,
                  f.message.c_str());
      const studies::Summary &s = r.fitted_run.summary;
      std::cout << "fitted model: steady flux " << format(s.steady_state_flux_ug_per_cm2_per_h, "ug/cm2/h")
                << ", lag time " << format(s.lag_time_h, "h") << ", kp "
                << format(s.permeability_coefficient_cm_per_h, "cm/h") << "\n";
    }
  } // namespace

  void add_fit_ivpt_command(CLI::App &app, Commands &commands)
  {
    CLI::App *cmd = app.add_subcommand("fit-ivpt", "Fit Franz-cell layer parameters to measured cumulative "
                                                   "permeation (study block type: fit_ivpt)");
    auto o         = add_study_options(cmd, "franz_cell study file with a 'study: {type: fit_ivpt}' block");
    auto data_file = std::make_shared<std::string>();
    cmd->add_option("DATA", *data_file, "measured CSV (time_h, cumulative_permeated_ug_per_cm2[, replicate]); "
                                        "default: study.data");
    commands.push_back({cmd, [o, data_file]() {
                          const studies::Study       study = studies::load_study(o->study_file, o->sets);
                          const studies::IvptFitSpec spec  = studies::parse_ivpt_fit(study, *data_file);
                          install_interrupt_handler();
                          const auto start = std::chrono::steady_clock::now();
                          const studies::IvptFitResult r = studies::run_ivpt_fit(study, spec, fit_progress);
                          std::fprintf(stderr, "\n");
                          const double seconds =
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                          studies::write_files_atomically(
                            o->out_dir, {{"estimates.json", studies::ivpt_estimates_json(study, spec, r)},
                                         {"fitted_curve.csv", studies::ivpt_fitted_curve_csv(spec, r)},
                                         {"residuals.csv", studies::ivpt_residuals_csv(spec, r)},
                                         {"study.fitted.yaml", studies::ivpt_fitted_study_yaml(study, spec, r)}});
                          print_estimates(spec, r, seconds);
                          std::cout << "results in " << o->out_dir
                                    << "/ (estimates.json, fitted_curve.csv, residuals.csv, study.fitted.yaml)\n";
                          return 0;
                        }});
  }
} // namespace dermatwin::cli
