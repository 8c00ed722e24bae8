// Benchmark: the default 120-h fentanyl study (1D skin + 3-compartment PK)
// at each accuracy, in-process (no process start-up): solver wall time
// (best of repeats, set-up included), DOFs, steps, and the error of Cmax and
// the absorbed amount against a converged reference (Q2, 32 cells per
// layer, rtol 1e-11).
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <deal.II/base/multithread_info.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>

using namespace dermatwin::studies;

namespace
{
  struct Measurement
  {
    double best_s = 1e9, best_plan_s = 1e9, best_parse_s = 1e9, cmax = 0, absorbed = 0;
    unsigned int dofs = 0, steps = 0;
  };

  Measurement measure(const std::string &file, const std::vector<std::string> &sets, const int repeats)
  {
    const Study study = load_study(file, sets);
    Measurement m;
    for (int r = 0; r < repeats; ++r)
      {
        // Parsing and checking the study text with its overrides, as every run of a batch study does.
        const auto parse_start = std::chrono::steady_clock::now();
        parse_study(study.text, study.file, study.overrides);
        m.best_parse_s = std::min(m.best_parse_s,
                                  std::chrono::duration<double>(std::chrono::steady_clock::now() - parse_start).count());
        const auto         start   = std::chrono::steady_clock::now();
        const ScenarioPlan plan    = plan_scenario(study, ResolvedText::skip);
        const auto         planned = std::chrono::steady_clock::now();
        const Result       result  = run_scenario(plan);
        const auto         end     = std::chrono::steady_clock::now();
        m.best_s      = std::min(m.best_s, std::chrono::duration<double>(end - start).count());
        m.best_plan_s = std::min(m.best_plan_s, std::chrono::duration<double>(planned - start).count());
        m.cmax     = *result.summary.cmax_ng_per_mL;
        m.absorbed = result.summary.cumulative_absorbed_ug;
        m.dofs     = result.summary.dof_count;
        m.steps    = result.summary.time_steps;
      }
    return m;
  }
} // namespace

int main(int argc, char **argv)
{
  const std::string file    = argc > 1 ? argv[1] : DERMATWIN_SOURCE_DIR "/resources/studies/fentanyl_25ugh_upper_arm.yaml";
  const bool        quick   = argc > 2 && std::strcmp(argv[2], "--quick") == 0;
  const int         repeats = quick ? 3 : 20;
  // As in a batch of 1D runs (studies::run_batch): deal.II's internal tasks
  // run on the calling thread; waking TBB workers for a column's set-up of
  // tens of microseconds costs more than it saves.
  dealii::MultithreadInfo::set_thread_limit(1);
  // --profile N SET...: only run the study with these overrides N times (for perf), no table.
  if (argc > 3 && std::strcmp(argv[2], "--profile") == 0)
    {
      const Measurement m = measure(file, std::vector<std::string>(argv + 4, argv + argc), std::atoi(argv[3]));
      std::printf("best %.3f ms (plan %.3f ms), %u steps\n", 1e3 * m.best_s, 1e3 * m.best_plan_s, m.steps);
      return 0;
    }

  const Measurement reference = measure(
    file, {"simulation.cells_per_layer=32", "simulation.relative_tolerance=1e-11"}, 1);
  // time_ms: plan (library resolution; not the resolved study text, which only the written files need) + solve
  // (mesh, matrices, time integration); plan_ms: the plan alone.
  // parse_ms: parse_study of the text with the case's overrides (not in time_ms).
  std::printf("%-28s %6s %6s %10s %9s %9s %12s %12s\n", "case", "DOFs", "steps", "time_ms", "plan_ms", "parse_ms",
              "err_Cmax", "err_absorbed");
  struct Case
  {
    const char *name;
    std::vector<std::string> sets;
  };
  const std::vector<Case> cases = {
    {"coarse", {"simulation.accuracy=coarse"}},
    {"default", {}},
    {"fine", {"simulation.accuracy=fine"}},
    {"default, output every 6 h", {"simulation.output_every_h=6"}},
    {"1e-6 (4 cells, rtol 1e-8)", {"simulation.cells_per_layer=4", "simulation.relative_tolerance=1e-8"}},
    // As a peer solver is timed (benchmarks/peers): only Cmax and the absorbed amount are wanted, so the
    // output grid is coarse (Cmax is refined on the dense output, not read off the grid).
    {"coarse, output every 12 h", {"simulation.accuracy=coarse", "simulation.output_every_h=12"}},
    {"1 cell, rtol 1e-2, out 12 h", {"simulation.cells_per_layer=1", "simulation.relative_tolerance=1e-2",
                                     "simulation.output_every_h=12"}},
    {"4 cells, rtol 1e-8, out 12 h", {"simulation.cells_per_layer=4", "simulation.relative_tolerance=1e-8",
                                      "simulation.output_every_h=12"}},
    // The exact modal solution has no time error: cells alone set the accuracy.
    {"3 cells, out 12 h", {"simulation.cells_per_layer=3", "simulation.output_every_h=12"}},
    {"Q3, 2 cells, out 12 h", {"simulation.fe_degree=3", "simulation.cells_per_layer=2",
                               "simulation.output_every_h=12"}},
    // The same two cases stepped in time (extrapolated implicit Euler) instead.
    {"coarse, 12 h, stepped", {"simulation.accuracy=coarse", "simulation.output_every_h=12",
                               "simulation.time_integrator=extrapolation"}},
    {"4 cells, 1e-8, 12 h, stepped", {"simulation.cells_per_layer=4", "simulation.relative_tolerance=1e-8",
                                      "simulation.output_every_h=12", "simulation.time_integrator=extrapolation"}}};
  for (const Case &c : cases)
    {
      const Measurement m = measure(file, c.sets, repeats);
      std::printf("%-28s %6u %6u %10.3f %9.3f %9.3f %12.2e %12.2e\n", c.name, m.dofs, m.steps, 1e3 * m.best_s,
                  1e3 * m.best_plan_s, 1e3 * m.best_parse_s,
                  std::abs(m.cmax / reference.cmax - 1), std::abs(m.absorbed / reference.absorbed - 1));
    }
  return 0;
}
