// Least squares and MAP fits against independent truths: closed-form OLS,
// interval coverage, Crank's lag-time solution, prior limits, bounds.
#include <dermatwin/studies/least_squares.h>

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <limits>
#include <random>
#include <stdexcept>

using namespace dermatwin::studies;

namespace
{
  constexpr double inf = std::numeric_limits<double>::infinity();
  constexpr double pi  = 3.14159265358979323846;

  struct Data
  {
    std::vector<double> t, y;
  };

  double decay(const std::vector<double> &theta, const double t)
  {
    return theta[0] * std::exp(-theta[1] * t);
  }

  /// y = A exp(-k t) + N(0, sigma^2) on t = 0, 2, ..., 2 (n - 1).
  Data decay_data(const double A, const double k, const double sigma, const unsigned seed,
                  const int n = 15)
  {
    std::mt19937                     rng(seed);
    std::normal_distribution<double> noise(0., sigma);
    Data                             d;
    for (int i = 0; i < n; ++i)
    {
      d.t.push_back(2. * i);
      d.y.push_back(decay({A, k}, d.t.back()) + noise(rng));
    }
    return d;
  }

  ResidualFunction decay_residuals(const Data &d, const double sigma)
  {
    return [d, sigma](const std::vector<double> &theta) {
      Eigen::VectorXd r(d.t.size());
      for (std::size_t i = 0; i < d.t.size(); ++i)
        r[i] = (d.y[i] - decay(theta, d.t[i])) / sigma;
      return r;
    };
  }

  std::vector<FitParameter> decay_parameters(const double A0 = 5, const double k0 = 0.1)
  {
    return {{"A", A0, 1e-3, 1e3}, {"k", k0, 1e-4, 10}};
  }

  /// Crank's membrane solution for the cumulative amount through a membrane
  /// of thickness L (um) with constant donor concentration C and partition K:
  /// Q = L K C [D t / L^2 - 1/6 - 2/pi^2 sum (-1)^n / n^2 exp(-D n^2 pi^2 t / L^2)].
  /// D in um^2/h, K C in ug/cm^3, Q in ug/cm^2.
  double crank_amount(const double D, const double KC, const double L_um, const double t_h)
  {
    const double tau = D * t_h / (L_um * L_um);
    double       sum = 0;
    for (int n = 1; n <= 1000; ++n)
    {
      const double term = std::exp(-tau * n * n * pi * pi) / (n * n);
      sum += (n % 2 ? -term : term);
      if (term < 1e-18)
        break;
    }
    return L_um * 1e-4 * KC * (tau - 1. / 6 - 2 / (pi * pi) * sum);
  }

  void expect_invalid_naming(const std::function<void()> &call, const std::string &name)
  {
    try
    {
      call();
      ADD_FAILURE() << "no std::invalid_argument for " << name;
    }
    catch (const std::invalid_argument &e)
    {
      EXPECT_NE(std::string(e.what()).find(name), std::string::npos) << e.what();
    }
  }
} // namespace

TEST(StudentT, QuantilesMatchTables)
{
  EXPECT_NEAR(student_t_quantile(0.975, 1), 12.7062047362, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.975, 2), 4.30265272975, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.975, 10), 2.22813885196, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.975, 30), 2.04227245630, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.95, 5), 2.01504837333, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.025, 10), -2.22813885196, 1e-8);
  // Fractional dof: reference from Simpson quadrature of the density.
  EXPECT_NEAR(student_t_quantile(0.975, 2.5), 3.57465484200, 1e-8);
  EXPECT_NEAR(student_t_quantile(0.975, inf), 1.95996398454, 1e-9);
  EXPECT_NEAR(student_t_quantile(0.975, 1e7), 1.95996398454, 1e-6);
  EXPECT_TRUE(std::isnan(student_t_quantile(0.975, 0)));
}

TEST(LeastSquares, LinearRegressionEqualsClosedFormOls)
{
  const double                     sigma = 0.3;
  std::mt19937                     rng(42);
  std::normal_distribution<double> noise(0., sigma);
  const int                        n = 20;
  Eigen::MatrixXd                  X(n, 2);
  Eigen::VectorXd                  y(n);
  for (int i = 0; i < n; ++i)
  {
    const double t = 0.5 * i;
    X.row(i) << 1, t;
    y[i] = 1.5 + 0.8 * t + noise(rng);
  }
  const Eigen::MatrixXd XtX_inv = (X.transpose() * X).inverse();
  const Eigen::VectorXd beta    = XtX_inv * X.transpose() * y;
  const double          s2      = (y - X * beta).squaredNorm() / (n - 2);

  const ResidualFunction residuals = [&](const std::vector<double> &p) {
    return Eigen::VectorXd((y - X * Eigen::Vector2d(p[0], p[1])) / sigma);
  };
  const std::vector<FitParameter> parameters{{"a", 0, -inf, inf, false}, {"b", 0, -inf, inf, false}};
  for (const bool scaled : {true, false})
  {
    const FitResult fit = fit_least_squares(parameters, residuals, {}, scaled);
    ASSERT_TRUE(fit.converged) << fit.message;
    const double variance = scaled ? s2 : sigma * sigma;
    const double q        = scaled ? student_t_quantile(0.975, n - 2) : 1.959963984540054;
    EXPECT_NEAR(fit.residual_variance, s2 / (sigma * sigma), 1e-9);
    for (int j = 0; j < 2; ++j)
    {
      const double se = std::sqrt(variance * XtX_inv(j, j));
      EXPECT_NEAR(fit.estimate[j] / beta[j], 1, 1e-6) << fit.names[j];
      EXPECT_NEAR(fit.standard_error[j] / se, 1, 1e-6) << fit.names[j];
      EXPECT_NEAR(fit.ci_low[j], beta[j] - q * se, 1e-6 * se);
      EXPECT_NEAR(fit.ci_high[j], beta[j] + q * se, 1e-6 * se);
    }
    // Covariance in the fitted (here physical) coordinates, off-diagonal too.
    EXPECT_NEAR(fit.covariance(0, 1) / (variance * XtX_inv(0, 1)), 1, 1e-6);
  }
}

TEST(LeastSquares, ExponentialDecayIntervalsCoverTheTruth)
{
  const double A = 10, k = 0.3, sigma = 0.2;
  const int    replicates = 200;
  int          covered_A = 0, covered_k = 0, covered_both = 0;
  for (int seed = 1; seed <= replicates; ++seed)
  {
    const Data      d   = decay_data(A, k, sigma, seed);
    const FitResult fit = fit_least_squares(decay_parameters(), decay_residuals(d, sigma));
    ASSERT_TRUE(fit.converged) << "seed " << seed << ": " << fit.message;
    const bool a_in = fit.ci_low[0] <= A && A <= fit.ci_high[0];
    const bool k_in = fit.ci_low[1] <= k && k <= fit.ci_high[1];
    covered_A += a_in, covered_k += k_in, covered_both += a_in && k_in;
  }
  const double cover_A = double(covered_A) / replicates, cover_k = double(covered_k) / replicates;
  std::cout << "[ coverage ] 95 % CI, " << replicates << " replicates: A " << cover_A << ", k "
            << cover_k << ", both " << double(covered_both) / replicates << '\n';
  RecordProperty("coverage_A", std::to_string(cover_A));
  RecordProperty("coverage_k", std::to_string(cover_k));
  EXPECT_GE(cover_A, 0.90);
  EXPECT_GE(cover_k, 0.90);
}

TEST(LeastSquares, CrankLagCurveRecoversDiffusivityAndKC)
{
  const double L = 15, D = 9.375, KC = 5000; // lag time L^2 / (6 D) = 4 h
  std::mt19937                     rng(7);
  std::normal_distribution<double> noise(0., 0.02);
  Data                             d;
  for (int i = 1; i <= 24; ++i)
    for (int replicate = 0; replicate < 3; ++replicate)
    {
      d.t.push_back(2. * i);
      d.y.push_back(crank_amount(D, KC, L, d.t.back()) * (1 + noise(rng)));
    }
  // 2 % proportional error: relative weights, s^2 estimated.
  const ResidualFunction residuals = [&](const std::vector<double> &p) {
    Eigen::VectorXd r(d.t.size());
    for (std::size_t i = 0; i < d.t.size(); ++i)
      r[i] = (d.y[i] - crank_amount(p[0], p[1], L, d.t[i])) / d.y[i];
    return r;
  };
  const FitResult fit =
    fit_least_squares({{"D_um2_per_h", 2, 1e-3, 1e3}, {"KC_ug_per_cm3", 2e4, 1, 1e7}}, residuals);
  ASSERT_TRUE(fit.converged) << fit.message;
  std::cout << "[ crank    ] D " << fit.estimate[0] << " [" << fit.ci_low[0] << ", "
            << fit.ci_high[0] << "], KC " << fit.estimate[1] << " [" << fit.ci_low[1] << ", "
            << fit.ci_high[1] << "], s " << std::sqrt(fit.residual_variance) << ", "
            << fit.iterations << " iterations, " << fit.evaluations << " evaluations\n";
  EXPECT_LE(fit.ci_low[0], D);
  EXPECT_GE(fit.ci_high[0], D);
  EXPECT_LE(fit.ci_low[1], KC);
  EXPECT_GE(fit.ci_high[1], KC);
  EXPECT_NEAR(std::sqrt(fit.residual_variance), 0.02, 0.005);
  // Delta method: se_phys = value * se_log.
  EXPECT_NEAR(fit.standard_error[0], fit.estimate[0] * std::sqrt(fit.covariance(0, 0)), 1e-12);
}

TEST(MapFit, PriorWidthInterpolatesBetweenPriorMedianAndWls)
{
  const double              sigma = 1;
  const Data                d     = decay_data(10, 0.3, sigma, 3);
  const ResidualFunction    data  = decay_residuals(d, sigma);
  const std::vector<double> median{8, 0.4};
  const FitResult           wls = fit_least_squares(decay_parameters(), data, {}, false);
  ASSERT_TRUE(wls.converged);

  const MapResult tight =
    fit_map(decay_parameters(), {{median[0], 1e-3}, {median[1], 1e-3}}, data);
  const MapResult wide = fit_map(decay_parameters(), {{median[0], 1e3}, {median[1], 1e3}}, data);
  ASSERT_TRUE(tight.converged) << tight.message;
  ASSERT_TRUE(wide.converged) << wide.message;
  for (int j = 0; j < 2; ++j)
  {
    std::cout << "[ map      ] " << tight.names[j] << ": tight rel. dev. from median "
              << tight.estimate[j] / median[j] - 1 << ", shrinkage " << tight.shrinkage[j]
              << "; wide rel. dev. from WLS " << wide.estimate[j] / wls.estimate[j] - 1
              << ", shrinkage " << wide.shrinkage[j] << '\n';
    EXPECT_NEAR(tight.estimate[j] / median[j], 1, 1e-3);
    EXPECT_NEAR(wide.estimate[j] / wls.estimate[j], 1, 1e-4);
    EXPECT_GT(tight.shrinkage[j], 0.9);
    EXPECT_LT(wide.shrinkage[j], 1e-3);
    // Flat prior: the posterior covariance is the WLS one.
    EXPECT_NEAR(wide.covariance(j, j) / wls.covariance(j, j), 1, 1e-3);
  }
}

TEST(LeastSquares, BoundsAreRespectedAndActiveAtTheEstimate)
{
  const Data d = decay_data(10, 0.3, 0.2, 11);
  double     max_A = 0, min_k = inf;
  const auto model = decay_residuals(d, 0.2);
  const ResidualFunction watched = [&](const std::vector<double> &p) {
    max_A = std::max(max_A, p[0]), min_k = std::min(min_k, p[1]);
    return model(p);
  };
  // Truth A = 10 above the linear upper bound, k = 0.3 below the log lower bound.
  const FitResult fit =
    fit_least_squares({{"A", 5, 0, 9, false}, {"k", 0.5, 0.35, 2}}, watched);
  EXPECT_TRUE(fit.converged) << fit.message;
  EXPECT_LE(max_A, 9);
  EXPECT_GE(min_k, 0.35);
  EXPECT_DOUBLE_EQ(fit.estimate[0], 9);
  EXPECT_NEAR(fit.estimate[1], 0.35, 1e-12);
}

TEST(LeastSquares, BadInputThrowsNamingTheParameter)
{
  const auto r = decay_residuals(decay_data(10, 0.3, 0.2, 1), 0.2);
  const auto ls = [&](std::vector<FitParameter> p) { return [=] { fit_least_squares(p, r); }; };
  expect_invalid_naming(ls({{"A", 5, 1e-3, 1e3}, {"kel", 0.1, 1, 0.5}}), "kel");      // low > high
  expect_invalid_naming(ls({{"A", 5, 1e-3, 1e3}, {"kel", 20, 1e-4, 10}}), "kel");     // outside
  expect_invalid_naming(ls({{"Amp", 5, 0, 1e3}, {"k", 0.1, 1e-4, 10}}), "Amp");       // log, low 0
  expect_invalid_naming(ls({{"Amp", NAN, 1, 1e3}, {"k", 0.1, 1e-4, 10}}), "Amp");     // NaN
  EXPECT_THROW(fit_least_squares({}, r), std::invalid_argument);
  // Fewer residuals than parameters.
  const ResidualFunction one = [](const std::vector<double> &p) {
    return Eigen::VectorXd::Constant(1, p[0] + p[1]);
  };
  EXPECT_THROW(fit_least_squares(decay_parameters(), one), std::invalid_argument);
  // Non-finite residuals at the start.
  const ResidualFunction nan_model = [](const std::vector<double> &) {
    return Eigen::VectorXd::Constant(5, NAN);
  };
  EXPECT_THROW(fit_least_squares(decay_parameters(), nan_model), std::invalid_argument);
  // Residual vector changing length.
  int                    calls  = 0;
  const ResidualFunction shifty = [&](const std::vector<double> &) {
    return Eigen::VectorXd::Constant(calls++ == 0 ? 4 : 3, 1.);
  };
  EXPECT_THROW(fit_least_squares(decay_parameters(), shifty), std::runtime_error);
  // MAP: priors.
  const auto map = [&](std::vector<FitParameter> p, std::vector<Prior> pr) {
    return [=] { fit_map(p, pr, r); };
  };
  expect_invalid_naming(map({{"A", 5, 0.1, 100, false}, {"k", 0.1, 1e-4, 10}}, {{8, 1}, {0.4, 1}}),
                        "'A'");
  expect_invalid_naming(map(decay_parameters(), {{8, 1}, {-0.4, 1}}), "'k'");
  expect_invalid_naming(map(decay_parameters(), {{8, 0}, {0.4, 1}}), "'A'");
  EXPECT_THROW(fit_map(decay_parameters(), {{8, 1}}, r), std::invalid_argument);
}

TEST(LeastSquares, NonFiniteTrialRegionIsRejectedNotFatal)
{
  const Data d = decay_data(10, 0.3, 0.2, 5);
  const auto model = decay_residuals(d, 0.2);
  int        nan_calls = 0;
  // The model "fails" (e.g. a solver blow-up) for k > 0.33, just above the truth.
  const ResidualFunction fragile = [&](const std::vector<double> &p) {
    if (p[1] <= 0.33)
      return model(p);
    ++nan_calls;
    return Eigen::VectorXd::Constant(d.t.size(), NAN).eval();
  };
  const FitResult reference = fit_least_squares(decay_parameters(), model);
  const FitResult fit       = fit_least_squares(decay_parameters(2, 0.1), fragile);
  std::cout << "[ nan      ] " << nan_calls << " non-finite evaluations, " << fit.iterations
            << " iterations, " << fit.message << '\n';
  EXPECT_GT(nan_calls, 0);
  ASSERT_TRUE(fit.converged) << fit.message;
  EXPECT_NEAR(fit.estimate[0] / reference.estimate[0], 1, 1e-6);
  EXPECT_NEAR(fit.estimate[1] / reference.estimate[1], 1, 1e-6);
}

TEST(LeastSquares, UnidentifiableParametersGiveUndefinedCovariance)
{
  // Only the product a * b enters the model.
  const ResidualFunction product = [](const std::vector<double> &p) {
    Eigen::VectorXd r(3);
    r << p[0] * p[1] - 2, 2 * p[0] * p[1] - 4.1, 3 * p[0] * p[1] - 5.9;
    return r;
  };
  const FitResult fit = fit_least_squares({{"a", 1, 0.01, 100}, {"b", 1, 0.01, 100}}, product);
  EXPECT_NEAR(fit.estimate[0] * fit.estimate[1], (2 + 2 * 4.1 + 3 * 5.9) / 14, 1e-6);
  EXPECT_FALSE(fit.covariance.allFinite());
  EXPECT_NE(fit.message.find("rank-deficient"), std::string::npos) << fit.message;
}
