// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_extrapolated_euler_h
#define dermatwin_fem_extrapolated_euler_h

#include <functional>
#include <limits>
#include <vector>

namespace dermatwin::fem
{
  /**
   * A system that can take one implicit-Euler step, y_new = (I - h B)^{-1}
   * (y_old + h b) for a linear system y' = B y + b. That is all the
   * extrapolation integrator needs.
   */
  class ImplicitEulerSystem
  {
  public:
    virtual ~ImplicitEulerSystem() = default;
    virtual unsigned int state_size() const = 0;
    virtual void implicit_euler_step(double h_h, const std::vector<double> &y_old,
                                     std::vector<double> &y_new) = 0;
    /// Absolute size below which a component's error does not matter, per
    /// component (the error weight is rtol * max(|y_i|, floor_i)).
    virtual std::vector<double> error_floor() const = 0;
  };

  /// How a TransdermalBody is integrated in time (fem::BodyIntegrator).
  enum class TimeIntegration
  {
    automatic,     ///< exponential where it applies, else extrapolation
    exponential,   ///< the exact modal solution (ModalPropagator)
    extrapolation  ///< ExtrapolatedEuler
  };

  struct IntegratorOptions
  {
    /// Used by BodyIntegrator; ExtrapolatedEuler itself ignores it.
    TimeIntegration method          = TimeIntegration::automatic;
    double       relative_tolerance = 1e-4;
    unsigned int max_columns        = 7;   ///< extrapolation order limit
    double       first_step_h       = 1e-3; ///< after each restart
    double       max_step_h         = std::numeric_limits<double>::infinity();
    /// Fixed step and fixed number of columns (order) instead of adaptive
    /// control; used to measure the order of convergence.
    bool         fixed_step         = false;
    double       fixed_step_h       = 0;
    unsigned int fixed_columns      = 2;
  };

  struct IntegratorStatistics
  {
    unsigned int accepted_steps = 0, rejected_steps = 0, euler_substeps = 0;
  };

  /**
   * Linearly implicit Euler with Richardson (Aitken-Neville) extrapolation in
   * the step-number sequence n_j = 1, 2, 3, ... (Deuflhard 1985; Hairer &
   * Wanner, Solving ODEs II, IV.9): column k has order k. The difference of
   * the two highest columns estimates the error; step size and order are
   * chosen to minimise the work per unit time. Linear invariants (the drug
   * amount) are kept exactly because every tableau entry is an affine
   * combination of implicit-Euler results.
   */
  class ExtrapolatedEuler
  {
  public:
    explicit ExtrapolatedEuler(const IntegratorOptions &options);

    /// Forget the step-size history (after a discontinuity: application,
    /// removal, dose event).
    void restart();

    /**
     * Advance @p y from @p t_h to @p t_end_h. If @p event is given and
     * changes sign from >= 0 to < 0 during a step, the step is shortened to
     * land on the root (to a relative accuracy of 1e-12 in time) and the
     * function returns early with the event time in @p t_h and true.
     */
    bool advance(ImplicitEulerSystem &system, double &t_h, double t_end_h,
                 std::vector<double> &y,
                 const std::function<double(const std::vector<double> &)> &event = {});

    const IntegratorStatistics &statistics() const { return stats_; }

  private:
    /// One extrapolated step of size H with up to max_col columns; returns
    /// the number of columns used (0 if rejected) and the proposed next H.
    unsigned int try_step(ImplicitEulerSystem &system, const std::vector<double> &y0,
                          double H, unsigned int target_columns, std::vector<double> &y1,
                          double &H_next, unsigned int &columns_next);
    double error_norm(const std::vector<double> &a, const std::vector<double> &b,
                      const std::vector<double> &y0) const;

    IntegratorOptions                options_;
    IntegratorStatistics             stats_;
    double                           H_       = 0;
    unsigned int                     columns_ = 3;
    std::vector<double>              floor_;
    std::vector<std::vector<double>> table_, row_;
    std::vector<double>              work_;
  };
} // namespace dermatwin::fem

#endif
