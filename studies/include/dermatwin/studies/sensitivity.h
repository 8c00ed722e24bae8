// SPDX-License-Identifier: LGPL-2.1-or-later
//
// Global sensitivity analysis of models with several outputs.
//
// Sobol' (variance-based) indices:
//  - design: Saltelli A. et al. (2010), Variance based sensitivity analysis of
//    model output. Design and estimator for the total sensitivity index,
//    Comput. Phys. Commun. 181, 259-270. Base matrices A, B from the Sobol'
//    sequence (Sobol' I.M. (1967), USSR Comput. Math. Math. Phys. 7, 86-112)
//    with the direction numbers of Joe S., Kuo F.Y. (2008), Constructing Sobol
//    sequences with better two-dimensional projections, SIAM J. Sci. Comput.
//    30, 2635-2654 (file new-joe-kuo-6.21201), randomised by a digital shift;
//  - first order: Saltelli et al. (2010), Table 2 (b);
//  - total: Jansen M.J.W. (1999), Analysis of variance designs for model
//    output, Comput. Phys. Commun. 117, 35-43;
//  - confidence intervals: bootstrap percentile intervals (Efron B.,
//    Tibshirani R.J. (1993), An Introduction to the Bootstrap, ch. 13).
// Elementary effects (screening):
//  - Morris M.D. (1991), Factorial sampling plans for preliminary
//    computational experiments, Technometrics 33, 161-174;
//  - mu*: Campolongo F., Cariboni J., Saltelli A. (2007), An effective
//    screening design for sensitivity analysis of large models, Environ.
//    Model. Softw. 22, 1509-1518.
#ifndef dermatwin_studies_sensitivity_h
#define dermatwin_studies_sensitivity_h

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace dermatwin::studies
{
  /// An uncertain input, uniform on [low, high] (in log(value) if log_scale).
  struct ParameterRange
  {
    std::string name;
    double      low = 0, high = 1;
    bool        log_scale = false; ///< sample uniformly in log (needs low > 0)
  };

  /// Model: parameter vector (physical values) -> vector of outputs (several
  /// outputs per evaluation, e.g. Cmax, Tmax, AUC).
  using VectorModel = std::function<std::vector<double>(const std::vector<double> &)>;

  /// Evaluates many points, possibly in parallel. Gets the list of points
  /// (physical values), returns the outputs per point in the same order; every
  /// point must give the same number (>= 1) of finite outputs.
  using BatchEvaluator =
    std::function<std::vector<std::vector<double>>(const std::vector<std::vector<double>> &)>;

  /// Wraps a VectorModel into a BatchEvaluator that runs the points serially.
  BatchEvaluator serial(const VectorModel &model);

  /// Number of hard-coded Sobol' dimensions (1 + 39 Joe-Kuo polynomials).
  inline constexpr unsigned int sobol_max_dimension = 40;
  /// sobol_indices() draws A and B from one 2d-dimensional sequence.
  inline constexpr unsigned int sobol_max_parameters = sobol_max_dimension / 2;

  /**
   * The first @p n_points points (Gray-code order; unshifted, point 0 is the
   * origin) of the @p dimension-dimensional Sobol' sequence with Joe-Kuo
   * direction numbers, 32-bit resolution. With @p digital_shift_seed every
   * coordinate is XOR-ed with a random 32-bit shift per dimension
   * (std::mt19937_64), which keeps the (t, m, s)-net structure. Points are
   * indexed [point][dimension].
   */
  std::vector<std::vector<double>>
  sobol_sequence(unsigned int n_points, unsigned int dimension,
                 std::optional<std::uint64_t> digital_shift_seed = std::nullopt);

  /// Per parameter; the intervals are 95 % bootstrap percentile intervals
  /// (NaN when n_bootstrap is 0).
  struct SobolIndices
  {
    std::vector<double> first_order, total;
    std::vector<double> first_order_ci_low, first_order_ci_high, total_ci_low, total_ci_high;
  };

  struct SobolResult
  {
    std::vector<std::string>  parameters;
    std::vector<SobolIndices> per_output;
    unsigned int              n_base_samples = 0, n_model_runs = 0;
  };

  /**
   * Sobol' first-order and total indices of every output.
   *
   * Design (Saltelli 2010): A and B are the first and second d columns of a
   * digitally shifted 2d-dimensional Sobol' sequence of @p n_base_samples
   * points (a power of two keeps the net property); AB_i is A with column i
   * from B. All N (d + 2) points go to @p evaluate in one call (A, B, AB_1..d).
   * Each output is centred by the mean of [f(A); f(B)] (the indices are
   * shift-invariant); then V_i = mean(f(B) (f(AB_i) - f(A))) (Saltelli 2010,
   * Table 2 (b)), E_i = mean((f(A) - f(AB_i))^2) / 2 (Jansen 1999), both
   * divided by the variance of [f(A); f(B)]. A constant output gives NaN.
   * Bootstrap: @p n_bootstrap resamples of the N rows with replacement,
   * 2.5 / 97.5 % percentiles (linear interpolation).
   * @p seed drives the shift and the bootstrap (portable: no std distributions).
   * @throws std::invalid_argument for bad ranges, d > sobol_max_parameters or
   *         n_base_samples < 2; std::runtime_error for a bad model answer.
   */
  SobolResult sobol_indices(const std::vector<ParameterRange> &parameters,
                            const BatchEvaluator &evaluate, unsigned int n_base_samples,
                            unsigned int n_bootstrap, std::uint64_t seed);

  struct MorrisResult
  {
    std::vector<std::string> parameters;
    /// [output][parameter]: mean |EE| (Campolongo 2007), mean EE and its
    /// standard deviation (denominator r - 1) (Morris 1991).
    std::vector<std::vector<double>> mu_star, mu, sigma;
    unsigned int                     n_trajectories = 0, n_model_runs = 0;
  };

  /**
   * Morris (1991) elementary effects from @p n_trajectories random one-at-a-time
   * trajectories on a @p levels-level grid of the unit hypercube, step
   * Delta = p / (2 (p - 1)); EE_i = (f(x + Delta e_i) - f(x)) / Delta in unit
   * coordinates (log coordinates for log_scale parameters). r (d + 1) runs in
   * one call to @p evaluate.
   * @throws std::invalid_argument for bad ranges, n_trajectories < 2 or
   *         @p levels odd or < 2; std::runtime_error for a bad model answer.
   */
  MorrisResult morris_screening(const std::vector<ParameterRange> &parameters,
                                const BatchEvaluator &evaluate, unsigned int n_trajectories,
                                unsigned int levels, std::uint64_t seed);
} // namespace dermatwin::studies

#endif
