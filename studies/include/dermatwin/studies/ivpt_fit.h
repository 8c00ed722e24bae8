// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_ivpt_fit_h
#define dermatwin_studies_ivpt_fit_h

/**
 * @file
 * Fit of Franz-cell (IVPT) layer parameters to measured cumulative permeation
 * (study block `type: fit_ivpt`, command `dermatwin fit-ivpt`).
 *
 * Data: rows (t_i, y_i) with y = cumulative_permeated_ug_per_cm2 [µg/cm²] at
 * time_h [h]; replicates are repeated time_h rows (an optional `replicate`
 * column labels the cell and must not repeat at one time). Every row is one
 * observation.
 *
 * Model: the study's Franz-cell scenario (1D finite elements through the layers)
 * with the fitted study keys set, Q(t; theta) = cumulative permeation, run to
 * max t_i on an output grid that contains the data times (their tolerant
 * greatest common divisor) and read at t_i by cubic Hermite interpolation with
 * dQ/dt = flux_out (exact at grid nodes). The integrator runs at a tight
 * relative tolerance (default 1e-8) so that finite-difference Jacobians are not
 * dominated by time-stepping noise.
 *
 * Objective: weighted least squares, r_i = (y_i - Q(t_i; theta)) / sigma_i with
 *   proportional:  sigma_i = max(y_i, floor)            (constant CV)
 *   replicate_sd:  sigma_i = max(SD of y at t_i, floor) (>= 2 replicates per time)
 *   uniform:       sigma_i = 1 µg/cm²                   (ordinary least squares)
 * minimised by bounded Levenberg-Marquardt (least_squares.h), log-scale
 * parameters fitted as log(theta). The weights are treated as relative: the
 * covariance is s^2 (J^T J)^-1 with s^2 = sum r_i^2 / (n - p), intervals use
 * Student t with n - p degrees of freedom (Bates & Watts 1988, ch. 2). The
 * residual SD s is then the fitted CV (proportional), the ratio to the replicate
 * SD (replicate_sd), or the residual SD in µg/cm² (uniform).
 * Replicate cells are treated as independent observations; correlation within
 * a cell over time is not modelled (intervals may then be too narrow).
 *
 * Derived quantities of the fitted model (steady flux, lag time, kp) come from
 * the scenario summary: a line through the last third of the cumulative curve.
 */

#include <dermatwin/studies/batch.h>
#include <dermatwin/studies/least_squares.h>
#include <dermatwin/studies/measured_data.h>
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <functional>
#include <string>
#include <vector>

namespace dermatwin::studies
{
  /// Measured cumulative permeation, one entry per data row.
  struct IvptData
  {
    std::string         file;
    std::vector<int>    line;
    std::vector<double> time_h, cumulative_permeated_ug_per_cm2;
    std::vector<double> replicate; ///< NaN when the file has no replicate column
  };

  /// Reads time_h, cumulative_permeated_ug_per_cm2 (>= 0) and an optional
  /// replicate column; StudyError naming file, line and column.
  IvptData read_ivpt_data(const std::string &file);

  struct IvptFitSpec
  {
    std::string               data_file; ///< as resolved (relative to the study file)
    IvptData                  data;
    std::vector<FitParameter> parameters; ///< name = study key path
    std::string               weighting = "proportional";
    double                    weight_floor_ug_per_cm2 = 0; ///< resolved (default: 2 % of max y)
    unsigned int              max_iterations           = 50;
    double                    model_relative_tolerance = 1e-8;
  };

  /**
   * Reads the `study:` block (type fit_ivpt) of a franz_cell study and its data
   * file. @p data_file_override (if not empty) replaces `study.data`. Every
   * parameter key is checked with its initial value and both bounds in the
   * study. Throws StudyError naming the key.
   */
  IvptFitSpec parse_ivpt_fit(const Study &study, const std::string &data_file_override = "");

  /// Called after every model evaluation with the evaluation count, its cost
  /// 0.5 |r|^2 and the lowest cost so far; return false to cancel
  /// (run_ivpt_fit then throws std::runtime_error("cancelled")).
  using FitProgress = std::function<bool(unsigned int evaluations, double cost, double best_cost)>;

  struct IvptFitResult
  {
    FitResult           fit;
    Eigen::MatrixXd     correlation;             ///< of the fitted coordinates
    double              residual_sd = 0;         ///< s = sqrt(residual_variance)
    std::vector<double> sigma, model, residual;  ///< per data row; residual = (y - model) / sigma
    Overrides           fitted_overrides;        ///< key=estimate, one per parameter
    Result              fitted_run;              ///< the fitted model on a fine grid
  };

  IvptFitResult run_ivpt_fit(const Study &study, const IvptFitSpec &spec,
                             const FitProgress &progress = {});

  /// Cumulative permeation [µg/cm²] of the study with the parameters of
  /// @p spec set to @p values, at @p time_h (the residual model).
  std::vector<double> ivpt_model_at(const Study &study, const IvptFitSpec &spec,
                                    const std::vector<double> &values, const std::vector<double> &time_h);

  // Output files of `dermatwin fit-ivpt` (docs/study-methods/fit-ivpt.md).
  std::string ivpt_estimates_json(const Study &study, const IvptFitSpec &spec, const IvptFitResult &result);
  std::string ivpt_fitted_curve_csv(const IvptFitSpec &spec, const IvptFitResult &result);
  std::string ivpt_residuals_csv(const IvptFitSpec &spec, const IvptFitResult &result);
  /// The study with the estimates set and without its `study:` block: runs
  /// with `dermatwin run`.
  std::string ivpt_fitted_study_yaml(const Study &study, const IvptFitSpec &spec, const IvptFitResult &result);
} // namespace dermatwin::studies

#endif
