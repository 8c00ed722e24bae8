// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Global sensitivity of a study's summary outputs (Cmax, Tmax, AUC, delivered
// dose, ...) to chosen numeric study keys (study block `type: sensitivity`).
//
// Each parameter is a study key path (the `--set` syntax) drawn uniformly on
// [low, high], or uniformly in ln(value) with `scale: log`. Every sample point
// is one run of the base study under the overrides "key=value"; the runs go
// through run_batch() (threads, input order, cancellable), so the indices do
// not depend on the thread count.
//  - method sobol: first-order S1_i = V[E(Y|X_i)] / V(Y) and total
//    ST_i = E[V(Y|X_~i)] / V(Y) from a Saltelli design of N (d + 2) runs with
//    95 % bootstrap percentile intervals (Saltelli A. et al. 2010, Comput.
//    Phys. Commun. 181, 259-270; Jansen M.J.W. 1999, Comput. Phys. Commun.
//    117, 35-43); see sensitivity.h;
//  - method morris: elementary-effects screening with r (d + 1) runs: mu* (mean
//    |EE|), mu and sigma per parameter, in output units per unit of the
//    parameter's normalised range (Morris M.D. 1991, Technometrics 33, 161-174;
//    Campolongo F. et al. 2007, Environ. Model. Softw. 22, 1509-1518).
// Indices are dimensionless; an output that is the same in every run has no
// variance and undefined (NaN) indices.
#ifndef dermatwin_studies_sensitivity_study_h
#define dermatwin_studies_sensitivity_study_h

#include <dermatwin/studies/batch.h>
#include <dermatwin/studies/sensitivity.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace dermatwin::studies
{
  struct SensitivitySpec
  {
    std::string                 method = "sobol"; ///< sobol | morris
    std::vector<std::string>    outputs;          ///< summary_metric() names
    std::vector<ParameterRange> parameters;       ///< name = study key path
    unsigned int                base_samples = 128; ///< Sobol N (a power of two)
    unsigned int                bootstrap    = 200; ///< Sobol bootstrap resamples
    unsigned int                trajectories = 20;  ///< Morris r
    unsigned int                levels       = 4;   ///< Morris p (even)
    std::uint64_t               seed         = 1;

    /// Number of model runs: N (d + 2) for sobol, r (d + 1) for morris.
    unsigned int n_runs() const;
  };

  /**
   * Reads and checks the study block: unknown keys, keys of the other method,
   * ranges, output names (and whether they exist in vivo / in vitro), and
   * every parameter key, by parsing and planning the study with the low, the
   * high and an interior value set, so that a key that does not exist, is not
   * numeric, takes only whole numbers or whose range leaves the study's
   * allowed range is reported now, naming study.parameters.N.key.
   * @throws StudyError (file, line, key, allowed values).
   */
  SensitivitySpec parse_sensitivity(const Study &study);

  /// The `--set` overrides of one sample point (physical values).
  Overrides point_overrides(const SensitivitySpec &spec, const std::vector<double> &point);

  struct SensitivityResult
  {
    std::optional<SobolResult>       sobol;   ///< method sobol
    std::optional<MorrisResult>      morris;  ///< method morris
    std::vector<std::vector<double>> points;  ///< [run][parameter], physical values
    std::vector<std::vector<double>> outputs; ///< [run][output]
    unsigned int                     n_threads   = 1;
    double                           wall_time_s = 0;
  };

  /**
   * Runs the design on @p n_threads threads and computes the indices.
   * @throws StudyError naming study.outputs when an output is undefined (NaN,
   *         e.g. a half-life with the patch still on) in some run;
   *         std::runtime_error("cancelled") when @p progress returns false.
   */
  SensitivityResult run_sensitivity(const Study &study, const SensitivitySpec &spec,
                                    unsigned int n_threads, const BatchProgress &progress = {});

  /// One row per (output, parameter): S1, its 95 % CI, ST, its 95 % CI
  /// (sobol) or mu_star, mu, sigma (morris); undefined values are empty.
  std::string sensitivity_csv(const SensitivitySpec &spec, const SensitivityResult &result);
  /// One row per run: the parameter values and the outputs.
  std::string sensitivity_runs_csv(const SensitivitySpec &spec, const SensitivityResult &result);
  /// The spec, run count, threads, wall time, output statistics and indices.
  std::string sensitivity_summary_json(const SensitivitySpec &spec, const SensitivityResult &result);
} // namespace dermatwin::studies

#endif
