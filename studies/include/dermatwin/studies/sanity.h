// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_sanity_h
#define dermatwin_studies_sanity_h

#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <string>
#include <vector>

namespace dermatwin::studies
{
  /**
   * Physical sanity of a run, reported as warnings (the run itself is kept):
   *  - concentrations must be >= 0; Summary::min_concentration_relative below
   *    -negative_concentration_tolerance() means the solver's undershoot at a
   *    steep front exceeds its tolerance (refine: accuracy fine, more cells);
   *  - the mass balance (Summary::mass_balance_relative_error) must close to
   *    within mass_balance_tolerance().
   */
  std::vector<std::string> result_warnings(const ScenarioPlan &plan, const Result &result);

  /**
   * Inputs outside the range the library's data cover (the model still runs,
   * but it extrapolates): individual skin/PK factors beyond the population
   * variability (outside validated_factor_range()), and an inline drug whose
   * molecular weight or log Kow lies outside the compounds of the QSPR
   * validation set (resources/models/qspr_validation.yaml).
   */
  std::vector<std::string> input_range_warnings(const Study &study);

  /**
   * Empty, or why @p evaluations runs of @p study would not fit in memory:
   * a batch keeps every result (10 series of output rows, end_h /
   * output_every_h + 1 rows, plus about 4 kB) until it ends; refused above
   * half the physical memory. Study-method parsers turn it into a StudyError
   * on the key that sets the count (exit 2 before any work).
   */
  std::string batch_memory_problem(const Study &study, double evaluations);
  /// Estimated bytes batch_memory_problem() compares.
  double batch_memory_bytes(const Study &study, double evaluations);

  /// Allowed undershoot of a concentration, relative to the maximum: 10x the
  /// integrator's relative tolerance, at least 1e-6.
  double negative_concentration_tolerance(const ScenarioPlan &plan);
  double mass_balance_tolerance(const ScenarioPlan &plan);
  /// Individual factors within [1/5, 5] stay within about 4 SD of the
  /// library's inter-individual log-normal variability (CV <= 0.45).
  constexpr double validated_factor_low = 0.2, validated_factor_high = 5;
} // namespace dermatwin::studies

#endif
