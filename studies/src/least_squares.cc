// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/studies/least_squares.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace dermatwin::studies
{
  namespace
  {
    constexpr double nan = std::numeric_limits<double>::quiet_NaN();
    constexpr double inf = std::numeric_limits<double>::infinity();

    // ---------------------------------------------------------------- inputs

    void validate(const std::vector<FitParameter> &parameters)
    {
      if (parameters.empty())
        throw std::invalid_argument("least squares: no parameters to fit");
      for (const FitParameter &p : parameters)
      {
        const std::string what = "least squares: parameter '" + p.name + "': ";
        if (std::isnan(p.low) || std::isnan(p.high) || !(p.low < p.high))
          throw std::invalid_argument(what + "needs low < high");
        if (!std::isfinite(p.initial) || p.initial < p.low || p.initial > p.high)
          throw std::invalid_argument(what + "initial value must be finite and within [low, high]");
        if (p.log_scale && !(p.low > 0))
          throw std::invalid_argument(what + "log-scale parameters need low > 0");
      }
    }

    void validate(const std::vector<FitParameter> &parameters, const std::vector<Prior> &priors)
    {
      if (priors.size() != parameters.size())
        throw std::invalid_argument("MAP fit: " + std::to_string(priors.size()) + " priors for " +
                                    std::to_string(parameters.size()) + " parameters");
      for (std::size_t k = 0; k < priors.size(); ++k)
      {
        const std::string what = "MAP fit: parameter '" + parameters[k].name + "': ";
        if (!parameters[k].log_scale)
          throw std::invalid_argument(what + "log-normal priors need a log-scale parameter");
        if (!std::isfinite(priors[k].median) || !(priors[k].median > 0))
          throw std::invalid_argument(what + "prior median must be finite and > 0");
        if (!std::isfinite(priors[k].omega) || !(priors[k].omega > 0))
          throw std::invalid_argument(what + "prior omega must be finite and > 0");
      }
    }

    // -------------------------------------------------- fitted coordinates

    /// Box and scales in the fitted coordinates x (log(value) or value).
    struct Coordinates
    {
      std::vector<FitParameter> parameters;
      Eigen::VectorXd           low, high, typical;

      explicit Coordinates(const std::vector<FitParameter> &p)
        : parameters(p), low(p.size()), high(p.size()), typical(p.size())
      {
        for (std::size_t j = 0; j < p.size(); ++j)
        {
          low[j]     = p[j].log_scale ? std::log(p[j].low) : p[j].low;
          high[j]    = p[j].log_scale ? std::log(p[j].high) : p[j].high;
          typical[j] = p[j].log_scale || p[j].initial == 0 ? 1. : std::abs(p[j].initial);
        }
      }

      Eigen::Index size() const { return low.size(); }
      bool is_log(const Eigen::Index j) const { return parameters[j].log_scale; }

      Eigen::VectorXd clamp(const Eigen::VectorXd &x) const
      {
        return x.cwiseMax(low).cwiseMin(high);
      }

      Eigen::VectorXd fitted(const std::vector<double> &values) const
      {
        Eigen::VectorXd x(size());
        for (Eigen::Index j = 0; j < size(); ++j)
          x[j] = is_log(j) ? std::log(values[j]) : values[j];
        return clamp(x);
      }

      std::vector<double> physical(const Eigen::VectorXd &x) const
      {
        const Eigen::VectorXd c = clamp(x);
        std::vector<double> values(size());
        for (Eigen::Index j = 0; j < size(); ++j)
          values[j] = std::clamp(is_log(j) ? std::exp(c[j]) : c[j], parameters[j].low,
                                 parameters[j].high);
        return values;
      }

      /// Scale for the step-size test: log differences are already relative.
      double step_scale(const Eigen::VectorXd &x, const Eigen::Index j, const double tol) const
      {
        return is_log(j) ? 1. : std::abs(x[j]) + tol;
      }
    };

    // ------------------------------------------------------------- model

    /// Counts evaluations and checks that the residual length never changes.
    struct Model
    {
      Model(const ResidualFunction &f, const Coordinates &c) : function(f), coordinates(c) {}

      /// Residuals at x into r; false if any of them is not finite.
      bool evaluate(const Eigen::VectorXd &x, Eigen::VectorXd &r)
      {
        r = function(coordinates.physical(x));
        ++evaluations;
        if (length < 0)
          length = r.size();
        else if (r.size() != length)
          throw std::runtime_error("least squares: the residual function returned " +
                                   std::to_string(r.size()) + " residuals instead of " +
                                   std::to_string(length));
        return r.allFinite();
      }

      const ResidualFunction &function;
      const Coordinates      &coordinates;
      unsigned int            evaluations = 0;
      Eigen::Index            length      = -1;
    };

    /// Forward differences; backward at the upper bound or where the forward
    /// point is not finite; a zero column if neither works.
    Eigen::MatrixXd jacobian(Model &model, const Eigen::VectorXd &x, const Eigen::VectorXd &r,
                             const double step)
    {
      const Coordinates &c = model.coordinates;
      Eigen::MatrixXd J = Eigen::MatrixXd::Zero(r.size(), c.size());
      for (Eigen::Index j = 0; j < c.size(); ++j)
      {
        double h = step * std::max(std::abs(x[j]), c.typical[j]);
        if (x[j] + h > c.high[j])
          h = -h;
        for (int attempt = 0; attempt < 2; ++attempt, h = -h)
        {
          Eigen::VectorXd xh = x, rh;
          xh[j] += h;
          if (xh[j] < c.low[j] || xh[j] > c.high[j] || !model.evaluate(xh, rh))
            continue;
          J.col(j) = (rh - r) / h;
          break;
        }
      }
      return J;
    }

    // ------------------------------------------------ Levenberg-Marquardt

    struct Solution
    {
      Eigen::VectorXd x, r;
      Eigen::MatrixXd J;
      unsigned int    iterations = 0;
      bool            converged  = false;
      std::string     message;
    };

    /// Parameters that may move: not on a bound with the descent direction -g
    /// pointing out of the box.
    std::vector<Eigen::Index> free_indices(const Coordinates &c, const Eigen::VectorXd &x,
                                           const Eigen::VectorXd &g)
    {
      std::vector<Eigen::Index> free;
      for (Eigen::Index j = 0; j < c.size(); ++j)
        if (!((x[j] <= c.low[j] && g[j] > 0) || (x[j] >= c.high[j] && g[j] < 0)))
          free.push_back(j);
      return free;
    }

    /// Damped Gauss-Newton step (A + mu I) h = -g on the free parameters.
    Eigen::VectorXd damped_step(const Eigen::MatrixXd &A, const Eigen::VectorXd &g, const double mu,
                                const std::vector<Eigen::Index> &free)
    {
      const Eigen::Index m = static_cast<Eigen::Index>(free.size());
      Eigen::MatrixXd    Af(m, m);
      Eigen::VectorXd    gf(m);
      for (Eigen::Index a = 0; a < m; ++a)
      {
        gf[a] = g[free[a]];
        for (Eigen::Index b = 0; b < m; ++b)
          Af(a, b) = A(free[a], free[b]);
      }
      Af.diagonal().array() += mu;
      const Eigen::VectorXd hf = Af.ldlt().solve(-gf);
      Eigen::VectorXd       h  = Eigen::VectorXd::Zero(g.size());
      for (Eigen::Index a = 0; a < m; ++a)
        h[free[a]] = hf[a];
      return h;
    }

    double projected_gradient_norm(const Eigen::VectorXd &g, const std::vector<Eigen::Index> &free)
    {
      double norm = 0;
      for (const Eigen::Index j : free)
        norm = std::max(norm, std::abs(g[j]));
      return norm;
    }

    bool step_is_small(const Coordinates &c, const Eigen::VectorXd &x, const Eigen::VectorXd &h,
                       const double tol)
    {
      for (Eigen::Index j = 0; j < c.size(); ++j)
        if (std::abs(h[j]) > tol * c.step_scale(x, j, tol))
          return false;
      return true;
    }

    Solution &finish(Solution &s, const std::string &message)
    {
      s.converged = true;
      s.message   = message;
      return s;
    }

    Solution levenberg_marquardt(Model &model, Eigen::VectorXd x, const FitOptions &options)
    {
      const Coordinates &c   = model.coordinates;
      const double       tol = options.tolerance;
      Solution           s;
      s.x = x;
      if (!model.evaluate(s.x, s.r))
        throw std::invalid_argument("least squares: residuals are not finite at the initial values");
      if (s.r.size() < c.size())
        throw std::invalid_argument("least squares: " + std::to_string(s.r.size()) +
                                    " residuals for " + std::to_string(c.size()) + " parameters");
      s.J       = jacobian(model, s.x, s.r, options.finite_difference_step);
      double mu = 1e-3 * (s.J.transpose() * s.J).diagonal().maxCoeff(), nu = 2;
      s.message = "maximum number of iterations reached";
      while (s.iterations < options.max_iterations)
      {
        const Eigen::MatrixXd A    = s.J.transpose() * s.J;
        const Eigen::VectorXd g    = s.J.transpose() * s.r;
        const auto            free = free_indices(c, s.x, g);
        if (projected_gradient_norm(g, free) <= tol)
          return finish(s, "gradient below tolerance");
        ++s.iterations;
        const Eigen::VectorXd x_new = c.clamp(s.x + damped_step(A, g, mu, free));
        const Eigen::VectorXd h     = x_new - s.x;
        if (step_is_small(c, s.x, h, tol))
          return finish(s, "step below tolerance");
        Eigen::VectorXd r_new;
        const bool      finite    = model.evaluate(x_new, r_new);
        const double    predicted = -(g.dot(h) + 0.5 * (s.J * h).squaredNorm());
        const double    actual    = 0.5 * (s.r.squaredNorm() - r_new.squaredNorm());
        const double    rho       = actual / predicted;
        if (!finite || !(predicted > 0) || !(rho > 0))
        {
          mu *= nu, nu *= 2;
          continue;
        }
        const bool small_reduction = actual <= tol * 0.5 * s.r.squaredNorm() && rho > 0.25;
        s.x = x_new, s.r = r_new;
        s.J = jacobian(model, s.x, s.r, options.finite_difference_step);
        mu *= std::max(1. / 3, 1 - std::pow(2 * rho - 1, 3)), nu = 2;
        if (small_reduction)
          return finish(s, "relative cost reduction below tolerance");
      }
      return s;
    }

    // ------------------------------------------------------ uncertainty

    /// (J^T J)^{-1} via a pivoted QR of J with unit-norm columns; NaN if J is
    /// rank-deficient at the finite-difference accuracy (relative pivot below
    /// 100 * step), i.e. the parameters are not separately identifiable.
    Eigen::MatrixXd gauss_newton_covariance(const Eigen::MatrixXd &J, const double step)
    {
      const Eigen::Index    p     = J.cols();
      const Eigen::VectorXd norms = J.colwise().norm().transpose();
      const Eigen::MatrixXd undefined = Eigen::MatrixXd::Constant(p, p, nan);
      if (!(norms.array() > 0).all())
        return undefined;
      Eigen::ColPivHouseholderQR<Eigen::MatrixXd> qr(J.rows(), p);
      qr.setThreshold(100 * step);
      qr.compute(J * norms.cwiseInverse().asDiagonal());
      if (qr.rank() < p)
        return undefined;
      const Eigen::MatrixXd R    = qr.matrixR().topLeftCorner(p, p).triangularView<Eigen::Upper>();
      const Eigen::MatrixXd Rinv = R.triangularView<Eigen::Upper>().solve(Eigen::MatrixXd::Identity(p, p));
      const Eigen::MatrixXd P    = qr.colsPermutation();
      const Eigen::MatrixXd C    = P * Rinv * Rinv.transpose() * P.transpose();
      return norms.cwiseInverse().asDiagonal() * C * norms.cwiseInverse().asDiagonal();
    }

    FitResult summarise(const Coordinates &c, const Solution &s, const unsigned int evaluations,
                        const FitOptions &options, const bool scale)
    {
      FitResult    f;
      const auto   n = s.r.size(), p = c.size();
      const double rss = s.r.squaredNorm();
      f.cost              = 0.5 * rss;
      f.residual_variance = n > p ? rss / double(n - p) : nan;
      f.covariance        = gauss_newton_covariance(s.J, options.finite_difference_step);
      f.message           = s.message;
      if (!f.covariance.allFinite())
        f.message += "; Jacobian rank-deficient, covariance undefined";
      else if (scale && n == p)
        f.message += "; no residual degrees of freedom, covariance undefined";
      if (scale)
        f.covariance *= f.residual_variance;
      f.interval_quantile = student_t_quantile(0.975, scale ? double(n - p) : inf);
      f.estimate          = c.physical(s.x);
      for (Eigen::Index j = 0; j < p; ++j)
      {
        const double se = std::sqrt(f.covariance(j, j)), value = f.estimate[j];
        const double q  = f.interval_quantile;
        f.names.push_back(c.parameters[j].name);
        f.standard_error.push_back(c.is_log(j) ? value * se : se);
        f.ci_low.push_back(c.is_log(j) ? std::exp(s.x[j] - q * se) : value - q * se);
        f.ci_high.push_back(c.is_log(j) ? std::exp(s.x[j] + q * se) : value + q * se);
      }
      f.iterations  = s.iterations;
      f.evaluations = evaluations;
      f.converged   = s.converged;
      return f;
    }

    FitResult fit(const std::vector<FitParameter> &parameters, const ResidualFunction &residuals,
                  const FitOptions &options, const bool scale)
    {
      validate(parameters);
      const Coordinates c(parameters);
      std::vector<double> initial;
      for (const FitParameter &p : parameters)
        initial.push_back(p.initial);
      Model          model(residuals, c);
      const Solution s = levenberg_marquardt(model, c.fitted(initial), options);
      return summarise(c, s, model.evaluations, options, scale);
    }

    // ------------------------------------------------ t distribution

    /// Continued fraction for the regularised incomplete beta (modified Lentz).
    double beta_continued_fraction(const double a, const double b, const double x)
    {
      const double tiny = 1e-300;
      double       c = 1, d = 1 - (a + b) * x / (a + 1);
      d              = 1 / (std::abs(d) < tiny ? tiny : d);
      double result  = d;
      for (int m = 1; m <= 10000; ++m)
      {
        for (const double numerator :
             {m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
              -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))})
        {
          d = 1 + numerator * d;
          d = 1 / (std::abs(d) < tiny ? tiny : d);
          c = 1 + numerator / c;
          c = std::abs(c) < tiny ? tiny : c;
          result *= c * d;
        }
        if (std::abs(c * d - 1) < 1e-15)
          break;
      }
      return result;
    }

    /// Regularised incomplete beta I_x(a, b).
    double incomplete_beta(const double a, const double b, const double x)
    {
      if (x <= 0)
        return 0;
      if (x >= 1)
        return 1;
      const double log_front =
        std::lgamma(a + b) - std::lgamma(a) - std::lgamma(b) + a * std::log(x) + b * std::log1p(-x);
      if (x < (a + 1) / (a + b + 2))
        return std::exp(log_front) * beta_continued_fraction(a, b, x) / a;
      return 1 - std::exp(log_front) * beta_continued_fraction(b, a, 1 - x) / b;
    }

    /// P(T > t) for t >= 0.
    double t_upper_tail(const double t, const double dof)
    {
      if (std::isinf(dof))
        return 0.5 * std::erfc(t / std::sqrt(2.));
      return 0.5 * incomplete_beta(0.5 * dof, 0.5, dof / (dof + t * t));
    }
  } // namespace

  double student_t_quantile(const double probability, const double dof)
  {
    if (!(dof > 0) || !(probability > 0 && probability < 1))
      return nan;
    if (probability < 0.5)
      return -student_t_quantile(1 - probability, dof);
    const double tail = 1 - probability;
    double       lo = 0, hi = 1;
    while (t_upper_tail(hi, dof) > tail)
      lo = hi, hi *= 2;
    while (hi - lo > 1e-12 * hi)
    {
      const double mid = 0.5 * (lo + hi);
      (t_upper_tail(mid, dof) > tail ? lo : hi) = mid;
    }
    return 0.5 * (lo + hi);
  }

  FitResult fit_least_squares(const std::vector<FitParameter> &parameters,
                              const ResidualFunction &residuals, const FitOptions &options,
                              const bool scale_by_residual_variance)
  {
    return fit(parameters, residuals, options, scale_by_residual_variance);
  }

  MapResult fit_map(const std::vector<FitParameter> &parameters, const std::vector<Prior> &priors,
                    const ResidualFunction &data_residuals, const FitOptions &options)
  {
    validate(parameters);
    validate(parameters, priors);
    const auto augmented = [&](const std::vector<double> &theta) {
      const Eigen::VectorXd data = data_residuals(theta);
      Eigen::VectorXd       r(data.size() + Eigen::Index(theta.size()));
      r.head(data.size()) = data;
      for (std::size_t k = 0; k < theta.size(); ++k)
        r[data.size() + Eigen::Index(k)] =
          (std::log(theta[k]) - std::log(priors[k].median)) / priors[k].omega;
      return r;
    };
    MapResult result{fit(parameters, augmented, options, false), {}};
    for (std::size_t k = 0; k < priors.size(); ++k)
    {
      const double ratio = result.covariance(k, k) / (priors[k].omega * priors[k].omega);
      result.shrinkage.push_back(1 - std::sqrt(std::max(0., 1 - ratio)));
    }
    return result;
  }
} // namespace dermatwin::studies
