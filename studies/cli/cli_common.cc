// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cli_common.h"

#include <dermatwin/studies/batch.h>
#include <dermatwin/studies/checkpoint.h>
#include <dermatwin/studies/output.h>

#include <cmath>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <unistd.h>

namespace dermatwin::cli
{
  std::atomic<bool> interrupted{false};

  namespace
  {
    extern "C" void on_interrupt(int)
    {
      interrupted = true;
    }
  } // namespace

  void install_interrupt_handler()
  {
    std::signal(SIGINT, on_interrupt);
    std::signal(SIGTERM, on_interrupt);
  }

  bool batch_progress(const std::size_t done, const std::size_t total)
  {
    // On a terminal the line is rewritten in place; in a log file (batch
    // pipelines) a new line is written every 10 % at most.
    static const auto start    = std::chrono::steady_clock::now();
    static const bool terminal = isatty(fileno(stderr));
    static bool       shown    = false;
    static std::size_t last_logged = 0;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double rate    = elapsed > 0 ? done / elapsed : 0;
    const double eta     = rate > 0 ? (total - done) / rate : 0;
    const bool   due     = terminal ? true : (done - last_logged) * 10 >= total || done == total;
    if ((elapsed > 1.0 || (shown && done == total)) && due && !(shown && done == last_logged))
      {
        std::fprintf(stderr, "%s[dermatwin] %zu/%zu runs  %.0f runs/s  ETA %.1f s%s", terminal ? "\r" : "",
                     done, total, rate, eta, terminal && done < total ? "   " : "\n");
        shown       = true;
        last_logged = done;
      }
    return !interrupted;
  }

  bool ProgressLine::operator()(const double fraction)
  {
    // As batch_progress: on a terminal the line is rewritten in place; in a
    // log file (batch pipelines) a new line is written every 10 % at most.
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    const bool   due     = terminal_ ? fraction >= 1 || elapsed - last_ > 0.2 :
                                       std::floor(10 * fraction) > std::floor(10 * logged_fraction_);
    if (elapsed > 1.0 && due)
      {
        last_            = elapsed;
        logged_fraction_ = fraction;
        const double eta = fraction > 0 ? elapsed * (1 - fraction) / fraction : 0;
        std::fprintf(stderr, "%s[dermatwin] %5.1f %%  %.1f s elapsed, ETA %.1f s %s", terminal_ ? "\r" : "",
                     100 * fraction, elapsed, eta, terminal_ ? "" : "\n");
        shown_ = true;
      }
    return !interrupted;
  }

  ProgressLine::~ProgressLine()
  {
    if (shown_ && terminal_)
      std::fprintf(stderr, "\n");
  }

  std::string format(const std::optional<double> &value, const char *unit, const char *fmt)
  {
    if (!value)
      return "n/a";
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, fmt, *value);
    return std::string(buffer) + " " + unit;
  }

  int run_resumable(const Command &command)
  {
    const std::string out = command.app->get_option("--out")->as<std::string>();
    studies::check_output_writable(out);
    std::filesystem::path folder = std::filesystem::path(out).lexically_normal();
    if (!folder.has_filename())
      folder = folder.parent_path();
    studies::BatchCheckpoint checkpoint(folder.string() + ".checkpoint");
    if (checkpoint.records_found() > 0)
      std::fprintf(stderr, "[dermatwin] resuming: %zu finished runs in %s\n", checkpoint.records_found(),
                   checkpoint.file().c_str());
    try
      {
        const int status = command.run();
        if (checkpoint.resumed() > 0)
          std::fprintf(stderr, "[dermatwin] %zu runs taken from the checkpoint, not recomputed\n",
                       checkpoint.resumed());
        if (status == 0)
          checkpoint.remove();
        return status;
      }
    catch (const std::runtime_error &e)
      {
        if (interrupted || std::string(e.what()) == "cancelled")
          std::fprintf(stderr, "\n[dermatwin] finished runs are kept in %s: run the same command again to resume",
                       checkpoint.file().c_str());
        throw;
      }
  }

  void print_warnings(const std::vector<std::string> &warnings)
  {
    for (const std::string &w : warnings)
      std::fprintf(stderr, "dermatwin: warning: %s\n", w.c_str());
  }

  std::shared_ptr<StudyOptions> add_study_options(CLI::App *command, const std::string &study_help)
  {
    auto o     = std::make_shared<StudyOptions>();
    o->threads = studies::default_thread_count();
    command->add_option("STUDY", o->study_file, study_help)->required();
    command->add_option("--out", o->out_dir, "output folder (written atomically)")->required();
    command->add_option("--set", o->sets, "override a study key: key.path=value (repeatable)");
    command->add_option("--threads", o->threads, "worker threads (default: all cores)")->check(CLI::Range(1, 256));
    return o;
  }
} // namespace dermatwin::cli
