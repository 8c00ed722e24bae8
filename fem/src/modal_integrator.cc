// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/fem/modal_integrator.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <initializer_list>
#include <stdexcept>
#include <tuple>
#include <utility>

namespace dermatwin::fem
{
  namespace
  {
    /// A point of a divided difference with its exponential.
    struct Point
    {
      double x, ex;
    };

    /// 1/n! for n = 0..max_taylor_terms + 3.
    constexpr unsigned int max_taylor_terms = 20;
    constexpr std::array<double, max_taylor_terms + 4> inverse_factorial = [] {
      std::array<double, max_taylor_terms + 4> t{};
      t[0] = 1;
      for (unsigned int n = 1; n < t.size(); ++n)
        t[n] = t[n - 1] / n;
      return t;
    }();

    /// e[x_0..x_k] for points less than 1 apart: e^m sum_n h_n(y)/(n + k)!
    /// with y_i = x_i - m, m the midpoint, and h_n the complete homogeneous
    /// symmetric polynomials of the y_i (|y_i| <= 1/2, so at most 20 terms).
    /// h_n is built by the recurrence over the points,
    ///   h_n(y_0..y_i) = h_n(y_0..y_{i-1}) + y_i h_{n-1}(y_0..y_i),
    /// and the series stops when the bound |h_n| <= r^n (n+k)!/(n! k!),
    /// r = max |y_i|, shows that the rest no longer changes the sum.
    double taylor(const Point *p, const unsigned int k)
    {
      const auto  &inv = inverse_factorial;
      if (p[0].x == p[k].x)
        return p[0].ex * inv[k];
      const double m = 0.5 * (p[0].x + p[k].x);
      double       y[4], h[4] = {1., 1., 1., 1.}; // h[i] = h_n(y_0..y_i), n = 0
      for (unsigned int i = 0; i <= k; ++i)
        y[i] = p[i].x - m;
      const double r   = 0.5 * (p[0].x - p[k].x);
      double       sum = inv[k], bound = inv[k]; // bound = r^n / (n! k!)
      for (unsigned int n = 1; n < max_taylor_terms; ++n)
        {
          h[0] *= y[0];
          for (unsigned int i = 1; i <= k; ++i)
            h[i] = h[i - 1] + y[i] * h[i];
          sum += h[k] * inv[n + k];
          bound *= r / n;
          if (bound < 1e-17 * std::abs(sum))
            break;
        }
      return std::exp(m) * sum;
    }

    /// e[x_0..x_k], points sorted by decreasing x.
    double divided(const Point *p, const unsigned int k)
    {
      if (k == 0)
        return p[0].ex;
      const double spread = p[0].x - p[k].x;
      if (spread > 1.)
        return (divided(p, k - 1) - divided(p + 1, k - 1)) / spread;
      return taylor(p, k);
    }

    /// e[...] of up to four points given with their exponentials (any order).
    double divided_any(const std::initializer_list<Point> points)
    {
      Point        p[4];
      unsigned int n = 0;
      for (const Point &point : points) // insertion sort, decreasing x
        {
          if (n == 4)
            throw std::invalid_argument("exp_divided_difference: at most 4 points");
          unsigned int i = n++;
          for (; i > 0 && p[i - 1].x < point.x; --i)
            p[i] = p[i - 1];
          p[i] = point;
        }
      return divided(p, n - 1);
    }

    const Point zero{0., 1.};

    /// e[x, 0] and e[x, 0, 0], the two divided differences every mode
    /// needs: for x < -1 by the recurrence, e[x,0] = (1 - e^x)/(-x) and
    /// e[x,0,0] = (1 - e[x,0])/(-x), otherwise in general.
    std::pair<double, double> with_zero(const Point &x)
    {
      if (x.x < -1.)
        {
          const double e1 = (1. - x.ex) / -x.x;
          return {e1, (1. - e1) / -x.x};
        }
      return {divided_any({x, zero}), divided_any({x, zero, zero})};
    }
  } // namespace

  double exp_divided_difference(const double *points, const unsigned int k)
  {
    if (k > 3)
      throw std::invalid_argument("exp_divided_difference: at most 4 points");
    Point p[4];
    for (unsigned int i = 0; i <= k; ++i)
      p[i] = {points[i], std::exp(points[i])};
    switch (k)
      {
        case 0: return p[0].ex;
        case 1: return divided_any({p[0], p[1]});
        case 2: return divided_any({p[0], p[1], p[2]});
        default: return divided_any({p[0], p[1], p[2], p[3]});
      }
  }

  ModalPropagator::Functional ModalPropagator::functional(const Column &c, const std::vector<double> &weights) const
  {
    Functional f;
    Eigen::VectorXd free_weights(c.free_rows.size());
    for (std::size_t a = 0; a < c.free_rows.size(); ++a)
      free_weights[a] = weights[c.free_rows[a]];
    f.modal = c.modes.transpose() * free_weights;
    for (unsigned int i = 0; i < c.n_dofs; ++i)
      if (c.model->fixed_row(i))
        f.constant += weights[i] * c.y0[i];
    return f;
  }

  bool ModalPropagator::add_column(const SkinColumn &column, const unsigned int offset,
                                   const double area_cm2, const std::vector<double> &y0)
  {
    Column c;
    c.model    = &column;
    c.offset   = offset;
    c.n_dofs   = column.n_dofs();
    c.area_cm2 = area_cm2;
    c.y0.assign(y0.begin() + offset, y0.begin() + offset + column.state_size());
    for (unsigned int i = 0; i < c.n_dofs; ++i)
      if (!column.fixed_row(i))
        c.free_rows.push_back(i);
    const unsigned int n_free = c.free_rows.size();
    const BandedMatrix &M = column.mass_matrix(), &A = column.operator_matrix();
    const std::vector<double> &f = column.source();

    // Free block of M and A, and the constant forcing g = f - A_free,fixed u_fixed.
    Eigen::MatrixXd M_free(n_free, n_free), A_free(n_free, n_free);
    Eigen::VectorXd forcing(n_free), u_free(n_free);
    for (unsigned int a = 0; a < n_free; ++a)
      {
        const unsigned int i = c.free_rows[a];
        for (unsigned int b = 0; b < n_free; ++b)
          {
            M_free(a, b) = M(i, c.free_rows[b]);
            A_free(a, b) = A(i, c.free_rows[b]);
          }
        forcing[a] = f[i];
        const unsigned int band = A.bandwidth();
        for (unsigned int j = (i > band ? i - band : 0); j <= std::min(c.n_dofs - 1, i + band); ++j)
          if (column.fixed_row(j))
            forcing[a] -= A(i, j) * c.y0[j];
        u_free[a] = c.y0[i];
      }
    if (n_free > 0)
      {
        const Eigen::GeneralizedSelfAdjointEigenSolver<Eigen::MatrixXd> eigen(
          A_free, M_free, Eigen::ComputeEigenvectors | Eigen::Ax_lBx);
        if (eigen.info() != Eigen::Success || !eigen.eigenvalues().allFinite())
          return false;
        c.lambda = eigen.eigenvalues();
        c.modes  = eigen.eigenvectors(); // Phi^T M Phi = I
        c.q0     = c.modes.transpose() * (M_free * u_free);
        c.g      = c.modes.transpose() * forcing;
      }
    c.dissolving   = column.dissolving();
    c.fixed_top    = column.setup().fixed_top_concentration;
    c.sink_bottom  = column.setup().sink_bottom;
    c.top_dof      = column.top_dof();
    c.bottom_dof   = column.bottom_dof();
    c.source_total = column.source_total();
    c.uptake       = functional(c, column.uptake_functional());
    if (c.dissolving)
      c.dissolution = functional(c, column.dissolution_functional());
    auto row_of = [&](const unsigned int d) {
      std::vector<double> row(c.n_dofs, 0.);
      for (unsigned int j = 0; j < c.n_dofs; ++j)
        row[j] = A(d, j);
      return row;
    };
    if (c.fixed_top)
      c.top_flux = functional(c, row_of(c.top_dof));
    if (c.sink_bottom)
      c.bottom_flux = functional(c, row_of(c.bottom_dof));
    columns_.push_back(std::move(c));
    return true;
  }

  bool ModalPropagator::start(const TransdermalBody &body, const double t0_h, const std::vector<double> &y0)
  {
    t0_h_       = t0_h;
    y0_         = y0;
    columns_.clear();
    for (unsigned int c = 0; c < body.n_columns(); ++c)
      if (body.active(c) && !add_column(body.column(c), body.offset(c), body.area_cm2(c), y0))
        return false;

    has_pk_ = body.has_pk();
    if (!has_pk_)
      return true;
    const pk::CompartmentModel &pk = body.disposition();
    const unsigned int          n  = pk.n_compartments();
    if (n > 3) // state_at() keeps the PK modes in arrays of 3
      return false;
    pk_offset_                     = body.pk_offset();
    // The compartment model does not change during a run: decompose it once.
    if (rate_matrix_.size() == 0 || rate_matrix_ != pk.rate_matrix())
      {
        rate_matrix_   = pk.rate_matrix();
        pk_diagonal_ = diagonalise_pk();
      }
    if (!pk_diagonal_)
      return false;
    p0_ = V_inverse_ * Eigen::Map<const Eigen::VectorXd>(y0.data() + pk_offset_, n);
    w_  = V_inverse_.col(0);
    const auto &parameters = pk.parameters();
    elimination_per_h_     = parameters.clearance_L_per_h / parameters.v1_L;
    return true;
  }

  bool ModalPropagator::diagonalise_pk()
  {
    const Eigen::EigenSolver<Eigen::MatrixXd> eigen(rate_matrix_);
    if (eigen.info() != Eigen::Success)
      return false;
    const double scale = eigen.eigenvalues().cwiseAbs().maxCoeff();
    if (eigen.eigenvalues().imag().cwiseAbs().maxCoeff() > 1e-12 * scale)
      return false;
    mu_ = eigen.eigenvalues().real();
    V_  = eigen.eigenvectors().real();
    const Eigen::FullPivLU<Eigen::MatrixXd> lu(V_);
    if (!lu.isInvertible())
      return false;
    V_inverse_ = lu.inverse();
    // Close to a defective K (coinciding rates), the eigenbasis loses accuracy.
    return V_.cwiseAbs().rowwise().sum().maxCoeff() * V_inverse_.cwiseAbs().rowwise().sum().maxCoeff() <= 1e8;
  }

  void ModalPropagator::state_at(const double t_h, std::vector<double> &y) const
  {
    const double tau = t_h - t0_h_;
    if (!(tau >= 0))
      throw std::logic_error("ModalPropagator::state_at before the start time");
    y = y0_;
    const unsigned int n_pk = has_pk_ ? mu_.size() : 0;
    // PK modes: p_j(tau) and its integral P_j, accumulated over the skin modes.
    // Per PK mode: the point mu_j tau, e[mu_j tau, 0] and e[mu_j tau, 0, 0].
    std::array<Point, 3>  pk_point{};
    std::array<double, 3> pk_e1{}, pk_e2{};
    Eigen::VectorXd       p = Eigen::VectorXd::Zero(n_pk), P = Eigen::VectorXd::Zero(n_pk);
    for (unsigned int j = 0; j < n_pk; ++j)
      {
        pk_point[j] = {mu_[j] * tau, std::exp(mu_[j] * tau)};
        std::tie(pk_e1[j], pk_e2[j]) = with_zero(pk_point[j]);
      }

    double input_constant = 0; // PK input from the fixed rows [mg/h]
    Eigen::VectorXd &q = q_, &Q = Q_, &u_free = u_free_;
    for (const Column &c : columns_)
      {
        const unsigned int n_free = c.free_rows.size();
        q.resize(n_free), Q.resize(n_free), u_free.resize(n_free);
        for (unsigned int i = 0; i < n_free; ++i)
          {
            const Point  x{-c.lambda[i] * tau, std::exp(-c.lambda[i] * tau)};
            const auto [e1, e2] = with_zero(x);
            q[i] = c.q0[i] * x.ex + c.g[i] * tau * e1;
            Q[i] = c.q0[i] * tau * e1 + c.g[i] * tau * tau * e2;
            // The blood uptake of this mode drives every PK mode.
            const double beta = c.area_cm2 * c.uptake.modal[i];
            for (unsigned int j = 0; j < n_pk; ++j)
              {
                // e[m, x], e[m, x, 0], e[m, x, 0, 0]: where m and x are more
                // than 1 apart by the recurrence on that pair (no cancellation),
                // from the divided differences with 0 already at hand.
                const Point &m = pk_point[j];
                const double d = m.x - x.x;
                double       f1, f2, f3;
                if (std::abs(d) > 1.)
                  f1 = (m.ex - x.ex) / d, f2 = (pk_e1[j] - e1) / d, f3 = (pk_e2[j] - e2) / d;
                else
                  f1 = divided_any({m, x}), f2 = divided_any({m, x, zero}),
                  f3 = divided_any({m, x, zero, zero});
                p[j] += beta * (c.q0[i] * tau * f1 + c.g[i] * tau * tau * f2);
                P[j] += beta * (c.q0[i] * tau * tau * f2 + c.g[i] * tau * tau * tau * f3);
              }
          }
        double *yc = y.data() + c.offset;
        if (n_free > 0)
          {
            u_free.noalias() = c.modes * q;
            for (unsigned int a = 0; a < n_free; ++a)
              yc[c.free_rows[a]] = u_free[a];
          }
        auto integral = [&](const Functional &f) {
          return (n_free > 0 ? f.modal.dot(Q) : 0.) + f.constant * tau;
        };
        double *scalars = yc + c.n_dofs;
        scalars[SkinColumn::absorbed] += integral(c.uptake);
        input_constant += c.area_cm2 * c.uptake.constant;
        if (c.dissolving)
          scalars[SkinColumn::dispersed] -= c.source_total * tau - integral(c.dissolution);
        // Boundary inflow = the residual of the row: M_d (u - u0) + int (A_d u - f_d).
        auto inflow = [&](const unsigned int d, const Functional &flux) {
          const BandedMatrix &M = c.model->mass_matrix();
          return M.row_times(d, yc) - M.row_times(d, c.y0.data()) + integral(flux) -
                 c.model->source()[d] * tau;
        };
        if (c.fixed_top)
          scalars[SkinColumn::entered] += inflow(c.top_dof, c.top_flux);
        if (c.sink_bottom)
          scalars[SkinColumn::permeated] -= inflow(c.bottom_dof, c.bottom_flux);
      }
    if (!has_pk_)
      return;
    double eliminated = 0;
    for (unsigned int j = 0; j < n_pk; ++j)
      {
        const Point &m = pk_point[j];
        const double e1 = pk_e1[j], e2 = pk_e2[j];
        const double p_j = p0_[j] * m.ex + w_[j] * (p[j] + input_constant * tau * e1);
        const double P_j = p0_[j] * tau * e1 + w_[j] * (P[j] + input_constant * tau * tau * e2);
        for (unsigned int i = 0; i < n_pk; ++i)
          y[pk_offset_ + i] += V_(i, j) * p_j;
        eliminated += V_(0, j) * P_j;
      }
    // y held the start amounts: replace them by V p(tau).
    for (unsigned int i = 0; i < n_pk; ++i)
      y[pk_offset_ + i] -= y0_[pk_offset_ + i];
    y[pk_offset_ + n_pk] += elimination_per_h_ * eliminated;
  }

  BodyIntegrator::BodyIntegrator(const IntegratorOptions &options)
    : options_(options)
    , method_(options.method)
    , stepper_(options)
  {}

  void BodyIntegrator::restart()
  {
    stepper_.restart();
    modal_ready_  = false;
    modal_failed_ = false;
  }

  bool BodyIntegrator::ensure_started(const TransdermalBody &body, const double t_h,
                                      const std::vector<double> &y)
  {
    if (method_ == TimeIntegration::extrapolation)
      return false;
    // Continue the propagator only from the state it produced itself.
    if (modal_ready_ && t_h == last_t_ && y == last_y_)
      return true;
    if (modal_failed_)
      return false;
    if (method_ == TimeIntegration::automatic)
      for (unsigned int c = 0; c < body.n_columns(); ++c)
        if (body.active(c) && body.column(c).n_dofs() > max_modal_dofs)
          {
            modal_failed_ = true;
            return false;
          }
    modal_ready_ = propagator_.start(body, t_h, y);
    if (!modal_ready_)
      {
        if (method_ == TimeIntegration::exponential)
          throw std::runtime_error(
            "time_integrator exponential: the compartment model has no well-conditioned real eigenbasis "
            "(coinciding rate constants); use time_integrator: extrapolation");
        modal_failed_ = true;
      }
    return modal_ready_;
  }

  bool BodyIntegrator::advance(TransdermalBody &body, double &t_h, const double t_end_h, std::vector<double> &y,
                               const std::function<double(const std::vector<double> &)> &event)
  {
    if (!ensure_started(body, t_h, y))
      return stepper_.advance(body, t_h, t_end_h, y, event);
    std::vector<double> &y1 = y1_;
    propagator_.state_at(t_end_h, y1);
    ++stats_.accepted_steps;
    bool stopped = false;
    if (event && event(y) >= 0 && event(y1) < 0)
      {
        // Illinois regula falsi on the time of the root.
        double              a = t_h, b = t_end_h, fa = event(y), fb = event(y1);
        std::vector<double> ya = y, ytry;
        for (int it = 0; it < 100 && (b - a) > 1e-12 * std::max(1., std::abs(b)); ++it)
          {
            const double s = std::clamp((a * fb - b * fa) / (fb - fa), a, b);
            propagator_.state_at(s, ytry);
            const double ft = event(ytry);
            if (ft >= 0)
              a = s, fa = ft, ya = ytry, fb *= 0.5;
            else
              b = s, fb = ft, fa *= 0.5;
            if (ft == 0)
              break;
          }
        y1      = ya;
        t_h     = a;
        stopped = true;
      }
    else
      t_h = t_end_h;
    y.swap(y1);
    last_y_ = y;
    last_t_ = t_h;
    return stopped;
  }

  std::vector<double> BodyIntegrator::state_after(TransdermalBody &body, const std::vector<double> &y0,
                                                  const double t0_h, const double tau_h)
  {
    std::vector<double> y;
    if (modal_ready_ && t0_h >= propagator_.start_time_h())
      {
        propagator_.state_at(t0_h + tau_h, y);
        return y;
      }
    IntegratorOptions options = options_;
    options.first_step_h      = std::max(tau_h, 1e-12);
    ExtrapolatedEuler local(options);
    y        = y0;
    double t = 0;
    local.advance(body, t, tau_h, y);
    return y;
  }

  const IntegratorStatistics &BodyIntegrator::statistics() const
  {
    const IntegratorStatistics &stepped = stepper_.statistics();
    combined_.accepted_steps = stepped.accepted_steps + stats_.accepted_steps;
    combined_.rejected_steps = stepped.rejected_steps;
    combined_.euler_substeps = stepped.euler_substeps;
    return combined_;
  }
} // namespace dermatwin::fem
