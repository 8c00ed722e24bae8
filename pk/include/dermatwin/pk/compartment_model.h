// Linear mammillary 1-, 2- and 3-compartment disposition models (systemic pharmacokinetics).
//
// The central compartment is compartment 1; peripheral compartments 2 and 3 exchange with it only.
// Units: state = drug amount in each compartment [mg], time [h], volumes [L], clearances [L/h],
// input into the central compartment [mg/h], plasma concentration [ng/mL] (= ug/L):
//   C_plasma = A1_mg / V1_L * 1000.
// Equations (terms of unused compartments vanish):
//   dA1/dt = input - (CL + Q2 + Q3)/V1 * A1 + Q2/V2 * A2 + Q3/V3 * A3
//   dA2/dt = Q2/V1 * A1 - Q2/V2 * A2
//   dA3/dt = Q3/V1 * A1 - Q3/V3 * A3
// i.e. dA/dt = K A + e1 * input. All propagators below are exact for the stated input shape
// (via augmented matrix exponentials) except ImplicitEulerStep, which is first order by design.
#pragma once

#include <Eigen/Dense>

#include <string>
#include <vector>

namespace dermatwin::pk {

/// Number of compartments of the disposition model.
enum class ModelKind { one_compartment, two_compartment, three_compartment };

/// Parses "one_compartment" | "two_compartment" | "three_compartment";
/// throws std::invalid_argument naming the allowed values.
ModelKind model_kind_from_string(const std::string &name);

/// Inverse of model_kind_from_string().
std::string to_string(ModelKind kind);

/// Disposition parameters; values of compartments not used by `kind` are ignored.
struct DispositionParameters {
  ModelKind kind = ModelKind::one_compartment;
  double clearance_L_per_h = 0;     ///< elimination clearance CL from the central compartment
  double v1_L = 0;                  ///< central volume V1
  double v2_L = 0, q2_L_per_h = 0;  ///< peripheral volume V2 and intercompartmental clearance Q2 (2-, 3-cmt)
  double v3_L = 0, q3_L_per_h = 0;  ///< peripheral volume V3 and intercompartmental clearance Q3 (3-cmt only)
};

/// A validated linear compartment model with its rate matrix K.
class CompartmentModel {
public:
  /// Validates: every used value finite and > 0 (unused ones ignored). Throws std::invalid_argument
  /// naming the study-file key (clearance_L_per_h, v1_L, v2_L, q_L_per_h [2-cmt Q2],
  /// q2_L_per_h [3-cmt Q2], v3_L, q3_L_per_h) and the allowed range.
  explicit CompartmentModel(const DispositionParameters &parameters);

  /// 1, 2 or 3.
  unsigned int n_compartments() const;

  const DispositionParameters &parameters() const;

  /// K [1/h] such that dA/dt = K A + e1 * input_mg_per_h.
  const Eigen::MatrixXd &rate_matrix() const;

  /// Plasma concentration [ng/mL] = A1 / V1 * 1000 for amounts [mg].
  double plasma_concentration_ng_per_mL(const Eigen::VectorXd &amounts_mg) const;

  /// Eigenvalues of K (negative, 1/h) sorted from slowest (closest to zero) to fastest.
  Eigen::VectorXd disposition_rate_constants_per_h() const;

  /// Terminal half-life ln2 / |slowest eigenvalue| [h].
  double terminal_half_life_h() const;

  /// Exact propagation over dt_h >= 0 with constant input:
  /// A(t+dt) = e^{K dt} A + K^{-1}(e^{K dt} - I) e1 input (augmented matrix exponential).
  Eigen::VectorXd propagate(const Eigen::VectorXd &amounts_mg, double dt_h,
                            double input_rate_mg_per_h) const;

  /// Exact propagation over dt_h >= 0 with an input rate varying linearly from
  /// rate_begin_mg_per_h to rate_end_mg_per_h (augmented exponential with two extra rows).
  Eigen::VectorXd propagate_linear_input(const Eigen::VectorXd &amounts_mg, double dt_h,
                                         double rate_begin_mg_per_h,
                                         double rate_end_mg_per_h) const;

private:
  /// Throws std::invalid_argument unless amounts_mg has n_compartments() entries.
  void check_size(const Eigen::VectorXd &amounts_mg) const;

  DispositionParameters parameters_;
  Eigen::MatrixXd rate_matrix_;
};

/// Precomputed exact propagator for a fixed step: A -> Phi A + gamma * input, with Phi = e^{K dt}
/// and gamma = K^{-1}(e^{K dt} - I) e1 taken from one augmented exponential; for fast repeated
/// exact steps with piecewise-constant input.
class ExactStepPropagator {
public:
  /// dt_h must be finite and >= 0.
  ExactStepPropagator(const CompartmentModel &model, double dt_h);

  /// One step of length dt_h() with constant input [mg/h].
  Eigen::VectorXd step(const Eigen::VectorXd &amounts_mg, double input_rate_mg_per_h) const;

  double dt_h() const;

private:
  double dt_h_;
  Eigen::MatrixXd phi_;
  Eigen::VectorXd gamma_;
};

/// Precomputed exact propagator for a fixed step with an input rate varying linearly over it (from
/// rate_begin to rate_end): the top rows of the exponential of the rate matrix augmented by the
/// input and its slope, computed once per step length (CompartmentModel::propagate_linear_input
/// computes the same for one step).
class LinearInputStepPropagator {
public:
  /// dt_h must be finite and >= 0.
  LinearInputStepPropagator(const CompartmentModel &model, double dt_h);

  /// One step of length dt_h() with the input going linearly from rate_begin to rate_end [mg/h].
  Eigen::VectorXd step(const Eigen::VectorXd &amounts_mg, double rate_begin_mg_per_h,
                       double rate_end_mg_per_h) const;

  double dt_h() const;

private:
  double dt_h_;
  Eigen::MatrixXd exponential_;
};

/// Solver for one implicit-Euler step, (I - h K) A_new = A_old + h e1 input, with the LU
/// factorisation (Eigen::PartialPivLU) computed once per h; for use inside an implicit time
/// integrator that couples skin transport and PK.
class ImplicitEulerStep {
public:
  /// h_h must be finite and >= 0.
  ImplicitEulerStep(const CompartmentModel &model, double h_h);

  /// A_new for the given old amounts [mg] and input [mg/h] held over the step.
  Eigen::VectorXd solve(const Eigen::VectorXd &amounts_old_mg, double input_rate_mg_per_h) const;

  double h_h() const;

private:
  double h_h_;
  Eigen::PartialPivLU<Eigen::MatrixXd> lu_;
};

/// A zero-order input of rate_mg_per_h into the central compartment on [start_h, end_h).
struct Infusion {
  double start_h, end_h, rate_mg_per_h;
};

/// Plasma concentration [ng/mL] at times_h (sorted ascending, >= 0) for a piecewise-constant input
/// schedule (infusions may overlap; rates add), starting from zero amounts at t = 0 and propagated
/// exactly between breakpoints. Throws std::invalid_argument for unsorted/negative times or an
/// infusion with start_h < 0, end_h < start_h, or a negative/non-finite rate.
std::vector<double> plasma_profile_ng_per_mL(const CompartmentModel &model,
                                             const std::vector<Infusion> &infusions,
                                             const std::vector<double> &times_h);

}  // namespace dermatwin::pk
