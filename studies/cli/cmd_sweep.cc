// SPDX-License-Identifier: LGPL-2.1-or-later
// dermatwin sweep STUDY --out DIR: one- or two-parameter sweep.
#include "cli_common.h"

#include <dermatwin/studies/output.h>
#include <dermatwin/studies/sweep.h>

#include <iostream>

namespace dermatwin::cli
{
  void add_sweep_command(CLI::App &app, Commands &commands)
  {
    CLI::App *cmd = app.add_subcommand("sweep", "One- or two-parameter sweep (study block type: sweep)");
    auto      o   = add_study_options(cmd, "study file with a 'study: {type: sweep}' block");
    commands.push_back({cmd, [o]() {
                          const studies::Study     study = studies::load_study(o->study_file, o->sets);
                          const studies::SweepSpec spec  = studies::parse_sweep(study);
                          install_interrupt_handler();
                          const studies::SweepTable table = studies::run_sweep(study, spec, o->threads, batch_progress);
                          studies::write_files_atomically(
                            o->out_dir, {{"sweep.csv", studies::to_csv(table)},
                                         {"study.resolved.yaml", studies::plan_scenario(study).resolved_yaml}});
                          std::cout << studies::to_csv(table) << "results in " << o->out_dir << "/sweep.csv\n";
                          return 0;
                        }});
  }
} // namespace dermatwin::cli
