// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/studies/sensitivity.h>

#include <Eigen/Dense>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <random>
#include <set>
#include <stdexcept>

namespace dermatwin::studies
{
  namespace
  {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();

    /// Degree s, coefficients a and initial direction numbers m_1..m_s of
    /// dimensions 2..40 of Joe & Kuo's new-joe-kuo-6.21201.
    struct Polynomial
    {
      unsigned int                s, a;
      std::array<std::uint32_t, 8> m;
    };
    constexpr Polynomial joe_kuo[sobol_max_dimension - 1] = {
      {1, 0, {1}}, {2, 1, {1, 3}}, {3, 1, {1, 3, 1}}, {3, 2, {1, 1, 1}}, {4, 1, {1, 1, 3, 3}},
      {4, 4, {1, 3, 5, 13}}, {5, 2, {1, 1, 5, 5, 17}}, {5, 4, {1, 1, 5, 5, 5}},
      {5, 7, {1, 1, 7, 11, 19}}, {5, 11, {1, 1, 5, 1, 1}}, {5, 13, {1, 1, 1, 3, 11}},
      {5, 14, {1, 3, 5, 5, 31}}, {6, 1, {1, 3, 3, 9, 7, 49}}, {6, 13, {1, 1, 1, 15, 21, 21}},
      {6, 16, {1, 3, 1, 13, 27, 49}}, {6, 19, {1, 1, 1, 15, 7, 5}},
      {6, 22, {1, 3, 1, 15, 13, 25}}, {6, 25, {1, 1, 5, 5, 19, 61}},
      {7, 1, {1, 3, 7, 11, 23, 15, 103}}, {7, 4, {1, 3, 7, 13, 13, 15, 69}},
      {7, 7, {1, 1, 3, 13, 7, 35, 63}}, {7, 8, {1, 3, 5, 9, 1, 25, 53}},
      {7, 14, {1, 3, 1, 13, 9, 35, 107}}, {7, 19, {1, 3, 1, 5, 27, 61, 31}},
      {7, 21, {1, 1, 5, 11, 19, 41, 61}}, {7, 28, {1, 3, 5, 3, 3, 13, 69}},
      {7, 31, {1, 1, 7, 13, 1, 19, 1}}, {7, 32, {1, 3, 7, 5, 13, 19, 59}},
      {7, 37, {1, 1, 3, 9, 25, 29, 41}}, {7, 41, {1, 3, 5, 13, 23, 1, 55}},
      {7, 42, {1, 3, 7, 3, 13, 59, 17}}, {7, 50, {1, 3, 1, 3, 5, 53, 69}},
      {7, 55, {1, 1, 5, 5, 23, 33, 13}}, {7, 56, {1, 1, 7, 7, 1, 61, 123}},
      {7, 59, {1, 1, 7, 9, 13, 61, 49}}, {7, 62, {1, 3, 3, 5, 3, 55, 33}},
      {8, 14, {1, 3, 1, 15, 31, 13, 49, 245}}, {8, 21, {1, 3, 5, 15, 31, 59, 63, 97}},
      {8, 22, {1, 3, 1, 11, 11, 11, 77, 249}}};

    using Directions = std::array<std::uint32_t, 32>;

    /// Direction numbers v_k = m_k 2^(32-k) (Joe & Kuo 2008, section 2).
    Directions directions(const unsigned int dim)
    {
      Directions v{};
      if (dim == 0)
        {
          for (unsigned int k = 0; k < 32; ++k)
            v[k] = std::uint32_t(1) << (31 - k);
          return v;
        }
      const Polynomial &p = joe_kuo[dim - 1];
      for (unsigned int k = 0; k < 32; ++k)
        if (k < p.s)
          v[k] = p.m[k] << (31 - k);
        else
          {
            v[k] = v[k - p.s] ^ (v[k - p.s] >> p.s);
            for (unsigned int l = 1; l < p.s; ++l)
              if ((p.a >> (p.s - 1 - l)) & 1u)
                v[k] ^= v[k - l];
          }
      return v;
    }

    /// Uniform integer in [0, n) from the raw engine output (reproducible
    /// across standard libraries, unlike std::uniform_int_distribution).
    std::uint64_t below(std::mt19937_64 &rng, const std::uint64_t n)
    {
      const std::uint64_t threshold = (0 - n) % n;
      std::uint64_t       x;
      do
        x = rng();
      while (x < threshold);
      return x % n;
    }

    void validate(const std::vector<ParameterRange> &parameters)
    {
      if (parameters.empty())
        throw std::invalid_argument("sensitivity: no parameters");
      std::set<std::string> names;
      for (std::size_t i = 0; i < parameters.size(); ++i)
        {
          const ParameterRange &p = parameters[i];
          const std::string     who =
            "sensitivity: parameter '" + (p.name.empty() ? "#" + std::to_string(i) : p.name) + "'";
          if (!std::isfinite(p.low) || !std::isfinite(p.high) || !(p.low < p.high))
            throw std::invalid_argument(who + " needs finite low < high");
          if (p.log_scale && !(p.low > 0))
            throw std::invalid_argument(who + " is log_scale and needs low > 0");
          if (!names.insert(p.name).second)
            throw std::invalid_argument(who + " appears twice");
        }
    }

    double physical(const ParameterRange &p, const double u)
    {
      if (p.log_scale)
        return std::exp(std::log(p.low) + u * (std::log(p.high) - std::log(p.low)));
      return p.low + u * (p.high - p.low);
    }

    /// Maps unit-cube points to physical values, evaluates them and returns
    /// the outputs as a (points x outputs) matrix.
    Eigen::MatrixXd run(const BatchEvaluator &evaluate, const std::vector<ParameterRange> &ranges,
                        std::vector<std::vector<double>> points)
    {
      for (auto &x : points)
        for (std::size_t i = 0; i < x.size(); ++i)
          x[i] = physical(ranges[i], x[i]);
      const auto out = evaluate(points);
      if (out.size() != points.size())
        throw std::runtime_error("sensitivity: the evaluator returned " +
                                 std::to_string(out.size()) + " results for " +
                                 std::to_string(points.size()) + " points");
      const std::size_t n_out = out.empty() ? 0 : out[0].size();
      if (n_out == 0)
        throw std::runtime_error("sensitivity: the model returned no outputs");
      Eigen::MatrixXd y(Eigen::Index(out.size()), Eigen::Index(n_out));
      for (std::size_t j = 0; j < out.size(); ++j)
        {
          if (out[j].size() != n_out)
            throw std::runtime_error("sensitivity: point " + std::to_string(j) + " gave " +
                                     std::to_string(out[j].size()) + " outputs, expected " +
                                     std::to_string(n_out));
          for (std::size_t k = 0; k < n_out; ++k)
            if (!std::isfinite(y(Eigen::Index(j), Eigen::Index(k)) = out[j][k]))
              throw std::runtime_error("sensitivity: output " + std::to_string(k) +
                                       " is not finite at point " + std::to_string(j));
        }
      return y;
    }

    std::vector<std::string> names(const std::vector<ParameterRange> &parameters)
    {
      std::vector<std::string> n;
      for (const auto &p : parameters)
        n.push_back(p.name);
      return n;
    }

    /// Per base row, per output: the columns [a, b, a^2, b^2, b (c_i - a)_i,
    /// (a - c_i)^2 / 2 _i] with a = f(A) - m, b = f(B) - m, c_i = f(AB_i) - m,
    /// m the mean of [f(A); f(B)]. Every estimate is a weighted column sum.
    Eigen::MatrixXd row_terms(const Eigen::MatrixXd &y, const Eigen::Index N, const Eigen::Index d)
    {
      const Eigen::Index width = 4 + 2 * d;
      Eigen::MatrixXd    t(N, width * y.cols());
      for (Eigen::Index k = 0; k < y.cols(); ++k)
        {
          const double          m = y.col(k).head(2 * N).mean();
          const Eigen::VectorXd a = y.col(k).segment(0, N).array() - m;
          const Eigen::VectorXd b = y.col(k).segment(N, N).array() - m;
          auto                  block = t.middleCols(k * width, width);
          block.col(0) = a;
          block.col(1) = b;
          block.col(2) = a.array().square();
          block.col(3) = b.array().square();
          for (Eigen::Index i = 0; i < d; ++i)
            {
              const Eigen::ArrayXd c = y.col(k).segment((2 + i) * N, N).array() - m;
              block.col(4 + i) = b.array() * (c - a.array());
              block.col(4 + d + i) = 0.5 * (a.array() - c).square();
            }
        }
      return t;
    }

    /// Per output k: S_i at [k][i], ST_i at [k][d + i], from the row_terms()
    /// @p t with row j counted weights(j) times (bootstrap multiplicity).
    std::vector<std::vector<double>> estimate(const Eigen::MatrixXd &t, const Eigen::VectorXd &weights,
                                              const Eigen::Index d)
    {
      const Eigen::Index               width = 4 + 2 * d;
      const Eigen::VectorXd            sums  = t.transpose() * weights;
      const double                     n     = weights.sum();
      std::vector<std::vector<double>> s(std::size_t(t.cols() / width));
      for (std::size_t k = 0; k < s.size(); ++k)
        {
          const auto   m    = sums.segment(Eigen::Index(k) * width, width);
          const double mean = (m(0) + m(1)) / (2 * n);
          const double var  = (m(2) + m(3)) / (2 * n) - mean * mean;
          for (Eigen::Index i = 0; i < 2 * d; ++i)
            s[k].push_back(var > 0 ? m(4 + i) / n / var : nan);
        }
      return s;
    }

    /// Rows A, B, AB_1 .. AB_d of the Saltelli design; A and B are the first
    /// and last d columns of @p base.
    std::vector<std::vector<double>> saltelli_design(const std::vector<std::vector<double>> &base,
                                                     const std::size_t d)
    {
      std::vector<std::vector<double>> points;
      points.reserve(base.size() * (d + 2));
      for (std::size_t block = 0; block < d + 2; ++block)
        for (const auto &row : base)
          {
            const auto first = row.begin() + std::ptrdiff_t(block == 1 ? d : 0);
            std::vector<double> x(first, first + std::ptrdiff_t(d));
            if (block >= 2)
              x[block - 2] = row[d + block - 2];
            points.push_back(std::move(x));
          }
      return points;
    }

    /// 2.5 and 97.5 % percentiles (linear interpolation) of the finite values;
    /// NaN if there are none.
    std::pair<double, double> interval(std::vector<double> v)
    {
      v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }),
              v.end());
      if (v.empty())
        return {nan, nan};
      std::sort(v.begin(), v.end());
      const auto q = [&v](const double p) {
        const double      pos = p * double(v.size() - 1);
        const std::size_t lo  = std::size_t(pos);
        const std::size_t hi  = std::min(lo + 1, v.size() - 1);
        return v[lo] + (pos - double(lo)) * (v[hi] - v[lo]);
      };
      return {q(0.025), q(0.975)};
    }

    /// Order of the one-at-a-time steps of a Morris trajectory and the
    /// direction (+1 / -1) of each parameter's step.
    struct Trajectory
    {
      std::vector<std::size_t> order;
      std::vector<int>         up;
    };

    /// Appends a random trajectory's d + 1 unit-cube points to @p points.
    /// Integer grid levels 0..p-1 keep the design exact; a step is p/2 levels.
    Trajectory trajectory(const std::size_t d, const unsigned int levels, std::mt19937_64 &rng,
                          std::vector<std::vector<double>> &points)
    {
      const unsigned int        half = levels / 2;
      Trajectory                t{std::vector<std::size_t>(d), std::vector<int>(d)};
      std::vector<unsigned int> level(d);
      for (std::size_t i = 0; i < d; ++i)
        {
          t.up[i]  = below(rng, 2) ? 1 : -1;
          level[i] = unsigned(below(rng, half)) + (t.up[i] > 0 ? 0 : half);
          t.order[i] = i;
        }
      for (std::size_t i = d; i > 1; --i) // Fisher-Yates
        std::swap(t.order[i - 1], t.order[below(rng, i)]);
      const auto add_point = [&] {
        std::vector<double> x(d);
        for (std::size_t i = 0; i < d; ++i)
          x[i] = double(level[i]) / double(levels - 1);
        points.push_back(std::move(x));
      };
      add_point();
      for (const std::size_t i : t.order)
        {
          level[i] = t.up[i] > 0 ? level[i] + half : level[i] - half;
          add_point();
        }
      return t;
    }
  } // namespace

  BatchEvaluator serial(const VectorModel &model)
  {
    return [model](const std::vector<std::vector<double>> &points) {
      std::vector<std::vector<double>> out;
      out.reserve(points.size());
      for (const auto &x : points)
        out.push_back(model(x));
      return out;
    };
  }

  std::vector<std::vector<double>> sobol_sequence(const unsigned int n_points,
                                                  const unsigned int dimension,
                                                  const std::optional<std::uint64_t> digital_shift_seed)
  {
    if (dimension < 1 || dimension > sobol_max_dimension)
      throw std::invalid_argument("sobol_sequence: dimension must be in 1.." +
                                  std::to_string(sobol_max_dimension));
    std::vector<Directions>    v(dimension);
    std::vector<std::uint32_t> x(dimension, 0);
    std::mt19937_64            rng(digital_shift_seed.value_or(0));
    for (unsigned int j = 0; j < dimension; ++j)
      {
        v[j] = directions(j);
        if (digital_shift_seed)
          x[j] = std::uint32_t(rng() >> 32);
      }
    std::vector<std::vector<double>> points(n_points, std::vector<double>(dimension));
    for (unsigned int i = 0; i < n_points; ++i)
      {
        if (i > 0) // Gray code: flip the direction number of the lowest zero bit of i - 1
          {
            unsigned int c = 0;
            while ((i - 1) >> c & 1u)
              ++c;
            for (unsigned int j = 0; j < dimension; ++j)
              x[j] ^= v[j][c];
          }
        for (unsigned int j = 0; j < dimension; ++j)
          points[i][j] = std::ldexp(double(x[j]), -32);
      }
    return points;
  }

  SobolResult sobol_indices(const std::vector<ParameterRange> &parameters,
                            const BatchEvaluator &evaluate, const unsigned int n_base_samples,
                            const unsigned int n_bootstrap, const std::uint64_t seed)
  {
    validate(parameters);
    const Eigen::Index d = Eigen::Index(parameters.size()), N = n_base_samples;
    if (d > Eigen::Index(sobol_max_parameters))
      throw std::invalid_argument("sobol_indices: at most " +
                                  std::to_string(sobol_max_parameters) + " parameters");
    if (N < 2 || N * (d + 2) > Eigen::Index(std::numeric_limits<unsigned int>::max()))
      throw std::invalid_argument("sobol_indices: n_base_samples must be >= 2 and N (d + 2) "
                                  "must fit in unsigned int");

    std::mt19937_64       rng(seed);
    const auto            base = sobol_sequence(n_base_samples, unsigned(2 * d), rng());
    const Eigen::MatrixXd t =
      row_terms(run(evaluate, parameters, saltelli_design(base, std::size_t(d))), N, d);
    const auto point = estimate(t, Eigen::VectorXd::Ones(N), d);

    // boot[k][m]: bootstrap replicates of point[k][m].
    std::vector<std::vector<std::vector<double>>> boot(
      point.size(), std::vector<std::vector<double>>(std::size_t(2 * d)));
    Eigen::VectorXd weights(N);
    for (unsigned int b = 0; b < n_bootstrap; ++b)
      {
        weights.setZero();
        for (Eigen::Index j = 0; j < N; ++j)
          weights(Eigen::Index(below(rng, std::uint64_t(N)))) += 1;
        const auto replicate = estimate(t, weights, d);
        for (std::size_t k = 0; k < point.size(); ++k)
          for (std::size_t m = 0; m < std::size_t(2 * d); ++m)
            boot[k][m].push_back(replicate[k][m]);
      }

    SobolResult r{names(parameters), {}, n_base_samples, unsigned(N * (d + 2))};
    for (std::size_t k = 0; k < point.size(); ++k)
      {
        SobolIndices &out = r.per_output.emplace_back();
        out.first_order.assign(point[k].begin(), point[k].begin() + d);
        out.total.assign(point[k].begin() + d, point[k].end());
        for (std::size_t i = 0; i < std::size_t(d); ++i)
          {
            const auto ci_s = interval(boot[k][i]), ci_t = interval(boot[k][std::size_t(d) + i]);
            out.first_order_ci_low.push_back(ci_s.first);
            out.first_order_ci_high.push_back(ci_s.second);
            out.total_ci_low.push_back(ci_t.first);
            out.total_ci_high.push_back(ci_t.second);
          }
      }
    return r;
  }

  MorrisResult morris_screening(const std::vector<ParameterRange> &parameters,
                                const BatchEvaluator &evaluate, const unsigned int n_trajectories,
                                const unsigned int levels, const std::uint64_t seed)
  {
    validate(parameters);
    const std::size_t d = parameters.size(), r = n_trajectories;
    if (r < 2 || r * (d + 1) > std::numeric_limits<unsigned int>::max())
      throw std::invalid_argument("morris_screening: n_trajectories must be >= 2 and r (d + 1) "
                                  "must fit in unsigned int");
    if (levels < 2 || levels % 2 != 0)
      throw std::invalid_argument("morris_screening: levels must be even and >= 2");

    std::mt19937_64                  rng(seed);
    std::vector<std::vector<double>> points;
    std::vector<Trajectory>          design;
    for (std::size_t t = 0; t < r; ++t)
      design.push_back(trajectory(d, levels, rng, points));
    const Eigen::MatrixXd y     = run(evaluate, parameters, std::move(points));
    const double          delta = double(levels / 2) / double(levels - 1);

    MorrisResult res{names(parameters), {}, {}, {}, n_trajectories, unsigned(r * (d + 1))};
    for (Eigen::Index k = 0; k < y.cols(); ++k)
      {
        Eigen::MatrixXd ee(r, d); // [trajectory][parameter]
        for (std::size_t t = 0; t < r; ++t)
          for (std::size_t s = 0; s < d; ++s)
            {
              const std::size_t  i   = design[t].order[s];
              const Eigen::Index row = Eigen::Index(t * (d + 1) + s);
              ee(Eigen::Index(t), Eigen::Index(i)) =
                (y(row + 1, k) - y(row, k)) / (design[t].up[i] * delta);
            }
        const Eigen::RowVectorXd mu      = ee.colwise().mean();
        const Eigen::RowVectorXd mu_star = ee.cwiseAbs().colwise().mean();
        const Eigen::RowVectorXd sigma =
          ((ee.rowwise() - mu).array().square().colwise().sum() / double(r - 1)).sqrt();
        res.mu.emplace_back(mu.data(), mu.data() + d);
        res.mu_star.emplace_back(mu_star.data(), mu_star.data() + d);
        res.sigma.emplace_back(sigma.data(), sigma.data() + d);
      }
    return res;
  }
} // namespace dermatwin::studies
