// SPDX-License-Identifier: LGPL-2.1-or-later
// dermatwin population STUDY --out DIR: a virtual population.
#include "cli_common.h"

#include <dermatwin/studies/output.h>
#include <dermatwin/studies/population.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace dermatwin::cli
{

  void add_population_command(CLI::App &app, Commands &commands)
  {
    CLI::App *cmd = app.add_subcommand("population", "Virtual population (study block type: population)");
    auto      o   = add_study_options(cmd, "study file with a 'study: {type: population}' block");
    commands.push_back({cmd, [o]() {
                          const studies::Study          study = studies::load_study(o->study_file, o->sets);
                          const studies::PopulationSpec spec  = studies::parse_population(study);
                          install_interrupt_handler();
                          const auto start = std::chrono::steady_clock::now();
                          // Under mpirun the subjects are split over the ranks; rank 0 writes.
                          const cli::MpiSession                mpi;
                          const studies::PopulationResult r =
                            mpi.active() ?
                              studies::run_population_mpi(study, spec, o->threads, batch_progress, MPI_COMM_WORLD) :
                              studies::run_population(study, spec, o->threads, batch_progress);
                          const double seconds =
                            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
                          if (mpi.rank() != 0)
                            return 0;
                          studies::write_files_atomically(
                            o->out_dir, {{"subjects.csv", r.subjects_csv},
                                         {"bands.csv", r.bands_csv},
                                         {"summary.json", r.summary_json},
                                         {"study.resolved.yaml", studies::plan_scenario(study).resolved_yaml}});
                          std::printf("%u subjects in %.2f s (%.0f subjects/s on %d rank(s) x %u threads)\n",
                                      spec.subjects, seconds, spec.subjects / seconds, mpi.size(), o->threads);
                          std::cout << "results in " << o->out_dir << "/ (subjects.csv, bands.csv, summary.json)\n";
                          return 0;
                        }});
  }
} // namespace dermatwin::cli
