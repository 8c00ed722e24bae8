// Dose optimization against closed forms: one compartment with constant
// input (time in window, time to target, an active Cmax limit), the discrete
// enumeration, the crossing-time integrals, and bad study blocks.
#include <dermatwin/studies/optimization.h>

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

using namespace dermatwin::studies;

namespace
{
  // A patch with a huge dissolved load (1000 mg per 10 cm2; 24 h use about
  // 0.2 mg) on one thin, fast skin layer (lag ~ 1/k_b = 0.01 h) feeding one
  // compartment: input R A is constant after minutes and exactly
  // proportional to the area A (every cm2 is the same 1D column).
  // CL = 10 L/h, V = 20 L: k = 0.5 /h.
  const std::string analytic_text = R"(format: dermatwin-study/1
drug: {name: analytic, molecular_weight_g_per_mol: 300, log_kow: 1}
application:
  - patch: {area_cm2: 10, drug_load_mg: 1000, thickness_um: 200, diffusivity_cm2_per_s: 1.0e-5}
    skin: {layers: [{name: dermis, thickness_um: 100, diffusivity_cm2_per_s: 1.0e-5,
                     partition_coefficient: 2.0e-7, blood_uptake_rate_per_h: 100}]}
    apply_h: 0
pk: {model: one_compartment, clearance_L_per_h: 10, v1_L: 20}
simulation: {end_h: 24, output_every_h: 0.25, accuracy: coarse, relative_tolerance: 1.0e-7}
study:
  type: optimize
  objective: time_in_window
  window_ng_per_mL: [1, 2]
  variables:
    area_cm2: {low: 2, high: 60}
  optimizer: {x_tolerance: 1.0e-5, max_evaluations: 80}
)";
  constexpr double clearance_L_per_h = 10, k_per_h = 0.5, end_h = 24;

  /// The model's own input per cm2 and delay, from one run at 10 cm2.
  struct ConstantInput
  {
    double rate_ug_per_h_per_cm2, lag_h;
  };

  ConstantInput measure_input(const Study &study)
  {
    const Result r = run_scenario(plan_scenario(study));
    ConstantInput in;
    in.rate_ug_per_h_per_cm2 = r.series.input_rate_ug_per_h.back() / 10.;
    // C(t) = Css (1 - exp(-k (t - lag))): the lag from the level at 4 h.
    const double css = in.rate_ug_per_h_per_cm2 * 10. / clearance_L_per_h;
    std::size_t  k   = 0;
    while (r.series.time_h[k] < 4.)
      ++k;
    in.lag_h = r.series.time_h[k] + std::log(1. - r.series.plasma_ng_per_mL[k] / css) / k_per_h;
    // The input really is constant: the plasma follows the closed form.
    for (std::size_t j = 0; j < r.series.time_h.size(); ++j)
      if (r.series.time_h[j] > 1.)
        EXPECT_NEAR(r.series.plasma_ng_per_mL[j],
                    css * (1. - std::exp(-k_per_h * (r.series.time_h[j] - in.lag_h))), 1e-3 * css);
    return in;
  }
} // namespace

TEST(OptimizationIntegrals, TimeInWindowUsesInterpolatedCrossings)
{
  // c = t on [0, 10], window [2.5, 4.25]: 1.75 h although samples are 1 h apart.
  std::vector<double> t, c;
  for (int i = 0; i <= 10; ++i)
    t.push_back(i), c.push_back(i);
  EXPECT_NEAR(time_in_window_h(t, c, 2.5, 4.25, 0, 10), 1.75, 1e-12);
  EXPECT_NEAR(time_in_window_h(t, c, 2.5, 4.25, 3.5, 10), 0.75, 1e-12);
  EXPECT_NEAR(time_in_window_h(t, c, 20, 30, 0, 10), 0., 1e-12);
  // Stays in [6.5, 20] from t = 6.5; never stays in [0, 5] up to t = 10.
  EXPECT_NEAR(time_to_stay_in_band_h(t, c, 6.5, 20, 0, 10), 6.5, 1e-12);
  EXPECT_TRUE(std::isnan(time_to_stay_in_band_h(t, c, 0, 5, 0, 10)));
  EXPECT_NEAR(time_to_stay_in_band_h(t, c, 0, 5, 0, 4.5), 0., 1e-12);
  EXPECT_NEAR(time_to_stay_in_band_h(t, c, 0.7, 20, 0.5, 10), 0.7, 1e-12); // crossing after from_h
  EXPECT_NEAR(time_to_stay_in_band_h(t, c, 0.2, 20, 0.5, 10), 0.5, 1e-12);
}

// Time in [a, b] over [0, T] with C = Css (1 - e^{-k(t - lag)}) rising: for
// C(T) <= b it is T - t_a, growing with Css; above, the curve leaves at
// t_b < T and (1/k) ln((Css - a)/(Css - b)) shrinks. So C(T) = b:
// A* = b CL / (R (1 - e^{-k (T - lag)})). Tolerance 0.1 %: the optimizer
// stops at 1e-5 of the 58 cm2 range (0.002 %), the integrator's relative
// tolerance is 1e-7, and the load depletes by 0.02 % in 24 h.
TEST(Optimization, AreaForTimeInWindowMatchesClosedForm)
{
  const Study            study = parse_study(analytic_text, "analytic.yaml");
  const OptimizationSpec spec  = parse_optimization(study);
  const ConstantInput    in    = measure_input(study);
  const double expected_area =
    2. * clearance_L_per_h / (in.rate_ug_per_h_per_cm2 * (1 - std::exp(-k_per_h * (end_h - in.lag_h))));
  const OptimizationResult r = run_optimization(study, spec, 1);
  ASSERT_EQ(r.candidates.size(), 1u);
  const Evaluation &best = r.candidates[0].best;
  std::cout << "[ optimum ] R " << in.rate_ug_per_h_per_cm2 << " ug/h/cm2, lag " << in.lag_h << " h, A* "
            << expected_area << " cm2, optimizer " << *best.regimen.area_cm2 << " cm2, fraction "
            << best.objective << " (label " << r.label.objective << "), " << r.evaluations << " evaluations, "
            << r.candidates[0].status << "\n";
  EXPECT_NEAR(*best.regimen.area_cm2, expected_area, 1e-3 * expected_area);
  // The window is entered at t_a = lag - ln(1 - a/Css)/k with Css = b/(1 - e^{-k(T-lag)}).
  const double css = 2. / (1 - std::exp(-k_per_h * (end_h - in.lag_h)));
  const double t_a = in.lag_h - std::log(1. - 1. / css) / k_per_h;
  EXPECT_NEAR(best.objective, (end_h - t_a) / end_h, 2e-3);
  EXPECT_GT(best.objective, r.label.objective); // the label 10 cm2 stays below the window
  EXPECT_LT(r.evaluations, 100u);
}

// With Cmax limit L < b the limit binds: C(T) = L, A* = L CL / (R (1 - e^{-k(T-lag)})),
// and the reported optimum never exceeds it (only feasible points are kept).
TEST(Optimization, CmaxLimitIsActiveAndRespected)
{
  const Study study = parse_study(analytic_text, "analytic.yaml", {"study.cmax_limit_ng_per_mL=1.5"});
  const OptimizationSpec spec = parse_optimization(study);
  const ConstantInput    in   = measure_input(study);
  const double expected_area =
    1.5 * clearance_L_per_h / (in.rate_ug_per_h_per_cm2 * (1 - std::exp(-k_per_h * (end_h - in.lag_h))));
  const OptimizationResult r    = run_optimization(study, spec, 1);
  const Evaluation        &best = r.candidates[0].best;
  std::cout << "[ optimum ] Cmax-limited A* " << expected_area << " cm2, optimizer " << *best.regimen.area_cm2
            << " cm2, Cmax " << best.cmax_ng_per_mL << " ng/mL, " << r.evaluations << " evaluations\n";
  EXPECT_TRUE(best.feasible);
  EXPECT_LE(best.cmax_ng_per_mL, 1.5);
  EXPECT_NEAR(best.cmax_ng_per_mL, 1.5, 2e-3 * 1.5);
  EXPECT_NEAR(*best.regimen.area_cm2, expected_area, 2e-3 * expected_area);
}

// Reaching C_T (1 - tol) and staying below C_T (1 + tol) up to T is fastest
// when C(T) = C_T (1 + tol): T* = lag - ln(1 - C_T (1 - tol) / Css) / k with
// Css = C_T (1 + tol) / (1 - e^{-k (T - lag)}), ~ ln((1 + tol) / (2 tol)) / k.
TEST(Optimization, TimeToTargetMatchesClosedForm)
{
  const Study study = parse_study(analytic_text, "analytic.yaml",
                                  {"study.objective=time_to_target", "study.target_ng_per_mL=1.5",
                                   "study.target_tolerance=0.1"});
  const OptimizationSpec spec = parse_optimization(study);
  const ConstantInput    in   = measure_input(study);
  const double css    = 1.5 * 1.1 / (1 - std::exp(-k_per_h * (end_h - in.lag_h)));
  const double t_star = in.lag_h - std::log(1. - 1.5 * 0.9 / css) / k_per_h;
  EXPECT_NEAR(t_star, std::log(1.1 / 0.2) / k_per_h, 0.05);
  const OptimizationResult r = run_optimization(study, spec, 1);
  const Evaluation &best     = r.candidates[0].best;
  std::cout << "[ optimum ] T* " << t_star << " h, optimizer " << best.objective << " h at "
            << *best.regimen.area_cm2 << " cm2, " << r.evaluations << " evaluations\n";
  EXPECT_NEAR(best.objective, t_star, 0.01); // 0.3 % of T*: the area is within 0.1 %
  EXPECT_NEAR(*best.regimen.area_cm2, css * clearance_L_per_h / in.rate_ug_per_h_per_cm2,
              2e-3 * css * clearance_L_per_h / in.rate_ug_per_h_per_cm2);
}

// Per-patch Css = R 10 / CL (about 0.7 ng/mL): one patch never reaches the
// window [1, 2], three exceed it, two sit inside it most of the day.
TEST(Optimization, EnumerationPicksTheObviousNumberOfPatches)
{
  const Study study = parse_study(analytic_text, "analytic.yaml",
                                  {"study.variables={patches: [1, 2, 3]}"});
  const ConstantInput in = measure_input(study);
  const double        css_one = in.rate_ug_per_h_per_cm2 * 10 / clearance_L_per_h;
  ASSERT_LT(css_one, 1.);
  ASSERT_GT(2 * css_one, 1.);
  ASSERT_GT(3 * css_one, 2.);
  const OptimizationResult r = run_optimization(study, parse_optimization(study), 2);
  ASSERT_EQ(r.candidates.size(), 3u);
  EXPECT_EQ(r.candidates[r.best_index].best.regimen.patches, 2u);
  EXPECT_EQ(r.candidates[0].best.objective, 0.);
  EXPECT_EQ(r.evaluations, 4u); // no continuous variables: one run per candidate plus the label
}

TEST(Optimization, CutProductEqualsTheProductAtItsOwnArea)
{
  const Study study = parse_study(R"(format: dermatwin-study/1
drug: fentanyl
application: [{product: durogesic_dtrans_25, site: chest}]
simulation: {end_h: 24, output_every_h: 1, accuracy: coarse}
)",
                                  "cut.yaml");
  Regimen cut;
  cut.product   = "durogesic_dtrans_25";
  cut.area_cm2  = 10.5;
  const Result whole  = run_scenario(plan_scenario(study));
  const Result pieces = run_scenario(plan_scenario(parse_study(study.text, study.file, regimen_overrides(study, cut))));
  for (std::size_t k = 0; k < whole.series.time_h.size(); ++k)
    EXPECT_NEAR(pieces.series.plasma_ng_per_mL[k], whole.series.plasma_ng_per_mL[k],
                1e-9 + 1e-9 * whole.series.plasma_ng_per_mL[k]);
}

namespace
{
  void expect_error_naming(const std::string &text, const std::vector<std::string> &sets, const std::string &key)
  {
    try
      {
        parse_optimization(parse_study(text, "bad.yaml", sets));
        ADD_FAILURE() << "no StudyError for " << key;
      }
    catch (const StudyError &e)
      {
        EXPECT_EQ(e.key, key) << e.what();
        EXPECT_NE(std::string(e.what()).find("bad.yaml:"), std::string::npos) << e.what();
      }
  }

  const std::string fentanyl_text = R"(format: dermatwin-study/1
drug: fentanyl
application: [{product: durogesic_dtrans_25, site: chest}]
simulation: {end_h: 24, output_every_h: 1, accuracy: coarse}
study:
  type: optimize
  variables:
    area_cm2: {low: 2, high: 42}
)";
} // namespace

TEST(OptimizationInput, BadBlocksNameTheKey)
{
  // Reservoir designs cannot be cut.
  expect_error_naming(R"(format: dermatwin-study/1
drug: nicotine
application: [{product: nicoderm_cq_21, site: upper_arm_outer}]
study: {type: optimize, window_ng_per_mL: [5, 20], variables: {area_cm2: {low: 5, high: 30}}}
)",
                      {}, "study.variables.area_cm2");
  expect_error_naming(fentanyl_text, {"study.variables.area_cm2.low=50"}, "study.variables.area_cm2.high");
  expect_error_naming(fentanyl_text, {"study.variables.sites=[chest, elbow_tip]"}, "study.variables.sites");
  expect_error_naming(fentanyl_text, {"study.variables.products=[nicoderm_cq_21]"}, "study.variables.products");
  expect_error_naming(fentanyl_text, {"study.variables.patches=[0]"}, "study.variables.patches");
  expect_error_naming(fentanyl_text, {"study.variables.colour=red"}, "study.variables.colour");
  expect_error_naming(fentanyl_text, {"study.window_ng_per_mL=[2, 1]"}, "study.window_ng_per_mL");
  expect_error_naming(fentanyl_text, {"study.objective=fastest"}, "study.objective");
  expect_error_naming(fentanyl_text, {"study.evaluate_from_h=30"}, "study.evaluate_from_h");
  expect_error_naming(fentanyl_text, {"study.population={subjects: 0}"}, "study.population.subjects");
  expect_error_naming(fentanyl_text, {"study.population={sites: [chest]}"}, "study.population.sites");
  expect_error_naming(fentanyl_text,
                      {"application=[{product: durogesic_dtrans_25, site: chest}, "
                       "{product: durogesic_dtrans_12, site: chest}]"},
                      "application");
  // The library supplies the window and the Cmax limit for fentanyl.
  const OptimizationSpec spec = parse_optimization(parse_study(fentanyl_text, "ok.yaml"));
  EXPECT_EQ(spec.window_low_ng_per_mL, 1.);
  EXPECT_EQ(spec.window_high_ng_per_mL, 2.);
  EXPECT_EQ(spec.cmax_limit_ng_per_mL, 3.);
}
