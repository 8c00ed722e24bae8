// SPDX-License-Identifier: LGPL-2.1-or-later
// dermatwin sensitivity STUDY --out DIR: global sensitivity (Sobol' or Morris).
#include "cli_common.h"

#include <dermatwin/studies/output.h>
#include <dermatwin/studies/sensitivity_study.h>

#include <cmath>
#include <cstdio>
#include <iostream>

namespace dermatwin::cli
{
  namespace
  {
    /// "0.123 [0.101, 0.145]", or "-" when undefined (constant output).
    std::string with_interval(const double value, const double low, const double high)
    {
      if (!std::isfinite(value))
        return "-";
      char buffer[96];
      std::snprintf(buffer, sizeof buffer, "%6.3f [%6.3f, %6.3f]", value, low, high);
      return buffer;
    }

    void print_table(const studies::SensitivitySpec &spec, const studies::SensitivityResult &r)
    {
      if (r.sobol)
        std::printf("%-36s %-40s %-24s %-24s\n", "output", "parameter", "S1 [95% CI]", "ST [95% CI]");
      else
        std::printf("%-36s %-40s %12s %12s %12s\n", "output", "parameter", "mu*", "mu", "sigma");
      for (std::size_t k = 0; k < spec.outputs.size(); ++k)
        for (std::size_t i = 0; i < spec.parameters.size(); ++i)
          {
            const char *output = spec.outputs[k].c_str(), *parameter = spec.parameters[i].name.c_str();
            if (r.sobol)
              {
                const studies::SobolIndices &s = r.sobol->per_output[k];
                std::printf("%-36s %-40s %-24s %-24s\n", output, parameter,
                            with_interval(s.first_order[i], s.first_order_ci_low[i], s.first_order_ci_high[i]).c_str(),
                            with_interval(s.total[i], s.total_ci_low[i], s.total_ci_high[i]).c_str());
              }
            else
              std::printf("%-36s %-40s %12.4g %12.4g %12.4g\n", output, parameter, r.morris->mu_star[k][i],
                          r.morris->mu[k][i], r.morris->sigma[k][i]);
          }
    }
  } // namespace

  void add_sensitivity_command(CLI::App &app, Commands &commands)
  {
    CLI::App *cmd = app.add_subcommand(
      "sensitivity", "Global sensitivity: Sobol' indices or Morris screening (study block type: sensitivity)");
    auto o = add_study_options(cmd, "study file with a 'study: {type: sensitivity}' block");
    commands.push_back({cmd, [o]() {
                          const studies::Study           study = studies::load_study(o->study_file, o->sets);
                          const studies::SensitivitySpec spec  = studies::parse_sensitivity(study);
                          const std::string resolved = studies::plan_scenario(study).resolved_yaml;
                          install_interrupt_handler();
                          std::fprintf(stderr, "[dermatwin] %s: %u runs on %u threads\n", spec.method.c_str(),
                                       spec.n_runs(), o->threads);
                          const studies::SensitivityResult r =
                            studies::run_sensitivity(study, spec, o->threads, batch_progress);
                          studies::write_files_atomically(
                            o->out_dir, {{"sensitivity.csv", studies::sensitivity_csv(spec, r)},
                                         {"runs.csv", studies::sensitivity_runs_csv(spec, r)},
                                         {"summary.json", studies::sensitivity_summary_json(spec, r)},
                                         {"study.resolved.yaml", resolved}});
                          print_table(spec, r);
                          std::printf("%zu runs in %.2f s (%.1f runs/s on %u threads)\n", r.points.size(),
                                      r.wall_time_s, r.points.size() / r.wall_time_s, o->threads);
                          std::cout << "results in " << o->out_dir
                                    << "/ (sensitivity.csv, runs.csv, summary.json, study.resolved.yaml)\n";
                          return 0;
                        }});
  }
} // namespace dermatwin::cli
