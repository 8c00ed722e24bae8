// Tests of dermatwin::pk against independent closed-form solutions.
#include "dermatwin/pk/compartment_model.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

namespace {

using dermatwin::pk::CompartmentModel;
using dermatwin::pk::DispositionParameters;
using dermatwin::pk::ExactStepPropagator;
using dermatwin::pk::ImplicitEulerStep;
using dermatwin::pk::Infusion;
using dermatwin::pk::ModelKind;

constexpr double kRelTol = 1e-8;
constexpr double kAbsTol = 1e-12;
const double kPi = std::acos(-1.0);

/// EXPECT_NEAR with tol = rel*|expected| + abs, tracking the largest relative error seen.
class ErrorTracker {
public:
  explicit ErrorTracker(std::string name, double rel = kRelTol) : name_(std::move(name)), rel_(rel) {}
  ~ErrorTracker() {
    std::cout << "[ max rel err ] " << name_ << ": " << max_rel_ << " over " << count_ << " values\n";
  }
  void check(double actual, double expected, const std::string &where = "") {
    EXPECT_NEAR(actual, expected, rel_ * std::abs(expected) + kAbsTol) << name_ << " " << where;
    if (expected != 0) max_rel_ = std::max(max_rel_, std::abs(actual - expected) / std::abs(expected));
    ++count_;
  }

private:
  std::string name_;
  double rel_;
  double max_rel_ = 0;
  int count_ = 0;
};

DispositionParameters one_cmt() {  // k = 0.2 /h
  DispositionParameters p;
  p.kind = ModelKind::one_compartment;
  p.clearance_L_per_h = 12.0;
  p.v1_L = 60.0;
  return p;
}

DispositionParameters two_cmt() {  // k10 = 0.5, k12 = 0.75, k21 = 0.1875 /h
  DispositionParameters p;
  p.kind = ModelKind::two_compartment;
  p.clearance_L_per_h = 10.0;
  p.v1_L = 20.0;
  p.q2_L_per_h = 15.0;
  p.v2_L = 80.0;
  return p;
}

/// Fentanyl micro constants (Shafer et al. 1990), per minute.
struct FentanylMicro {
  double v1_L = 6.09, k10 = 0.0827, k12 = 0.471, k13 = 0.225, k21 = 0.102, k31 = 0.006;
};

DispositionParameters fentanyl() {
  const FentanylMicro m;
  const double per_h = 60.0;
  DispositionParameters p;
  p.kind = ModelKind::three_compartment;
  p.v1_L = m.v1_L;
  p.clearance_L_per_h = m.v1_L * m.k10 * per_h;
  p.q2_L_per_h = m.v1_L * m.k12 * per_h;
  p.v2_L = p.q2_L_per_h / (m.k21 * per_h);
  p.q3_L_per_h = m.v1_L * m.k13 * per_h;
  p.v3_L = p.q3_L_per_h / (m.k31 * per_h);
  return p;
}

/// Multi-exponential unit-bolus response of the central amount: sum_i coeff_i e^{-rate_i t}.
struct Exponentials {
  std::vector<double> rate_per_h, coeff;
};

Exponentials one_cmt_exponentials(const DispositionParameters &p) {
  return {{p.clearance_L_per_h / p.v1_L}, {1.0}};
}

/// Biexponential: rates are the roots of s^2 - (k10+k12+k21) s + k10 k21 = 0,
/// coefficients the residues (k21 - s_i) / (s_j - s_i).
Exponentials two_cmt_exponentials(double k10, double k12, double k21) {
  const double sum = k10 + k12 + k21, product = k10 * k21;
  const double alpha = 0.5 * (sum + std::sqrt(sum * sum - 4 * product));
  const double beta = product / alpha;
  return {{alpha, beta}, {(k21 - alpha) / (beta - alpha), (k21 - beta) / (alpha - beta)}};
}

Exponentials two_cmt_exponentials(const DispositionParameters &p) {
  return two_cmt_exponentials(p.clearance_L_per_h / p.v1_L, p.q2_L_per_h / p.v1_L,
                              p.q2_L_per_h / p.v2_L);
}

/// Triexponential: rates are the roots of s^3 - a2 s^2 + a1 s - a0 = 0 (trigonometric solution of
/// the depressed cubic), coefficients (k21 - s_i)(k31 - s_i) / ((s_j - s_i)(s_k - s_i)).
Exponentials three_cmt_exponentials(double k10, double k12, double k13, double k21, double k31) {
  const double a2 = k10 + k12 + k13 + k21 + k31;
  const double a1 = k10 * k21 + k10 * k31 + k12 * k31 + k13 * k21 + k21 * k31;
  const double a0 = k10 * k21 * k31;
  const double p = a1 - a2 * a2 / 3;
  const double q = -2 * a2 * a2 * a2 / 27 + a1 * a2 / 3 - a0;
  const double r = 2 * std::sqrt(-p / 3);
  const double phi = std::acos(3 * q / (2 * p) * std::sqrt(-3 / p)) / 3;
  Exponentials e;
  for (int k = 0; k < 3; ++k) e.rate_per_h.push_back(r * std::cos(phi - 2 * kPi * k / 3) + a2 / 3);
  for (int i = 0; i < 3; ++i) {
    const double si = e.rate_per_h[i], sj = e.rate_per_h[(i + 1) % 3], sk = e.rate_per_h[(i + 2) % 3];
    e.coeff.push_back((k21 - si) * (k31 - si) / ((sj - si) * (sk - si)));
  }
  return e;
}

Exponentials fentanyl_exponentials() {
  const FentanylMicro m;
  const double h = 60.0;
  return three_cmt_exponentials(m.k10 * h, m.k12 * h, m.k13 * h, m.k21 * h, m.k31 * h);
}

/// Closed-form plasma concentration [ng/mL] for rate R [mg/h] on [0, T], zero otherwise:
/// C(t) = R/V1 sum_i c_i/s_i (1 - e^{-s_i min(t,T)}) e^{-s_i max(t-T, 0)}.
double infusion_closed_form(const Exponentials &e, double v1_L, double rate_mg_per_h, double stop_h,
                            double t_h) {
  double amount_per_rate = 0;
  for (std::size_t i = 0; i < e.rate_per_h.size(); ++i) {
    const double s = e.rate_per_h[i];
    amount_per_rate += e.coeff[i] / s * -std::expm1(-s * std::min(t_h, stop_h)) *
                       std::exp(-s * std::max(t_h - stop_h, 0.0));
  }
  return rate_mg_per_h * amount_per_rate / v1_L * 1000.0;
}

std::vector<double> sample_times(double end_h, int n) {
  std::vector<double> t;
  for (int i = 0; i <= n; ++i) t.push_back(end_h * i / n);
  return t;
}

/// Compares plasma_profile_ng_per_mL and ExactStepPropagator stepping with the closed form for an
/// infusion of rate R on [0, stop_h).
void check_step_on_off(const DispositionParameters &p, const Exponentials &e, double stop_h,
                       double end_h, const std::string &name) {
  const CompartmentModel model(p);
  const double rate = 5.0;
  const std::vector<double> times = sample_times(end_h, 240);
  const std::vector<double> profile =
      dermatwin::pk::plasma_profile_ng_per_mL(model, {{0.0, stop_h, rate}}, times);
  ErrorTracker profile_err(name + " plasma_profile");
  for (std::size_t i = 1; i < times.size(); ++i)
    profile_err.check(profile[i], infusion_closed_form(e, p.v1_L, rate, stop_h, times[i]),
                      "t=" + std::to_string(times[i]));
  EXPECT_EQ(profile[0], 0.0);

  // Same course with a precomputed propagator; stop_h lies on the step grid.
  const double dt = end_h / 240;
  const ExactStepPropagator step(model, dt);
  ErrorTracker step_err(name + " ExactStepPropagator");
  Eigen::VectorXd a = Eigen::VectorXd::Zero(model.n_compartments());
  for (int i = 1; i <= 240; ++i) {
    a = step.step(a, (i - 0.5) * dt < stop_h ? rate : 0.0);
    step_err.check(model.plasma_concentration_ng_per_mL(a),
                   infusion_closed_form(e, p.v1_L, rate, stop_h, i * dt));
  }
}

// ---------------------------------------------------------------------------------------------

TEST(ModelKind, ParsesAndPrints) {
  for (ModelKind k :
       {ModelKind::one_compartment, ModelKind::two_compartment, ModelKind::three_compartment})
    EXPECT_EQ(dermatwin::pk::model_kind_from_string(dermatwin::pk::to_string(k)), k);
  try {
    dermatwin::pk::model_kind_from_string("four_compartment");
    FAIL() << "expected std::invalid_argument";
  } catch (const std::invalid_argument &error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("four_compartment"), std::string::npos);
    EXPECT_NE(message.find("one_compartment"), std::string::npos);
    EXPECT_NE(message.find("three_compartment"), std::string::npos);
  }
}

TEST(CompartmentModel, RateMatrixMatchesEquations) {
  const DispositionParameters p = fentanyl();
  const CompartmentModel model(p);
  const Eigen::MatrixXd &k = model.rate_matrix();
  ASSERT_EQ(k.rows(), 3);
  EXPECT_DOUBLE_EQ(k(0, 0), -(p.clearance_L_per_h + p.q2_L_per_h + p.q3_L_per_h) / p.v1_L);
  EXPECT_DOUBLE_EQ(k(0, 1), p.q2_L_per_h / p.v2_L);
  EXPECT_DOUBLE_EQ(k(0, 2), p.q3_L_per_h / p.v3_L);
  EXPECT_DOUBLE_EQ(k(1, 0), p.q2_L_per_h / p.v1_L);
  EXPECT_DOUBLE_EQ(k(1, 1), -p.q2_L_per_h / p.v2_L);
  EXPECT_DOUBLE_EQ(k(2, 0), p.q3_L_per_h / p.v1_L);
  EXPECT_DOUBLE_EQ(k(2, 2), -p.q3_L_per_h / p.v3_L);
  EXPECT_EQ(k(1, 2), 0.0);
  EXPECT_EQ(k(2, 1), 0.0);
  EXPECT_EQ(CompartmentModel(one_cmt()).n_compartments(), 1u);
  EXPECT_EQ(CompartmentModel(two_cmt()).n_compartments(), 2u);
  Eigen::VectorXd a(3);
  a << 2.0, 7.0, 9.0;
  EXPECT_DOUBLE_EQ(model.plasma_concentration_ng_per_mL(a), 2.0 / p.v1_L * 1000.0);
}

TEST(CompartmentModel, OneCompartmentInfusionOnOff) {
  const DispositionParameters p = one_cmt();
  check_step_on_off(p, one_cmt_exponentials(p), 8.0, 48.0, "1-cmt");
  // The textbook form R/CL (1 - e^{-kt}) during the infusion.
  const CompartmentModel model(p);
  const double k = p.clearance_L_per_h / p.v1_L, rate = 5.0;
  ErrorTracker err("1-cmt R/CL(1-e^-kt)");
  for (double t : {0.1, 1.0, 3.0, 7.9}) {
    const Eigen::VectorXd a = model.propagate(Eigen::VectorXd::Zero(1), t, rate);
    err.check(model.plasma_concentration_ng_per_mL(a),
              rate / p.clearance_L_per_h * -std::expm1(-k * t) * 1000.0);
  }
}

TEST(CompartmentModel, TwoCompartmentInfusionOnOff) {
  const DispositionParameters p = two_cmt();
  const Exponentials e = two_cmt_exponentials(p);
  EXPECT_NEAR(e.coeff[0] + e.coeff[1], 1.0, 1e-14);
  check_step_on_off(p, e, 6.0, 36.0, "2-cmt");
}

TEST(CompartmentModel, ThreeCompartmentFentanylInfusionOnOff) {
  const DispositionParameters p = fentanyl();
  const Exponentials e = fentanyl_exponentials();
  EXPECT_NEAR(e.coeff[0] + e.coeff[1] + e.coeff[2], 1.0, 1e-12);
  check_step_on_off(p, e, 2.0, 12.0, "3-cmt fentanyl");
}

TEST(CompartmentModel, DispositionRateConstantsMatchClosedForm) {
  ErrorTracker err("eigenvalues vs closed-form roots");
  const std::vector<std::pair<DispositionParameters, Exponentials>> cases = {
      {one_cmt(), one_cmt_exponentials(one_cmt())},
      {two_cmt(), two_cmt_exponentials(two_cmt())},
      {fentanyl(), fentanyl_exponentials()}};
  for (const auto &[p, e] : cases) {
    std::vector<double> expected = e.rate_per_h;
    std::sort(expected.begin(), expected.end());  // slowest first
    const Eigen::VectorXd lambda = CompartmentModel(p).disposition_rate_constants_per_h();
    ASSERT_EQ(lambda.size(), static_cast<Eigen::Index>(expected.size()));
    for (std::size_t i = 0; i < expected.size(); ++i) err.check(lambda(i), -expected[i]);
    err.check(CompartmentModel(p).terminal_half_life_h(), std::log(2.0) / expected[0]);
  }
}

TEST(CompartmentModel, OneCompartmentTerminalHalfLife) {
  const DispositionParameters p = one_cmt();
  EXPECT_NEAR(CompartmentModel(p).terminal_half_life_h(),
              std::log(2.0) * p.v1_L / p.clearance_L_per_h, 1e-14);
}

TEST(CompartmentModel, SteadyStateIsRateOverClearance) {
  const double rate = 3.7;
  ErrorTracker err("steady state Css = R/CL");
  for (const DispositionParameters &p : {one_cmt(), two_cmt(), fentanyl()}) {
    const CompartmentModel model(p);
    const double t_long = 80.0 * model.terminal_half_life_h();
    const double css = rate / p.clearance_L_per_h * 1000.0;
    const Eigen::VectorXd zero = Eigen::VectorXd::Zero(model.n_compartments());
    err.check(model.plasma_concentration_ng_per_mL(model.propagate(zero, t_long, rate)), css);
    err.check(dermatwin::pk::plasma_profile_ng_per_mL(model, {{0.0, 2 * t_long, rate}}, {t_long})[0],
              css);
  }
}

TEST(CompartmentModel, LinearInputMatchesOneCompartmentRampClosedForm) {
  const DispositionParameters p = one_cmt();
  const CompartmentModel model(p);
  const double k = p.clearance_L_per_h / p.v1_L, a0 = 4.0, r0 = 2.0, r1 = 9.0;
  ErrorTracker err("1-cmt ramp closed form");
  for (double dt : {1e-3, 0.1, 1.0, 5.0, 20.0}) {
    // A(t) = A0 e^{-kt} + r0/k (1 - e^{-kt}) + b/k^2 (kt - 1 + e^{-kt}), b = (r1 - r0)/dt.
    const double b = (r1 - r0) / dt, em1 = std::expm1(-k * dt);
    const double expected = a0 * std::exp(-k * dt) - r0 / k * em1 + b / (k * k) * (k * dt + em1);
    err.check(model.propagate_linear_input(Eigen::VectorXd::Constant(1, a0), dt, r0, r1)(0), expected);
  }
  EXPECT_EQ(model.propagate_linear_input(Eigen::VectorXd::Constant(1, a0), 0.0, r0, r1)(0), a0);
}

TEST(CompartmentModel, LinearInputMatchesSubdivision) {
  const CompartmentModel model(fentanyl());
  Eigen::VectorXd a0(3);
  a0 << 1.0, 0.5, 2.0;
  const double dt = 3.0, r0 = 8.0, r1 = 1.0;
  const Eigen::VectorXd one_step = model.propagate_linear_input(a0, dt, r0, r1);

  // Exact sub-steps of the same ramp must compose to the single step.
  ErrorTracker exact_err("3-cmt ramp: 1 step vs 64 exact sub-steps");
  Eigen::VectorXd a = a0;
  const int n_sub = 64;
  for (int i = 0; i < n_sub; ++i)
    a = model.propagate_linear_input(a, dt / n_sub, r0 + (r1 - r0) * i / n_sub,
                                     r0 + (r1 - r0) * (i + 1) / n_sub);
  for (int c = 0; c < 3; ++c) exact_err.check(a(c), one_step(c));

  // Piecewise-constant midpoint rates converge to it at second order.
  auto midpoint_error = [&](int n) {
    const ExactStepPropagator step(model, dt / n);
    Eigen::VectorXd x = a0;
    for (int i = 0; i < n; ++i) x = step.step(x, r0 + (r1 - r0) * (i + 0.5) / n);
    return (x - one_step).norm() / one_step.norm();
  };
  const double e1 = midpoint_error(400), e2 = midpoint_error(800);
  std::cout << "[ midpoint    ] rel err n=400: " << e1 << ", n=800: " << e2
            << ", order " << std::log2(e1 / e2) << "\n";
  EXPECT_LT(e2, 1e-6);
  EXPECT_NEAR(std::log2(e1 / e2), 2.0, 0.05);
}

TEST(CompartmentModel, ConstantInputAgreesWithPropagatorAndLinearInput) {
  const CompartmentModel model(fentanyl());
  Eigen::VectorXd a0(3);
  a0 << 1.0, 0.5, 2.0;
  const Eigen::VectorXd direct = model.propagate(a0, 0.7, 4.0);
  const Eigen::VectorXd stepped = ExactStepPropagator(model, 0.7).step(a0, 4.0);
  const Eigen::VectorXd linear = model.propagate_linear_input(a0, 0.7, 4.0, 4.0);
  ErrorTracker err("propagate vs ExactStepPropagator vs linear(const)");
  for (int c = 0; c < 3; ++c) {
    err.check(stepped(c), direct(c));
    err.check(linear(c), direct(c));
  }
  EXPECT_EQ(model.propagate(a0, 0.0, 4.0), a0);
}

TEST(PlasmaProfile, OverlappingInfusionsSuperpose) {
  const DispositionParameters p = two_cmt();
  const CompartmentModel model(p);
  const Exponentials e = two_cmt_exponentials(p);
  const std::vector<Infusion> infusions = {{1.0, 5.0, 2.0}, {3.0, 9.0, 1.5}, {3.0, 3.0, 100.0}};
  const std::vector<double> times = {0.0, 0.5, 1.0, 2.0, 3.0, 3.0, 4.5, 5.0, 7.25, 9.0, 20.0};
  const std::vector<double> profile = dermatwin::pk::plasma_profile_ng_per_mL(model, infusions, times);
  ErrorTracker err("2-cmt overlapping infusions");
  for (std::size_t i = 0; i < times.size(); ++i) {
    double expected = 0;
    for (const Infusion &inf : infusions)  // shift each infusion to start at 0
      if (times[i] > inf.start_h)
        expected += infusion_closed_form(e, p.v1_L, inf.rate_mg_per_h, inf.end_h - inf.start_h,
                                         times[i] - inf.start_h);
    err.check(profile[i], expected, "t=" + std::to_string(times[i]));
  }
  EXPECT_THROW(dermatwin::pk::plasma_profile_ng_per_mL(model, infusions, {2.0, 1.0}),
               std::invalid_argument);
  EXPECT_THROW(dermatwin::pk::plasma_profile_ng_per_mL(model, {{2.0, 1.0, 1.0}}, {1.0}),
               std::invalid_argument);
  EXPECT_THROW(dermatwin::pk::plasma_profile_ng_per_mL(model, {{0.0, 1.0, -1.0}}, {1.0}),
               std::invalid_argument);
}

TEST(ImplicitEulerStep, FirstOrderConvergence) {
  const DispositionParameters p = two_cmt();
  const CompartmentModel model(p);
  const double rate = 5.0, end_h = 4.0;
  const double exact = infusion_closed_form(two_cmt_exponentials(p), p.v1_L, rate, end_h, end_h);
  auto error = [&](int n) {
    const ImplicitEulerStep step(model, end_h / n);
    Eigen::VectorXd a = Eigen::VectorXd::Zero(2);
    for (int i = 0; i < n; ++i) a = step.solve(a, rate);
    return std::abs(model.plasma_concentration_ng_per_mL(a) - exact) / exact;
  };
  const double e1 = error(400), e2 = error(800), e3 = error(1600);
  std::cout << "[ impl. Euler ] rel err n=400: " << e1 << ", 800: " << e2 << ", 1600: " << e3
            << "; orders " << std::log2(e1 / e2) << ", " << std::log2(e2 / e3) << "\n";
  EXPECT_NEAR(std::log2(e1 / e2), 1.0, 0.05);
  EXPECT_NEAR(std::log2(e2 / e3), 1.0, 0.05);
}

TEST(ImplicitEulerStep, ConservesMass) {
  const DispositionParameters p = fentanyl();
  const CompartmentModel model(p);
  const double h = 0.05;
  const ImplicitEulerStep step(model, h);
  EXPECT_EQ(step.h_h(), h);
  Eigen::VectorXd a = Eigen::VectorXd::Zero(3);
  double eliminated_mg = 0, infused_mg = 0, max_rel = 0;
  for (int i = 0; i < 400; ++i) {
    const double rate = i < 100 ? 5.0 : 0.0;
    a = step.solve(a, rate);
    infused_mg += rate * h;
    eliminated_mg += p.clearance_L_per_h / p.v1_L * a(0) * h;
    const double balance = a.sum() + eliminated_mg;
    EXPECT_NEAR(balance, infused_mg, 1e-12 * infused_mg);
    max_rel = std::max(max_rel, std::abs(balance - infused_mg) / infused_mg);
  }
  std::cout << "[ max rel err ] implicit Euler mass balance: " << max_rel << "\n";
  EXPECT_EQ(ImplicitEulerStep(model, 0.0).solve(a, 5.0), a);
}

TEST(CompartmentModel, InvalidParametersThrowNamingTheKey) {
  struct Case {
    DispositionParameters base;
    double DispositionParameters::*field;
    std::string key;
  };
  const std::vector<Case> cases = {
      {one_cmt(), &DispositionParameters::clearance_L_per_h, "clearance_L_per_h"},
      {one_cmt(), &DispositionParameters::v1_L, "v1_L"},
      {two_cmt(), &DispositionParameters::v2_L, "v2_L"},
      {two_cmt(), &DispositionParameters::q2_L_per_h, "q_L_per_h"},
      {fentanyl(), &DispositionParameters::q2_L_per_h, "q2_L_per_h"},
      {fentanyl(), &DispositionParameters::v3_L, "v3_L"},
      {fentanyl(), &DispositionParameters::q3_L_per_h, "q3_L_per_h"}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  for (const Case &c : cases) {
    for (double bad : {-1.0, 0.0, nan, inf}) {
      DispositionParameters p = c.base;
      p.*c.field = bad;
      try {
        CompartmentModel model(p);
        ADD_FAILURE() << c.key << " = " << bad << " accepted";
      } catch (const std::invalid_argument &error) {
        const std::string message = error.what();
        EXPECT_NE(message.find(c.key), std::string::npos) << message;
        EXPECT_NE(message.find("> 0"), std::string::npos) << message;
      }
    }
  }
  // Values of unused compartments are ignored.
  DispositionParameters p = one_cmt();
  p.v2_L = -1.0;
  p.q3_L_per_h = nan;
  EXPECT_NO_THROW(CompartmentModel{p});
  // Wrong state size and negative steps are rejected.
  const CompartmentModel model(two_cmt());
  EXPECT_THROW(model.propagate(Eigen::VectorXd::Zero(3), 1.0, 0.0), std::invalid_argument);
  EXPECT_THROW(model.propagate(Eigen::VectorXd::Zero(2), -1.0, 0.0), std::invalid_argument);
  EXPECT_THROW(ExactStepPropagator(model, nan), std::invalid_argument);
  EXPECT_THROW(ImplicitEulerStep(model, -0.1), std::invalid_argument);
}

}  // namespace
