// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/fem/extrapolated_euler.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dermatwin::fem
{
  namespace
  {
    /// Substeps of tableau row j (harmonic sequence).
    unsigned int n_sub(const unsigned int j) { return j + 1; }

    /// Work of rows 0..j in implicit-Euler substeps, one factorisation per
    /// row counted as one substep.
    double work(const unsigned int j)
    {
      double w = 0;
      for (unsigned int i = 0; i <= j; ++i)
        w += n_sub(i) + 1;
      return w;
    }
  } // namespace

  ExtrapolatedEuler::ExtrapolatedEuler(const IntegratorOptions &options)
    : options_(options)
  {
    if (!(options_.relative_tolerance > 0) || options_.max_columns < 2 || options_.max_columns > 12 ||
        options_.fixed_columns < 1 || options_.fixed_columns > 12)
      throw std::invalid_argument("ExtrapolatedEuler: bad options");
    restart();
  }

  void ExtrapolatedEuler::restart()
  {
    H_       = options_.first_step_h;
    columns_ = 2;
  }

  double ExtrapolatedEuler::error_norm(const std::vector<double> &a, const std::vector<double> &b,
                                       const std::vector<double> &y0) const
  {
    double err = 0;
    for (std::size_t i = 0; i < a.size(); ++i)
      {
        const double scale = std::max({std::abs(y0[i]), std::abs(a[i]), floor_[i]});
        const double e     = std::abs(a[i] - b[i]) / (options_.relative_tolerance * scale);
        if (!std::isfinite(e))
          return std::numeric_limits<double>::infinity();
        err = std::max(err, e);
      }
    return err;
  }

  unsigned int ExtrapolatedEuler::try_step(ImplicitEulerSystem &system,
                                           const std::vector<double> &y0, const double H,
                                           const unsigned int target_columns,
                                           std::vector<double> &y1, double &H_next,
                                           unsigned int &columns_next)
  {
    const unsigned int max_rows = options_.fixed_step ? target_columns : options_.max_columns;
    table_.resize(max_rows + 1);
    row_.resize(max_rows + 1);
    for (unsigned int k = 0; k <= max_rows; ++k)
      table_[k].resize(y0.size()), row_[k].resize(y0.size());
    // Once row j is complete, row[k] = table_[k] holds its column k, and
    // row_ is the scratch space for the next row (swapped, not copied).
    const auto &row       = table_;
    double      h_opt[16] = {}, err[16] = {};

    const unsigned int target_row = target_columns - 1;
    for (unsigned int j = 0; j < max_rows; ++j)
      {
        // Row j: n_j implicit-Euler substeps, alternating between two
        // buffers such that the last one lands in row_[0].
        const double               h    = H / n_sub(j);
        const std::vector<double> *from = &y0;
        for (unsigned int s = 0; s < n_sub(j); ++s)
          {
            std::vector<double> &to = (n_sub(j) - s) % 2 == 1 ? row_[0] : work_;
            system.implicit_euler_step(h, *from, to);
            from = &to;
            ++stats_.euler_substeps;
          }
        // Aitken-Neville, against the previous row still in table_.
        for (unsigned int k = 1; k <= j; ++k)
          {
            const double ratio = double(n_sub(j)) / n_sub(j - k) - 1.;
            const std::vector<double> &left = row_[k - 1], &up = table_[k - 1];
            std::vector<double>       &next = row_[k];
            for (std::size_t i = 0; i < y0.size(); ++i)
              next[i] = left[i] + (left[i] - up[i]) / ratio;
          }
        table_.swap(row_);

        if (options_.fixed_step)
          {
            if (j + 1 == target_columns)
              {
                y1 = row[j];
                return j + 1;
              }
            continue;
          }
        if (j == 0)
          continue;
        err[j]   = error_norm(row[j], row[j - 1], y0);
        h_opt[j] = H * std::clamp(0.94 * std::pow(0.65 / std::max(err[j], 1e-12), 1. / (j + 1)),
                                  0.1, 4.);
        if (j < target_row)
          continue;

        if (err[j] <= 1.)
          {
            y1 = row[j];
            // Order and step for the next step: least work per unit time.
            unsigned int best = j;
            if (j >= 2 && work(j - 1) / h_opt[j - 1] < 0.8 * work(j) / h_opt[j])
              best = j - 1;
            H_next = h_opt[best];
            if (best == j && j + 1 < max_rows &&
                (j < 2 || work(j) / h_opt[j] < 0.9 * work(j - 1) / h_opt[j - 1]))
              {
                best   = j + 1;
                H_next = h_opt[j] * work(j + 1) / work(j);
              }
            columns_next = best + 1;
            return j + 1;
          }
        // Go one row further only if convergence there looks likely.
        const bool one_more = j == target_row && j + 1 < max_rows &&
                              err[j] <= std::pow(double(n_sub(j + 1)), 2);
        if (!one_more)
          {
            H_next       = std::min(h_opt[j], 0.9 * H);
            columns_next = std::max(2u, std::min(target_columns, j + 1));
            return 0;
          }
      }
    H_next       = 0.5 * H;
    columns_next = target_columns;
    return 0;
  }

  bool ExtrapolatedEuler::advance(ImplicitEulerSystem &system, double &t_h, const double t_end_h,
                                  std::vector<double>                                     &y,
                                  const std::function<double(const std::vector<double> &)> &event)
  {
    floor_ = system.error_floor();
    std::vector<double> y1;
    while (t_h < t_end_h)
      {
        const double remaining = t_end_h - t_h;
        double H = options_.fixed_step ? options_.fixed_step_h : std::min(H_, options_.max_step_h);
        // Step sizes from a ladder 2^(m/4): factorisations get reused.
        if (!options_.fixed_step)
          H = std::exp2(std::floor(4 * std::log2(H)) / 4);
        bool   lands = false;
        if (H >= remaining * (1 - 1e-12) || (!options_.fixed_step && H > 0.9 * remaining))
          {
            H     = remaining;
            lands = true;
          }
        double       H_next       = H;
        unsigned int columns_next = columns_;
        const unsigned int used =
          try_step(system, y, H, options_.fixed_step ? options_.fixed_columns : columns_, y1,
                   H_next, columns_next);
        if (used == 0)
          {
            ++stats_.rejected_steps;
            H_       = H_next;
            columns_ = columns_next;
            if (H_ < 1e-14 * std::max(1., std::abs(t_h)))
              throw std::runtime_error("time integration failed: step size underflow at t = " +
                                       std::to_string(t_h) + " h");
            continue;
          }
        if (event && event(y) >= 0 && event(y1) < 0)
          {
            // Illinois regula falsi on the step length.
            double a = 0, b = H, fa = event(y), fb = event(y1);
            std::vector<double> ya = y, yb = y1, ytry;
            for (int it = 0; it < 60 && (b - a) > 1e-12 * std::max(1., t_h + H); ++it)
              {
                const double tau = (a * fb - b * fa) / (fb - fa);
                double dummy_H; unsigned int dummy_c;
                const bool fixed = options_.fixed_step;
                options_.fixed_step = true;
                try_step(system, y, tau, used, ytry, dummy_H, dummy_c);
                options_.fixed_step = fixed;
                const double ft = event(ytry);
                if (ft >= 0) { a = tau; fa = ft; ya = ytry; fb *= 0.5; }
                else { b = tau; fb = ft; yb = ytry; fa *= 0.5; }
                if (ft == 0) break;
              }
            y = ya;
            t_h += a;
            ++stats_.accepted_steps;
            return true;
          }
        y.swap(y1);
        t_h = lands ? t_end_h : t_h + H;
        ++stats_.accepted_steps;
        if (!options_.fixed_step)
          {
            H_       = std::max(H_next, lands ? std::min(H_, H_next * 4) : H_next);
            columns_ = columns_next;
          }
      }
    return false;
  }
} // namespace dermatwin::fem
