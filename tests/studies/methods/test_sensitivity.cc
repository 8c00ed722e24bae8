// Global sensitivity analysis against closed forms: Ishigami and linear Sobol'
// indices, the Sobol' sequence's net property, Morris screening.
#include <dermatwin/studies/sensitivity.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>

using namespace dermatwin::studies;

namespace
{
  const double pi = std::acos(-1.);

  /// Ishigami & Homma (1990), a = 7, b = 0.1.
  constexpr double a = 7, b = 0.1;
  std::vector<double> ishigami(const std::vector<double> &x)
  {
    return {std::sin(x[0]) + a * std::pow(std::sin(x[1]), 2) +
            b * std::pow(x[2], 4) * std::sin(x[0])};
  }
  const std::vector<ParameterRange> ishigami_ranges = {
    {"x1", -pi, pi}, {"x2", -pi, pi}, {"x3", -pi, pi}};

  /// Index of the interval of width 2^-k holding x.
  unsigned cell(const double x, const unsigned k)
  {
    return unsigned(std::ldexp(x, int(k)));
  }

  /// Runs @p f and checks that it throws std::invalid_argument mentioning @p word.
  template <typename F>
  void expect_invalid(F f, const std::string &word)
  {
    try
      {
        f();
        ADD_FAILURE() << "no exception, expected one naming " << word;
      }
    catch (const std::invalid_argument &e)
      {
        EXPECT_NE(std::string(e.what()).find(word), std::string::npos) << e.what();
      }
  }
} // namespace

// Exact values from the closed forms (Sobol' & Levitan 1999; Saltelli et al.
// 2008, Global Sensitivity Analysis: The Primer, sec. 4.9).
// All six bootstrap 95 % intervals must contain the exact value: they did for
// 100 of 100 seeds tried (the iid bootstrap is conservative for a QMC design),
// and errors stayed below 0.0015 (tolerance 0.02).
TEST(SobolIndices, IshigamiMatchesClosedForm)
{
  const double V   = a * a / 8 + b * std::pow(pi, 4) / 5 + b * b * std::pow(pi, 8) / 18 + 0.5;
  const double V1  = 0.5 * std::pow(1 + b * std::pow(pi, 4) / 5, 2);
  const double V2  = a * a / 8;
  const double V13 = b * b * std::pow(pi, 8) * (1. / 18 - 1. / 50);
  const std::vector<double> S = {V1 / V, V2 / V, 0}, ST = {(V1 + V13) / V, V2 / V, V13 / V};

  const SobolResult r = sobol_indices(ishigami_ranges, serial(ishigami), 1u << 14, 1000, 2024);
  EXPECT_EQ(r.n_base_samples, 1u << 14);
  EXPECT_EQ(r.n_model_runs, (1u << 14) * 5);
  ASSERT_EQ(r.per_output.size(), 1u);
  const SobolIndices &s = r.per_output[0];
  for (std::size_t i = 0; i < 3; ++i)
    {
      SCOPED_TRACE(r.parameters[i]);
      EXPECT_NEAR(s.first_order[i], S[i], 0.02);
      EXPECT_NEAR(s.total[i], ST[i], 0.02);
      EXPECT_LE(s.first_order_ci_low[i], S[i]);
      EXPECT_GE(s.first_order_ci_high[i], S[i]);
      EXPECT_LE(s.total_ci_low[i], ST[i]);
      EXPECT_GE(s.total_ci_high[i], ST[i]);
      EXPECT_LT(s.first_order_ci_high[i] - s.first_order_ci_low[i], 0.1);
    }
}

// f = sum c_i x_i with inputs of equal variance (ln x4 ~ U(0, 1) for the
// log-uniform x4): S_i = ST_i = c_i^2 / sum c_j^2. A second output f = x2
// checks that outputs are kept apart. x3 ~ U(10, 11) gives f a large mean.
TEST(SobolIndices, LinearModelWithLogScaleInput)
{
  const std::vector<double>         c = {1, -2, 3, 1.5};
  const std::vector<ParameterRange> ranges = {
    {"x1", 0, 1}, {"x2", -2, -1}, {"x3", 10, 11}, {"x4", 1, std::exp(1.), true}};
  const auto model = [&c](const std::vector<double> &x) {
    return std::vector<double>{c[0] * x[0] + c[1] * x[1] + c[2] * x[2] + c[3] * std::log(x[3]),
                               x[1]};
  };
  const SobolResult r = sobol_indices(ranges, serial(model), 4096, 200, 7);
  ASSERT_EQ(r.per_output.size(), 2u);
  EXPECT_EQ(r.n_model_runs, 4096u * 6);
  double sum = 0;
  for (const double ci : c)
    sum += ci * ci;
  for (std::size_t i = 0; i < 4; ++i)
    {
      SCOPED_TRACE(ranges[i].name);
      EXPECT_NEAR(r.per_output[0].first_order[i], c[i] * c[i] / sum, 0.01);
      EXPECT_NEAR(r.per_output[0].total[i], c[i] * c[i] / sum, 0.01);
      EXPECT_NEAR(r.per_output[1].first_order[i], i == 1 ? 1. : 0., 0.01);
      EXPECT_NEAR(r.per_output[1].total[i], i == 1 ? 1. : 0., 0.01);
    }
}

TEST(SobolSequence, FirstPointsAreJoeKuos)
{
  const auto p = sobol_sequence(8, 3);
  // Columns of the first 8 points of dimensions 1-3 (Joe & Kuo's recurrence
  // worked by hand: m = (1), (1), (1, 3) for polynomials x+1, x^2+x+1).
  const double expected[3][8] = {{0, .5, .75, .25, .375, .875, .625, .125},
                                 {0, .5, .25, .75, .375, .875, .125, .625},
                                 {0, .5, .25, .75, .625, .125, .875, .375}};
  for (unsigned i = 0; i < 8; ++i)
    for (unsigned j = 0; j < 3; ++j)
      EXPECT_EQ(p[i][j], expected[j][i]) << "point " << i << ", dimension " << j + 1;
}

// Every single dimension of a (t, s)-sequence is a (0, 1)-sequence: the first
// 2^k points fill the 2^k intervals of width 2^-k once each; the first two
// dimensions form a (0, 2)-sequence: each 2^-q x 2^-(k-q) box holds one point.
// A digital shift keeps both properties.
TEST(SobolSequence, ElementaryIntervalsHoldOnePointEach)
{
  for (const auto seed : {std::optional<std::uint64_t>{}, std::optional<std::uint64_t>{99}})
    {
      const auto p = sobol_sequence(1u << 12, sobol_max_dimension, seed);
      for (unsigned k = 0; k <= 12; ++k)
        {
          const unsigned n = 1u << k;
          for (unsigned j = 0; j < sobol_max_dimension; ++j)
            {
              std::vector<int> count(n, 0);
              for (unsigned i = 0; i < n; ++i)
                ++count[cell(p[i][j], k)];
              EXPECT_EQ(*std::min_element(count.begin(), count.end()), 1)
                << "2^" << k << " points, dimension " << j + 1 << (seed ? ", shifted" : "");
            }
          for (unsigned q = 0; q <= k; ++q)
            {
              std::vector<int> count(n, 0);
              for (unsigned i = 0; i < n; ++i)
                ++count[(cell(p[i][0], q) << (k - q)) + cell(p[i][1], k - q)];
              EXPECT_EQ(*std::min_element(count.begin(), count.end()), 1)
                << "2^" << k << " points, box 2^-" << q << " x 2^-" << k - q;
            }
        }
    }
}

TEST(Morris, IshigamiRanksAndInertInput)
{
  const MorrisResult r = morris_screening(ishigami_ranges, serial(ishigami), 500, 4, 11);
  EXPECT_EQ(r.n_trajectories, 500u);
  EXPECT_EQ(r.n_model_runs, 500u * 4);
  ASSERT_EQ(r.mu_star.size(), 1u);
  // x3 acts only through its interaction with x1.
  EXPECT_GT(r.mu_star[0][2], 0.5);
  EXPECT_LT(r.mu_star[0][2], r.mu_star[0][0]);
  for (std::size_t i = 0; i < 3; ++i)
    EXPECT_LE(std::abs(r.mu[0][i]), r.mu_star[0][i] + 1e-12);

  const auto inert = [](const std::vector<double> &x) {
    return std::vector<double>{x[0] + 0 * x[1]};
  };
  const MorrisResult m =
    morris_screening({{"x1", 0, 1}, {"x2", 1e-3, 1e3, true}}, serial(inert), 20, 6, 3);
  EXPECT_EQ(m.mu_star[0][1], 0.);
  EXPECT_EQ(m.sigma[0][1], 0.);
  EXPECT_NEAR(m.mu_star[0][0], 1., 1e-12); // unit-cube scaling of a unit-width input
  EXPECT_NEAR(m.sigma[0][0], 0., 1e-12);
}

TEST(Sensitivity, SameSeedSameResultOtherSeedDiffers)
{
  const auto sobol = [](std::uint64_t seed) {
    return sobol_indices(ishigami_ranges, serial(ishigami), 256, 50, seed).per_output[0];
  };
  const SobolIndices s1 = sobol(5), s2 = sobol(5), s3 = sobol(6);
  EXPECT_EQ(s1.first_order, s2.first_order);
  EXPECT_EQ(s1.total, s2.total);
  EXPECT_EQ(s1.first_order_ci_low, s2.first_order_ci_low);
  EXPECT_EQ(s1.total_ci_high, s2.total_ci_high);
  EXPECT_NE(s1.first_order, s3.first_order);
  EXPECT_NE(s1.total_ci_low, s3.total_ci_low);

  const auto morris = [](std::uint64_t seed) {
    return morris_screening(ishigami_ranges, serial(ishigami), 10, 4, seed).mu_star[0];
  };
  EXPECT_EQ(morris(5), morris(5));
  EXPECT_NE(morris(5), morris(6));
}

TEST(Sensitivity, BadInputsThrow)
{
  const auto f = serial(ishigami);
  const auto sobol = [&f](std::vector<ParameterRange> p) {
    return [=] { sobol_indices(p, f, 64, 10, 1); };
  };
  expect_invalid(sobol({{"x1", 1, 1}, {"x2", 0, 1}, {"x3", 0, 1}}), "x1");
  expect_invalid(sobol({{"x1", 0, 1}, {"x2", 2, 1}, {"x3", 0, 1}}), "x2");
  expect_invalid(sobol({{"x1", 0, 1}, {"x2", 0, 1}, {"x3", 0, NAN}}), "x3");
  expect_invalid(sobol({{"x1", 0, 1}, {"x2", 0, 1}, {"dose", 0, 1, true}}), "dose");
  expect_invalid(sobol({{"x1", 0, 1}, {"x1", 0, 1}, {"x3", 0, 1}}), "x1");
  expect_invalid(sobol({}), "no parameters");
  expect_invalid([&] { sobol_indices(ishigami_ranges, f, 1, 10, 1); }, "n_base_samples");
  std::vector<ParameterRange> many;
  for (unsigned i = 0; i <= sobol_max_parameters; ++i)
    many.push_back({"p" + std::to_string(i), 0, 1});
  expect_invalid([&] { sobol_indices(many, f, 64, 10, 1); }, "at most");
  expect_invalid([&] { morris_screening(ishigami_ranges, f, 1, 4, 1); }, "n_trajectories");
  expect_invalid([&] { morris_screening(ishigami_ranges, f, 10, 3, 1); }, "levels");
  expect_invalid([&] { morris_screening({{"k", -1, 1, true}}, f, 10, 4, 1); }, "k");
  expect_invalid([] { sobol_sequence(4, sobol_max_dimension + 1); }, "dimension");

  const BatchEvaluator short_answer = [](const std::vector<std::vector<double>> &x) {
    return std::vector<std::vector<double>>(x.size() - 1, {1.});
  };
  EXPECT_THROW(sobol_indices(ishigami_ranges, short_answer, 8, 0, 1), std::runtime_error);
  const auto nan_model = [](const std::vector<double> &) { return std::vector<double>{NAN}; };
  EXPECT_THROW(morris_screening(ishigami_ranges, serial(nan_model), 4, 4, 1), std::runtime_error);
}
