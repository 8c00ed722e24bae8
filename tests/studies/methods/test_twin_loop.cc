// The digital-twin loop of docs/digital-twin.md on the bundled examples:
// calibrate a person's twin on three plasma samples, re-optimize the
// regimen for that twin, and check the answer against what the physics
// implies (no fixed numbers): the twin clears fentanyl faster and has a less
// permeable stratum corneum than the typical patient, so it needs a larger
// patch for the same 1-2 ng/mL window, and the re-optimized regimen keeps the
// twin in the window longer than the label regimen does.
#include <dermatwin/studies/calibration.h>
#include <dermatwin/studies/optimization.h>
#include <dermatwin/studies/scenario.h>

#include <gtest/gtest.h>

using namespace dermatwin::studies;

namespace
{
  const std::string studies_dir = DERMATWIN_SOURCE_DIR "/resources/studies/";

  /// The optimize example restricted to one site, with a small budget, for
  /// the person described by @p individual.
  OptimizationResult optimize_for(const Overrides &individual)
  {
    Overrides o = individual;
    o.push_back("study.variables.sites=[upper_arm_outer]");
    o.push_back("study.optimizer.max_evaluations=30");
    const Study study = load_study(studies_dir + "optimize_fentanyl_window.yaml", o);
    return run_optimization(study, parse_optimization(study), 2);
  }
} // namespace

TEST(TwinLoop, CalibrateThenReoptimize)
{
  const Study calibration_study =
    load_study(studies_dir + "calibrate_fentanyl_three_samples.yaml", {"study.predictive_band.samples=0"});
  const CalibrationResult twin =
    run_calibration(calibration_study, parse_calibration(calibration_study), 2);
  ASSERT_EQ(twin.individual_overrides.size(), 2u);
  // The simulated patient A (clearance factor 1.3, SC permeability 0.7).
  EXPECT_GT(twin.fit.estimate[0], 1.0);
  EXPECT_LT(twin.fit.estimate[1], 1.0);

  const OptimizationResult typical = optimize_for({});
  const OptimizationResult person  = optimize_for(twin.individual_overrides);
  const Evaluation &typical_best = typical.candidates[typical.best_index].best;
  const Evaluation &person_best  = person.candidates[person.best_index].best;
  ASSERT_TRUE(typical_best.regimen.area_cm2 && person_best.regimen.area_cm2);
  // Faster clearance and lower permeability: a larger patch for the same window.
  EXPECT_GT(*person_best.regimen.area_cm2, 1.1 * *typical_best.regimen.area_cm2);
  // The re-optimized regimen beats the label regimen for this person, within the safety limit.
  EXPECT_GT(person_best.objective, person.label.objective + 0.2);
  EXPECT_TRUE(person_best.feasible);
  EXPECT_LE(person_best.cmax_ng_per_mL, 3.0);

  // The optimized study file reproduces the optimum for the twin.
  const Study    rerun  = parse_study(person.optimized_study_yaml, "study.optimized.yaml");
  const Result   course = run_scenario(plan_scenario(rerun));
  ASSERT_TRUE(course.summary.cmax_ng_per_mL.has_value());
  EXPECT_NEAR(*course.summary.cmax_ng_per_mL, person_best.cmax_ng_per_mL, 1e-3 * person_best.cmax_ng_per_mL);
}
