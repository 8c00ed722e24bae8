#include "dermatwin/pk/compartment_model.h"

#include <unsupported/Eigen/MatrixFunctions>

#include <algorithm>
#include <cmath>
#include <functional>
#include <sstream>
#include <stdexcept>

namespace dermatwin::pk {

namespace {

constexpr double mg_per_L_to_ng_per_mL = 1000.0;

void require_positive(double value, const char *key) {
  if (std::isfinite(value) && value > 0) return;
  std::ostringstream message;
  message << "pk: " << key << " must be finite and > 0 (got " << value << ")";
  throw std::invalid_argument(message.str());
}

void require_nonnegative_step(double dt_h, const char *what) {
  if (std::isfinite(dt_h) && dt_h >= 0) return;
  std::ostringstream message;
  message << "pk: " << what << " must be finite and >= 0 (got " << dt_h << ")";
  throw std::invalid_argument(message.str());
}

unsigned int compartments_of(ModelKind kind) {
  switch (kind) {
    case ModelKind::one_compartment: return 1;
    case ModelKind::two_compartment: return 2;
    case ModelKind::three_compartment: return 3;
  }
  throw std::invalid_argument("pk: unknown ModelKind");
}

void validate(const DispositionParameters &p) {
  const unsigned int n = compartments_of(p.kind);
  require_positive(p.clearance_L_per_h, "clearance_L_per_h");
  require_positive(p.v1_L, "v1_L");
  if (n >= 2) {
    require_positive(p.v2_L, "v2_L");
    require_positive(p.q2_L_per_h, n == 2 ? "q_L_per_h" : "q2_L_per_h");
  }
  if (n == 3) {
    require_positive(p.v3_L, "v3_L");
    require_positive(p.q3_L_per_h, "q3_L_per_h");
  }
}

/// Symmetric "clearance matrix" S [L/h] with K = S diag(1/V); returns S and the volumes.
void clearance_matrix(const DispositionParameters &p, unsigned int n, Eigen::MatrixXd &s,
                      Eigen::VectorXd &volumes_L) {
  const double q[3] = {0.0, p.q2_L_per_h, p.q3_L_per_h};
  const double v[3] = {p.v1_L, p.v2_L, p.v3_L};
  s = Eigen::MatrixXd::Zero(n, n);
  volumes_L.resize(n);
  volumes_L(0) = v[0];
  s(0, 0) = -p.clearance_L_per_h;
  for (unsigned int j = 1; j < n; ++j) {
    s(0, 0) -= q[j];
    s(0, j) = s(j, 0) = q[j];
    s(j, j) = -q[j];
    volumes_L(j) = v[j];
  }
}

Eigen::MatrixXd build_rate_matrix(const DispositionParameters &p) {
  Eigen::MatrixXd s;
  Eigen::VectorXd volumes_L;
  clearance_matrix(p, compartments_of(p.kind), s, volumes_L);
  return s * volumes_L.cwiseInverse().asDiagonal();
}

/// exp([[K dt, e1 dt], [0, 0]]) = [[Phi, gamma], [0, 1]].
Eigen::MatrixXd augmented_exponential(const Eigen::MatrixXd &k, double dt_h) {
  const Eigen::Index n = k.rows();
  Eigen::MatrixXd m = Eigen::MatrixXd::Zero(n + 1, n + 1);
  m.topLeftCorner(n, n) = k * dt_h;
  m(0, n) = dt_h;
  return m.exp();
}

}  // namespace

ModelKind model_kind_from_string(const std::string &name) {
  if (name == "one_compartment") return ModelKind::one_compartment;
  if (name == "two_compartment") return ModelKind::two_compartment;
  if (name == "three_compartment") return ModelKind::three_compartment;
  throw std::invalid_argument("pk: unknown model kind '" + name +
                              "' (allowed: one_compartment, two_compartment, three_compartment)");
}

std::string to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::one_compartment: return "one_compartment";
    case ModelKind::two_compartment: return "two_compartment";
    case ModelKind::three_compartment: return "three_compartment";
  }
  throw std::invalid_argument("pk: unknown ModelKind");
}

// ---------------------------------------------------------------------------------------------
// CompartmentModel

CompartmentModel::CompartmentModel(const DispositionParameters &parameters)
    : parameters_(parameters) {
  validate(parameters_);
  rate_matrix_ = build_rate_matrix(parameters_);
}

unsigned int CompartmentModel::n_compartments() const { return compartments_of(parameters_.kind); }

const DispositionParameters &CompartmentModel::parameters() const { return parameters_; }

const Eigen::MatrixXd &CompartmentModel::rate_matrix() const { return rate_matrix_; }

double CompartmentModel::plasma_concentration_ng_per_mL(const Eigen::VectorXd &amounts_mg) const {
  check_size(amounts_mg);
  return amounts_mg(0) / parameters_.v1_L * mg_per_L_to_ng_per_mL;
}

Eigen::VectorXd CompartmentModel::disposition_rate_constants_per_h() const {
  // K = S V^{-1} is similar to the symmetric V^{-1/2} S V^{-1/2}: real eigenvalues, stable solver.
  Eigen::MatrixXd s;
  Eigen::VectorXd volumes_L;
  clearance_matrix(parameters_, n_compartments(), s, volumes_L);
  const Eigen::VectorXd inv_sqrt_v = volumes_L.cwiseSqrt().cwiseInverse();
  const Eigen::MatrixXd symmetric = inv_sqrt_v.asDiagonal() * s * inv_sqrt_v.asDiagonal();
  Eigen::VectorXd lambda = Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd>(symmetric).eigenvalues();
  std::sort(lambda.data(), lambda.data() + lambda.size(), std::greater<double>());
  return lambda;
}

double CompartmentModel::terminal_half_life_h() const {
  return std::log(2.0) / std::abs(disposition_rate_constants_per_h()(0));
}

Eigen::VectorXd CompartmentModel::propagate(const Eigen::VectorXd &amounts_mg, double dt_h,
                                            double input_rate_mg_per_h) const {
  check_size(amounts_mg);
  require_nonnegative_step(dt_h, "dt_h");
  const Eigen::Index n = amounts_mg.size();
  const Eigen::MatrixXd e = augmented_exponential(rate_matrix_, dt_h);
  return e.topLeftCorner(n, n) * amounts_mg + e.col(n).head(n) * input_rate_mg_per_h;
}

Eigen::VectorXd CompartmentModel::propagate_linear_input(const Eigen::VectorXd &amounts_mg,
                                                         double dt_h, double rate_begin_mg_per_h,
                                                         double rate_end_mg_per_h) const {
  check_size(amounts_mg);
  require_nonnegative_step(dt_h, "dt_h");
  // In normalised time tau = t/dt: dA/dtau = K dt A + e1 dt u, du/dtau = w, dw/dtau = 0,
  // with u(0) = rate_begin and w = rate_end - rate_begin.
  return LinearInputStepPropagator(*this, dt_h).step(amounts_mg, rate_begin_mg_per_h, rate_end_mg_per_h);
}

void CompartmentModel::check_size(const Eigen::VectorXd &amounts_mg) const {
  if (amounts_mg.size() == static_cast<Eigen::Index>(n_compartments())) return;
  std::ostringstream message;
  message << "pk: amount vector has " << amounts_mg.size() << " entries, model has "
          << n_compartments() << " compartments";
  throw std::invalid_argument(message.str());
}

// ---------------------------------------------------------------------------------------------
// ExactStepPropagator

ExactStepPropagator::ExactStepPropagator(const CompartmentModel &model, double dt_h) : dt_h_(dt_h) {
  require_nonnegative_step(dt_h, "dt_h");
  const Eigen::Index n = model.n_compartments();
  const Eigen::MatrixXd e = augmented_exponential(model.rate_matrix(), dt_h);
  phi_ = e.topLeftCorner(n, n);
  gamma_ = e.col(n).head(n);
}

Eigen::VectorXd ExactStepPropagator::step(const Eigen::VectorXd &amounts_mg,
                                          double input_rate_mg_per_h) const {
  if (amounts_mg.size() != phi_.rows())
    throw std::invalid_argument("pk: ExactStepPropagator::step: amount vector has wrong size");
  return phi_ * amounts_mg + gamma_ * input_rate_mg_per_h;
}

double ExactStepPropagator::dt_h() const { return dt_h_; }

// ---------------------------------------------------------------------------------------------
// LinearInputStepPropagator

LinearInputStepPropagator::LinearInputStepPropagator(const CompartmentModel &model, double dt_h)
    : dt_h_(dt_h) {
  require_nonnegative_step(dt_h, "dt_h");
  // In normalised time tau = t/dt: dA/dtau = K dt A + e1 dt u, du/dtau = w, dw/dtau = 0,
  // with u(0) = rate_begin and w = rate_end - rate_begin.
  const Eigen::Index n = model.n_compartments();
  Eigen::MatrixXd m = Eigen::MatrixXd::Zero(n + 2, n + 2);
  m.topLeftCorner(n, n) = model.rate_matrix() * dt_h;
  m(0, n) = dt_h;
  m(n, n + 1) = 1.0;
  exponential_ = m.exp().topRows(n);
}

Eigen::VectorXd LinearInputStepPropagator::step(const Eigen::VectorXd &amounts_mg,
                                                double rate_begin_mg_per_h,
                                                double rate_end_mg_per_h) const {
  const Eigen::Index n = exponential_.rows();
  if (amounts_mg.size() != n)
    throw std::invalid_argument("pk: LinearInputStepPropagator::step: amount vector has wrong size");
  return exponential_.leftCols(n) * amounts_mg + exponential_.col(n) * rate_begin_mg_per_h +
         exponential_.col(n + 1) * (rate_end_mg_per_h - rate_begin_mg_per_h);
}

double LinearInputStepPropagator::dt_h() const { return dt_h_; }

// ---------------------------------------------------------------------------------------------
// ImplicitEulerStep

ImplicitEulerStep::ImplicitEulerStep(const CompartmentModel &model, double h_h) : h_h_(h_h) {
  require_nonnegative_step(h_h, "h_h");
  const Eigen::Index n = model.n_compartments();
  lu_.compute(Eigen::MatrixXd::Identity(n, n) - h_h * model.rate_matrix());
}

Eigen::VectorXd ImplicitEulerStep::solve(const Eigen::VectorXd &amounts_old_mg,
                                         double input_rate_mg_per_h) const {
  if (amounts_old_mg.size() != lu_.rows())
    throw std::invalid_argument("pk: ImplicitEulerStep::solve: amount vector has wrong size");
  Eigen::VectorXd rhs = amounts_old_mg;
  rhs(0) += h_h_ * input_rate_mg_per_h;
  return lu_.solve(rhs);
}

double ImplicitEulerStep::h_h() const { return h_h_; }

// ---------------------------------------------------------------------------------------------
// plasma_profile_ng_per_mL

namespace {

void validate_schedule(const std::vector<Infusion> &infusions, const std::vector<double> &times_h) {
  for (const Infusion &inf : infusions) {
    if (!(std::isfinite(inf.start_h) && inf.start_h >= 0 && std::isfinite(inf.end_h) &&
          inf.end_h >= inf.start_h && std::isfinite(inf.rate_mg_per_h) && inf.rate_mg_per_h >= 0))
      throw std::invalid_argument(
          "pk: infusion needs 0 <= start_h <= end_h (finite) and a finite rate_mg_per_h >= 0");
  }
  for (std::size_t i = 0; i < times_h.size(); ++i) {
    if (!(std::isfinite(times_h[i]) && times_h[i] >= 0 && (i == 0 || times_h[i] >= times_h[i - 1])))
      throw std::invalid_argument("pk: sample times_h must be finite, >= 0 and sorted ascending");
  }
}

/// Total input rate of all infusions active at time t_h (each active on [start_h, end_h)).
double total_rate_at(const std::vector<Infusion> &infusions, double t_h) {
  double rate = 0;
  for (const Infusion &inf : infusions)
    if (inf.start_h <= t_h && t_h < inf.end_h) rate += inf.rate_mg_per_h;
  return rate;
}

/// Sorted, unique infusion start/end times.
std::vector<double> breakpoints_of(const std::vector<Infusion> &infusions) {
  std::vector<double> points;
  for (const Infusion &inf : infusions) {
    points.push_back(inf.start_h);
    points.push_back(inf.end_h);
  }
  std::sort(points.begin(), points.end());
  points.erase(std::unique(points.begin(), points.end()), points.end());
  return points;
}

}  // namespace

std::vector<double> plasma_profile_ng_per_mL(const CompartmentModel &model,
                                             const std::vector<Infusion> &infusions,
                                             const std::vector<double> &times_h) {
  validate_schedule(infusions, times_h);
  const std::vector<double> breakpoints = breakpoints_of(infusions);
  Eigen::VectorXd amounts_mg = Eigen::VectorXd::Zero(model.n_compartments());
  double t_h = 0;
  auto next_breakpoint = std::upper_bound(breakpoints.begin(), breakpoints.end(), t_h);
  std::vector<double> profile;
  profile.reserve(times_h.size());
  for (const double target_h : times_h) {
    while (t_h < target_h) {
      while (next_breakpoint != breakpoints.end() && *next_breakpoint <= t_h) ++next_breakpoint;
      const double end_h =
          next_breakpoint == breakpoints.end() ? target_h : std::min(*next_breakpoint, target_h);
      // The rate is constant on [t_h, end_h); evaluate it at the left end.
      amounts_mg = model.propagate(amounts_mg, end_h - t_h, total_rate_at(infusions, t_h));
      t_h = end_h;
    }
    profile.push_back(model.plasma_concentration_ng_per_mL(amounts_mg));
  }
  return profile;
}

}  // namespace dermatwin::pk
