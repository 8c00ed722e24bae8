// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_least_squares_h
#define dermatwin_studies_least_squares_h

/**
 * @file
 * Bounded nonlinear least squares and maximum a posteriori (MAP) fits of
 * simulator parameters to measured data, without model derivatives.
 *
 * Algorithm: Levenberg-Marquardt with Nielsen's damping update
 * (K. Madsen, H.B. Nielsen, O. Tingleff, "Methods for Non-Linear Least
 * Squares Problems", 2nd ed., IMM DTU 2004, Algorithm 3.16). The Jacobian is
 * approximated by forward finite differences in the fitted coordinates
 * (log(value) for log-scale parameters, the value itself otherwise); a
 * backward difference is used next to an upper bound or where the forward
 * point gives non-finite residuals. Bounds are enforced by clamping the
 * fitted coordinates to the box; parameters on a bound whose gradient points
 * out of the box are held fixed for that step (projected active set).
 * Trial points with non-finite residuals are rejected steps (the damping grows).
 *
 * Stopping (any of): projected gradient |J^T r|_inf <= tolerance; step
 * |h_j / s_j| <= tolerance with s_j = 1 for log-scale and |x_j| + tolerance
 * for linear parameters; an accepted step reducing the cost by less than
 * tolerance * cost with gain ratio > 0.25.
 *
 * Uncertainty: Gauss-Newton approximation, covariance = (J^T J)^{-1} at the
 * estimate in the fitted coordinates (Bates & Watts, "Nonlinear Regression
 * Analysis and Its Applications", 1988, ch. 2), optionally scaled by the
 * residual variance s^2 = |r|^2 / (n - p). Standard errors of log-scale
 * parameters are converted by the delta method, their intervals by
 * exponentiating the log-scale interval.
 */

#include <Eigen/Dense>

#include <functional>
#include <string>
#include <vector>

namespace dermatwin::studies
{
  /// One fitted parameter. Log-scale parameters are fitted as log(value) and
  /// need 0 < low; both kinds are clamped to [low, high] (infinite bounds allowed).
  struct FitParameter
  {
    std::string name;
    double      initial, low, high;
    bool        log_scale = true;
  };

  /// Residual model: parameters (physical values, in FitParameter order) ->
  /// residual vector r, already weighted: r_i = (y_i - model_i) / sigma_i.
  /// Its length must not change between calls.
  using ResidualFunction = std::function<Eigen::VectorXd(const std::vector<double> &)>;

  struct FitOptions
  {
    unsigned int max_iterations = 100; ///< Levenberg-Marquardt trial steps
    double       tolerance      = 1e-8;
    /// Forward-difference step in the fitted coordinate x, relative:
    /// h = step * max(|x|, 1) for log-scale, step * max(|x|, |initial|) (or 1 if
    /// both are 0) for linear parameters.
    double finite_difference_step = 1e-6;
  };

  struct FitResult
  {
    std::vector<std::string> names;
    std::vector<double>      estimate;       ///< physical values
    /// Physical units; delta method for log-scale parameters: value * se_log.
    std::vector<double> standard_error;
    /// 95 % intervals: log-scale exp(log(value) -/+ q se_log), linear value -/+ q se.
    std::vector<double> ci_low, ci_high;
    /// Quantile q used for the intervals: Student t (n - p dof) at 0.975 when the
    /// covariance is scaled by the residual variance, the normal 1.95996 otherwise.
    double          interval_quantile = 0;
    Eigen::MatrixXd covariance;       ///< fitted coordinates (log for log-scale); NaN if J is rank-deficient
    double          cost = 0;         ///< 0.5 |r|^2 at the estimate
    double          residual_variance = 0; ///< |r|^2 / (n - p); NaN when n == p
    unsigned int    iterations = 0, evaluations = 0;
    bool            converged = false;
    std::string     message;
  };

  /**
   * Weighted least squares. If @p scale_by_residual_variance, covariance =
   * s^2 (J^T J)^{-1} and the intervals use Student t (use this when sigma_i
   * are relative weights, not true SDs); otherwise (J^T J)^{-1} and the normal
   * quantile. Throws std::invalid_argument (naming the parameter) for bad
   * bounds or initial values, fewer residuals than parameters, or non-finite
   * residuals at the initial values.
   */
  FitResult fit_least_squares(const std::vector<FitParameter> &parameters,
                              const ResidualFunction &residuals, const FitOptions &options = {},
                              bool scale_by_residual_variance = true);

  /// Log-normal prior: median and SD of log(value) (omega).
  struct Prior
  {
    double median, omega;
  };

  struct MapResult : FitResult
  {
    /// Per parameter 1 - sqrt(1 - sd_post^2 / omega^2): the expected
    /// eta-shrinkage 1 - SD(EBE eta) / omega of a linear-Gaussian model (since
    /// omega^2 = Var(EBE) + sd_post^2). Near 1: the data say nothing beyond the
    /// prior; near 0: the data dominate.
    std::vector<double> shrinkage;
  };

  /**
   * Maximum a posteriori with independent log-normal priors: the objective
   * appends r_prior,k = (log theta_k - log median_k) / omega_k to the data
   * residuals. All parameters must be log-scale. The covariance is the
   * (unscaled) Gauss-Newton posterior covariance; residual_variance is
   * |r|^2 / n_data over data and prior residuals together.
   */
  MapResult fit_map(const std::vector<FitParameter> &parameters, const std::vector<Prior> &priors,
                    const ResidualFunction &data_residuals, const FitOptions &options = {});

  /// Quantile of Student's t distribution with @p dof degrees of freedom
  /// (dof = infinity gives the standard normal), to about 1e-10. NaN for dof <= 0.
  double student_t_quantile(double probability, double dof);
} // namespace dermatwin::studies

#endif
