// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_calibration_h
#define dermatwin_studies_calibration_h

/**
 * @file
 * Calibration of a person's twin to measured plasma levels (study block
 * `type: calibrate`): Bayesian maximum a posteriori (MAP) estimation of
 * individual factors, as in model-informed precision dosing.
 *
 * Model. For parameters theta_k (study keys, e.g. patient.pk_factors.clearance,
 * patient.skin_factors.sc_permeability) the twin predicts the plasma level
 * C(t_i; theta) [ng/mL] by running the scenario with the study's dosing and the
 * factors set (linear interpolation between output rows; exact at multiples of
 * simulation.output_every_h). Priors are log-normal:
 *   log theta_k ~ N(log median_k, omega_k^2),  omega_k = sqrt(ln(1 + CV_k^2)),
 * with CV_k from the library (resources/models/skin_ageing.yaml variability.*_cv
 * for skin factors) or the population defaults (PopulationSpec: clearance 0.3,
 * volumes 0.2), median 1; both overridable per parameter.
 * Residual error (combined):  DV_i = C_i + eps_i,
 *   sigma_i = sqrt(additive^2 + (proportional * DV_i)^2),
 * evaluated at the observation DV_i (fixed weights, like the assay-error
 * polynomials of Jelliffe et al., Ther Drug Monit 1993;15:380-393), so that the
 * objective is an exact weighted sum of squares:
 *   OFV = sum_i ((DV_i - C_i)/sigma_i)^2 + sum_k ((log theta_k - log median_k)/omega_k)^2.
 * (Sigma from the prediction would need a log(sigma) term that a sum of
 * squares cannot carry, and biases the fit to high predictions.)
 * The MAP estimate minimises OFV (fit_map, Levenberg-Marquardt, least_squares.h);
 * its Laplace (Gauss-Newton) posterior covariance Sigma in log theta gives
 * standard errors, 95 % intervals exp(log theta -/+ 1.96 se_log) and
 * eta-shrinkage 1 - sqrt(1 - se_log^2 / omega^2) (Savic & Karlsson, AAPS J
 * 2009;11:558-569). References for MAP Bayesian TDM: Sheiner & Beal, J
 * Pharmacokinet Biopharm 1982;10:303-319; Wicha et al., Clin Pharmacol Ther
 * 2021;109:1197-1200 (model-informed precision dosing).
 *
 * Predictive band: `samples` draws log theta ~ N(log theta_MAP, Sigma) (the
 * Laplace posterior) run in parallel (run_batch); percentiles of C(t) over the
 * draws give the band of the individual's course from parameter uncertainty;
 * with include_residual_error a draw of the residual error (sigma from the
 * predicted level) is added to each value (a prediction interval for new samples).
 */

#include <dermatwin/studies/batch.h>
#include <dermatwin/studies/least_squares.h>
#include <dermatwin/studies/tdm_data.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace dermatwin::studies
{
  /// One estimated individual parameter with its log-normal prior.
  struct CalibrationParameter
  {
    std::string key;            ///< study key path, as for --set
    double      median = 1;     ///< prior median (typical value)
    double      omega  = 0;     ///< prior SD of log(value)
    std::string prior_source;   ///< where omega (or its CV) came from
    double      low = 0, high = 0; ///< search bounds: median * exp(-/+ 6 omega), within the key's range
  };

  /// Combined residual error: sigma = sqrt(additive^2 + (proportional * c)^2).
  struct ResidualError
  {
    double proportional = 0.2, additive_ng_per_mL = 0.05;
    double sd_ng_per_mL(double concentration_ng_per_mL) const;
  };

  struct PredictiveBand
  {
    unsigned int        samples = 200; ///< 0: no band
    std::vector<double> percentiles = {5, 50, 95};
    std::uint64_t       seed = 1;
    bool                include_residual_error = false;
  };

  struct CalibrationSpec
  {
    std::string                       data_file; ///< resolved path of the TDM file
    std::string                       id;        ///< ID to select from the file (empty: the only one)
    TdmData                           data;      ///< the observations, read and checked by parse_calibration
    std::vector<CalibrationParameter> parameters;
    ResidualError                     residual_error;
    PredictiveBand                    band;
    unsigned int                      max_iterations = 50;
  };

  /**
   * Reads and checks the study block. `data` is relative to the study file;
   * a non-empty @p data_file (the CLI's TDM.csv argument) replaces it. Throws
   * StudyError naming file, line and key.
   */
  CalibrationSpec parse_calibration(const Study &study, const std::string &data_file = "");

  /// Stage "fit" (done = model runs so far, total = 0: open-ended) or "band"
  /// (done/total model runs); return false to cancel (throws "cancelled").
  using CalibrationProgress =
    std::function<bool(const std::string &stage, std::size_t done, std::size_t total)>;

  struct CalibrationResult
  {
    std::vector<CalibrationParameter> parameters;
    TdmData                           data;
    MapResult                         fit;
    double objective = 0, data_objective = 0, prior_objective = 0; ///< OFV and its two sums
    std::vector<double> population_at_samples_ng_per_mL, individual_at_samples_ng_per_mL;
    std::vector<double> weighted_residuals; ///< (DV - C_MAP) / sigma at each sample
    /// Output rows (the scenario's output grid and the sample times, sorted).
    std::vector<double>              time_h, population_ng_per_mL, individual_ng_per_mL;
    std::vector<std::vector<double>> band_ng_per_mL; ///< [percentile][row]; empty without a band
    std::vector<double>              band_percentiles;
    Overrides   individual_overrides;  ///< key=value of the MAP estimates
    std::string calibrated_study_yaml; ///< the study with the estimates set, without the study block
    unsigned int model_runs = 0;
  };

  CalibrationResult run_calibration(const Study &study, const CalibrationSpec &spec, unsigned int n_threads,
                                    const CalibrationProgress &progress = {});

  /// estimates.json text: estimates, SE, 95 % intervals, shrinkage, priors,
  /// objective, per-sample predictions and weighted residuals.
  std::string calibration_estimates_json(const CalibrationResult &result, const CalibrationSpec &spec);
  /// prediction.csv text: time_h, population_ng_per_mL, individual_ng_per_mL,
  /// band_pX_ng_per_mL..., observed_dv_ng_per_mL (empty where no sample).
  std::string calibration_prediction_csv(const CalibrationResult &result);
} // namespace dermatwin::studies

#endif
