// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_optimization_h
#define dermatwin_studies_optimization_h

#include <dermatwin/studies/batch.h>
#include <dermatwin/studies/population.h>

#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace dermatwin::studies
{
  /**
   * Dose optimization (study block `type: optimize`, docs/study-methods/optimize.md).
   *
   * A regimen is n identical patches of one product (or of the study's inline
   * patch) on one site or acupoint, worn wear_h hours and replaced every
   * replace_every_h hours until end_h. The discrete choices (product x number
   * of patches x placement) are enumerated; for each, the continuous choices
   * (patch area for a cuttable matrix patch, wear time, replacement interval)
   * are optimized with NLopt's COBYLA (Powell 1994, derivative-free, nonlinear
   * inequality constraints) on variables scaled to [0, 1]:
   *
   *   time_in_window:  maximise  F = |{t in [t0, t1] : a <= C(t) <= b}| / (t1 - t0)
   *   time_to_target:  minimise  T* = min{t >= t0 : |C(s) - C_T| <= tol C_T for all s in [t, t1]}
   *   subject to       Cmax - Cmax_limit <= 0        (ng/mL, whole simulation)
   *                    wear_h - replace_every_h <= 0 (no overlapping patches)
   *
   * C(t) is the plasma concentration, linearly interpolated between output
   * times, so the measure of the window set is computed from interpolated
   * crossing times rather than by counting output points. When the plasma
   * never enters the window (F = 0 on a plateau), the score is the log
   * distance between the curve and the window so the optimizer still sees
   * a slope; when it stays inside (F = 1), the score is -1 - the least log
   * margin min_t min(ln(C/a), ln(b/C)), which centres the curve. Both are
   * continuous where the plateaus begin. For a population the objective and
   * Cmax are percentiles over the virtual subjects (population.h).
   *
   * Known answer (tests/studies/methods/test_optimization.cc): one
   * compartment (CL, k = CL/V) with constant input R A (R per cm2):
   * C(t) = R A / CL (1 - e^{-k t}); the time in [a, b] over [0, T] is largest
   * when C(T) = b, i.e. A* = b CL / (R (1 - e^{-k T})), and the time to
   * reach C_T (1 - tol) and stay below C_T (1 + tol) is shortest for
   * Css = C_T (1 + tol): T* = ln((1 + tol) / (2 tol)) / k.
   */
  struct ContinuousRange
  {
    double low = 0, high = 0;
  };

  /// One site or acupoint (exactly one is non-empty).
  struct Placement
  {
    std::string site, acupoint;
    std::string label() const { return site.empty() ? acupoint : site; }
  };

  struct OptimizationSpec
  {
    std::string objective = "time_in_window"; ///< time_in_window | time_to_target
    double window_low_ng_per_mL = 0, window_high_ng_per_mL = 0;
    double target_ng_per_mL = 0, target_tolerance = 0.1; ///< time_to_target: band C_T (1 +- tol)
    double evaluate_from_h = 0, evaluate_to_h = 0;
    double cmax_limit_ng_per_mL = std::numeric_limits<double>::infinity();
    std::optional<double> max_total_area_cm2;

    std::optional<ContinuousRange> area_cm2, wear_h, replace_every_h;
    std::vector<std::string>       products;   ///< empty: the study's product or patch
    std::vector<unsigned int>      patches{1};
    std::vector<Placement>         placements; ///< empty: the study's site or acupoint

    unsigned int max_evaluations    = 60;   ///< per discrete candidate
    double       relative_tolerance = 1e-4; ///< on the scaled variables

    std::optional<PopulationSpec> population;
    double objective_percentile = 50, cmax_percentile = 95;
  };

  /// Reads and checks the study block (StudyError naming file, line, key).
  OptimizationSpec parse_optimization(const Study &study);

  /// A concrete regimen; area/wear/replace unset = as in the study.
  struct Regimen
  {
    std::string           product; ///< library id; empty: the study's inline patch
    unsigned int          patches = 1;
    Placement             placement;
    std::optional<double> area_cm2, wear_h, replace_every_h;
  };

  /// The `--set` override that puts @p regimen in place of the study's
  /// application list.
  Overrides regimen_overrides(const Study &study, const Regimen &regimen);

  /// Objective and constraint values of one regimen.
  struct Evaluation
  {
    Regimen regimen;
    double  objective = 0;      ///< fraction in window, or time to target (h; NaN: never)
    double  score     = 0;      ///< what is minimised
    double  cmax_ng_per_mL = 0; ///< (percentile over the population)
    double  total_area_cm2 = 0;
    bool    feasible       = true;
  };

  /// Best of one discrete candidate.
  struct CandidateResult
  {
    Evaluation   best;
    unsigned int evaluations = 0;
    std::string  status; ///< NLopt termination, "evaluated" or "infeasible"
  };

  struct OptimizationResult
  {
    std::vector<CandidateResult> candidates; ///< in enumeration order
    std::size_t                  best_index = 0;
    Evaluation                   label;      ///< the study as given
    Result                       best_run, label_run; ///< single person (the study's patient)
    std::string                  optimized_study_yaml;
    unsigned int                 evaluations = 0;
  };

  /**
   * Enumerates the discrete candidates and optimizes each. Runs candidates on
   * @p n_threads threads for one person, or each population on them.
   * @p progress gets (evaluations done, evaluation budget); false cancels
   * (throws std::runtime_error("cancelled")).
   */
  OptimizationResult run_optimization(const Study &study, const OptimizationSpec &spec,
                                      unsigned int n_threads, const BatchProgress &progress = {});

  /// Time (h) within [@p from_h, @p to_h] with @p low <= c <= @p high, c
  /// linear between samples (crossing times interpolated).
  double time_in_window_h(const std::vector<double> &time_h, const std::vector<double> &c, double low,
                          double high, double from_h, double to_h);
  /// Earliest t >= @p from_h from which c stays in [low, high] up to @p to_h;
  /// NaN if c is outside at @p to_h.
  double time_to_stay_in_band_h(const std::vector<double> &time_h, const std::vector<double> &c,
                                double low, double high, double from_h, double to_h);

  std::string optimum_json(const OptimizationSpec &spec, const OptimizationResult &result);
  std::string candidates_csv(const OptimizationResult &result);
} // namespace dermatwin::studies

#endif
