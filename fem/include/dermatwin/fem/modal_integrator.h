// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_modal_integrator_h
#define dermatwin_fem_modal_integrator_h

#include <dermatwin/fem/extrapolated_euler.h>
#include <dermatwin/fem/transdermal_body.h>

#include <Eigen/Dense>

#include <functional>
#include <vector>

namespace dermatwin::fem
{
  /**
   * Divided difference e[x_0, ..., x_k] of the exponential (k <= 3; points
   * may repeat): e[x] = e^x, e[x, y] = (e^x - e^y)/(x - y), ... It is what
   * convolutions of exponentials give: the k-fold convolution of e^{a_0 s},
   * ..., e^{a_k s} on [0, t] is t^k e[a_0 t, ..., a_k t]. Computed without
   * cancellation: the recurrence where the points are more than 1 apart, a
   * Taylor series around their midpoint otherwise (McCurdy, Ng & Parlett,
   * Math. Comp. 43 (1984) 501).
   */
  double exp_divided_difference(const double *points, unsigned int k);

  /**
   * The exact solution in time of the semi-discrete TransdermalBody between
   * two events (a "modal" or exponential integrator).
   *
   * Between events every column is a linear system with constant
   * coefficients, M u' = f - A u on its free rows (fixed rows keep their
   * value), with M symmetric positive definite and A symmetric positive
   * semi-definite. The generalized eigenvectors A phi_i = lambda_i M phi_i
   * (Phi^T M Phi = I) decouple it: u_free = Phi q with
   *   q_i(t) = q_i(0) e^{-lambda_i t} + g_i t e[-lambda_i t, 0],   g = Phi^T (f - A u_fixed).
   * The column scalars (absorbed, dissolved, entered, permeated) are time
   * integrals of linear functionals of u, and the PK amounts follow from the
   * eigen-decomposition K = V diag(mu) V^{-1} of the compartment model: every
   * term is a divided difference of exp at the points mu_j t, -lambda_i t, 0.
   * So the state at any time costs O(modes x compartments), not a step
   * sequence, and there is no time-discretisation error: only the spatial
   * error and round-off remain. The drug balance closes to round-off.
   */
  class ModalPropagator
  {
  public:
    /// Decomposes the body's current configuration, with state @p y0 at
    /// time @p t0_h. Returns false (and stays unusable) if the compartment
    /// model has no real, well-conditioned eigenbasis or an eigenvalue
    /// problem fails; the caller then integrates step by step instead.
    bool start(const TransdermalBody &body, double t0_h, const std::vector<double> &y0);
    double start_time_h() const { return t0_h_; }
    /// The state at @p t_h >= start_time_h().
    void state_at(double t_h, std::vector<double> &y) const;

  private:
    /// A linear functional of one column's u: modal part and the part
    /// from the fixed rows (a constant).
    struct Functional
    {
      Eigen::VectorXd modal;
      double          constant = 0;
    };
    struct Column
    {
      unsigned int              offset = 0, n_dofs = 0;
      double                    area_cm2 = 0;
      std::vector<unsigned int> free_rows;
      Eigen::MatrixXd           modes; ///< Phi, n_free x n_free
      Eigen::VectorXd           lambda, q0, g;
      std::vector<double>       y0; ///< the column's state at the start
      Functional                uptake, dissolution, top_flux, bottom_flux;
      double                    source_total = 0;
      bool                      dissolving = false, fixed_top = false, sink_bottom = false;
      unsigned int              top_dof = 0, bottom_dof = 0;
      const SkinColumn         *model = nullptr;
    };
    bool add_column(const SkinColumn &column, unsigned int offset, double area_cm2,
                    const std::vector<double> &y0);
    Functional functional(const Column &c, const std::vector<double> &weights) const;
    /// Eigen-decomposition of rate_matrix_; false if K has no real,
    /// well-conditioned eigenbasis.
    bool diagonalise_pk();

    double                    t0_h_ = 0;
    std::vector<double>       y0_;
    std::vector<Column>       columns_;
    // PK: K = V diag(mu) V^{-1}; p = V^{-1} A; w = V^{-1} e1.
    bool                      has_pk_ = false;
    unsigned int              pk_offset_ = 0;
    Eigen::VectorXd           mu_, p0_, w_;
    Eigen::MatrixXd           V_, V_inverse_;
    /// K of the last diagonalisation and whether it had a usable eigenbasis.
    Eigen::MatrixXd           rate_matrix_;
    bool                      pk_diagonal_ = false;
    double                    elimination_per_h_ = 0; ///< CL / V1
    /// Scratch space of state_at() (no allocations per evaluation).
    mutable Eigen::VectorXd   q_, Q_, u_free_;
  };

  /**
   * Drives a TransdermalBody in time with either the exact modal solution
   * (ModalPropagator, restarted at every event) or the extrapolated implicit
   * Euler method. `automatic` uses the modal solution when every active
   * column has at most max_modal_dofs unknowns (the dense eigenvalue problem
   * costs O(n^3)) and the compartment model has a real eigenbasis; both give
   * the same answer within the integrator tolerance (tests/fem).
   */
  class BodyIntegrator
  {
  public:
    static constexpr unsigned int max_modal_dofs = 300;

    explicit BodyIntegrator(const IntegratorOptions &options);

    /// Forget the history (after a change of configuration or state).
    void restart();
    /// As ExtrapolatedEuler::advance: advances to @p t_end_h or stops early
    /// at the root of @p event (returns true then).
    bool advance(TransdermalBody &body, double &t_h, double t_end_h, std::vector<double> &y,
                 const std::function<double(const std::vector<double> &)> &event = {});
    /// State at t0 + tau from the state @p y0 at t0, in the current
    /// configuration (no event in between).
    std::vector<double> state_after(TransdermalBody &body, const std::vector<double> &y0,
                                    double t0_h, double tau_h);
    const IntegratorStatistics &statistics() const;
    /// True if the last advance used the modal solution.
    bool modal() const { return modal_ready_; }

  private:
    bool ensure_started(const TransdermalBody &body, double t_h, const std::vector<double> &y);

    IntegratorOptions    options_;
    TimeIntegration      method_;
    ExtrapolatedEuler    stepper_;
    ModalPropagator      propagator_;
    bool                 modal_ready_ = false, modal_failed_ = false;
    std::vector<double>  last_y_, y1_;
    double               last_t_ = 0;
    IntegratorStatistics stats_; ///< modal evaluations (accepted_steps)
    mutable IntegratorStatistics combined_;
  };
} // namespace dermatwin::fem

#endif
