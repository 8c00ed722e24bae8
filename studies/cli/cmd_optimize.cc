// SPDX-License-Identifier: LGPL-2.1-or-later
// dermatwin optimize STUDY --out DIR: dose optimization.
#include "cli_common.h"

#include <dermatwin/studies/optimization.h>
#include <dermatwin/studies/output.h>

#include <cstdio>
#include <iostream>

namespace dermatwin::cli
{
  namespace
  {
    void print_summary(const studies::OptimizationSpec &spec, const studies::OptimizationResult &r)
    {
      const studies::Evaluation &best = r.candidates[r.best_index].best;
      const bool window = spec.objective == "time_in_window";
      auto value = [&](const studies::Evaluation &e) {
        char buffer[96];
        if (window)
          std::snprintf(buffer, sizeof buffer, "%.1f %% of the time in [%g, %g] ng/mL", 100 * e.objective,
                        spec.window_low_ng_per_mL, spec.window_high_ng_per_mL);
        else
          std::snprintf(buffer, sizeof buffer, "time to target %s", format(e.objective, "h").c_str());
        return std::string(buffer) + ", Cmax " + format(e.cmax_ng_per_mL, "ng/mL") +
               (e.feasible ? "" : " (violates a constraint)");
      };
      const studies::Regimen &g = best.regimen;
      std::printf("best of %zu candidates (%u evaluations): %u x %s%s%s", r.candidates.size(), r.evaluations,
                  g.patches, g.product.empty() ? "inline patch" : g.product.c_str(),
                  g.placement.label().empty() ? "" : " on ", g.placement.label().c_str());
      if (g.area_cm2)
        std::printf(", %.3g cm2", *g.area_cm2);
      if (g.wear_h)
        std::printf(", worn %.3g h", *g.wear_h);
      if (g.replace_every_h)
        std::printf(", replaced every %.3g h", *g.replace_every_h);
      std::printf("\n  optimized: %s\n  label:     %s\n", value(best).c_str(), value(r.label).c_str());
    }
  } // namespace

  void add_optimize_command(CLI::App &app, Commands &commands)
  {
    CLI::App *cmd = app.add_subcommand("optimize", "Dose optimization (study block type: optimize)");
    auto      o   = add_study_options(cmd, "study file with a 'study: {type: optimize}' block");
    commands.push_back({cmd, [o]() {
                          const studies::Study            study = studies::load_study(o->study_file, o->sets);
                          const studies::OptimizationSpec spec  = studies::parse_optimization(study);
                          install_interrupt_handler();
                          const studies::OptimizationResult r =
                            studies::run_optimization(study, spec, o->threads, batch_progress);
                          studies::write_files_atomically(
                            o->out_dir, {{"optimum.json", studies::optimum_json(spec, r)},
                                         {"candidates.csv", studies::candidates_csv(r)},
                                         {"study.optimized.yaml", r.optimized_study_yaml},
                                         {"timeseries_optimized.csv", studies::timeseries_csv(r.best_run)},
                                         {"timeseries_label.csv", studies::timeseries_csv(r.label_run)}});
                          print_summary(spec, r);
                          std::cout << "results in " << o->out_dir
                                    << "/ (optimum.json, candidates.csv, study.optimized.yaml, "
                                       "timeseries_optimized.csv, timeseries_label.csv)\n";
                          return 0;
                        }});
  }
} // namespace dermatwin::cli
