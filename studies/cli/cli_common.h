// SPDX-License-Identifier: LGPL-2.1-or-later
// Shared pieces of the `dermatwin` command line front end: progress lines,
// Ctrl-C handling and the registration of study-method subcommands.
#ifndef dermatwin_cli_common_h
#define dermatwin_cli_common_h

#include <CLI/CLI.hpp>

#include <mpi.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace dermatwin::cli
{
  /// Set by SIGINT/SIGTERM once install_interrupt_handler() ran: batch studies
  /// stop at the next evaluation, write nothing and exit with 130.
  extern std::atomic<bool> interrupted;
  void install_interrupt_handler();

  /// Progress of a batch study on stderr (count, rate, ETA) once it has run
  /// for a second; returns false after Ctrl-C (the study then cancels).
  bool batch_progress(std::size_t done, std::size_t total);

  /// Progress of a single run (fraction of simulated time) on stderr once it
  /// has taken over a second: rewritten in place on a terminal, a line per
  /// 10 % in a log.
  class ProgressLine
  {
  public:
    bool operator()(double fraction);
    ~ProgressLine();

  private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    double                                last_  = 0;
    bool                                  shown_ = false;
    double                                logged_fraction_ = 0;
    bool                                  terminal_ = isatty(STDERR_FILENO) != 0;
  };

  /// "1.234 unit", or "n/a".
  std::string format(const std::optional<double> &value, const char *unit, const char *fmt = "%.4g");

  /// Options every study-method command has: STUDY, --out, --set, --threads.
  struct StudyOptions
  {
    std::string              study_file, out_dir;
    std::vector<std::string> sets;
    unsigned int             threads = 1;
  };
  /// Adds STUDY, --out (required), --set and --threads to @p command.
  std::shared_ptr<StudyOptions> add_study_options(CLI::App *command, const std::string &study_help);

  /// A subcommand and what runs it (after parsing, if it was given).
  struct Command
  {
    CLI::App            *app;
    std::function<int()> run;
  };
  using Commands = std::vector<Command>;

  /// Runs a study-method command with a checkpoint (studies/checkpoint.h) in
  /// DIR.checkpoint next to its --out DIR: finished evaluations are appended
  /// there, a restarted command resumes from it, and it is deleted once the
  /// outputs are written. Checks first that DIR can be written.
  int run_resumable(const Command &command);

  /// "dermatwin: warning: ..." on stderr for each.
  void print_warnings(const std::vector<std::string> &warnings);

  // Study-method commands, one file each (cmd_*.cc).
  void add_sweep_command(CLI::App &app, Commands &commands);
  void add_population_command(CLI::App &app, Commands &commands);
  void add_fit_ivpt_command(CLI::App &app, Commands &commands);
  void add_calibrate_command(CLI::App &app, Commands &commands);
  void add_sensitivity_command(CLI::App &app, Commands &commands);
  void add_optimize_command(CLI::App &app, Commands &commands);
  /// MPI for the lifetime of a command (population, multi-D run) when the process was
  /// started by an MPI launcher (mpirun/mpiexec/srun set these variables).
  /// Without one, MPI is not initialised at all (a singleton MPI_Init costs
  /// about a second with Open MPI) and the process is the only rank.
  class MpiSession
  {
  public:
    MpiSession()
      : active_(std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMI_SIZE") ||
                std::getenv("PMIX_RANK"))
    {
      if (active_)
        {
          int provided = 0;
          MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &provided);
        }
    }
    ~MpiSession()
    {
      if (active_)
        MPI_Finalize();
    }
    bool active() const { return active_; }
    int  rank() const
    {
      int r = 0;
      if (active_)
        MPI_Comm_rank(MPI_COMM_WORLD, &r);
      return r;
    }
    int size() const
    {
      int n = 1;
      if (active_)
        MPI_Comm_size(MPI_COMM_WORLD, &n);
      return n;
    }

  private:
    const bool active_;
  };
} // namespace dermatwin::cli

#endif
