// Validation of the in vivo chain (library -> skin -> PK) against published
// clinical data for fentanyl DTrans patches (../shared/data/validation/):
// parameters come from in vitro permeation, IV PK and the product label;
// the clinical patch data below are not used to derive them (exceptions in
// docs/validation.md).
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <gtest/gtest.h>

#include <cmath>

using namespace dermatwin::studies;

namespace
{
  const char *const default_study = DERMATWIN_SOURCE_DIR "/resources/studies/fentanyl_25ugh_upper_arm.yaml";

  Result run(const std::vector<std::string> &overrides = {})
  {
    return run_scenario(plan_scenario(load_study(default_study, overrides)));
  }

  double value_at(const TimeSeries &ts, const std::vector<double> &column, const double t_h)
  {
    for (std::size_t i = 0; i < ts.time_h.size(); ++i)
      if (std::abs(ts.time_h[i] - t_h) < 1e-9)
        return column[i];
    return NAN;
  }
} // namespace

TEST(FentanylValidation, TwentyFiveMicrogramsPerHourUpperArm)
{
  const Result   r = run();
  const Summary &s = r.summary;
  // Released from the patch during the 72-h wear (label: 25 ug/h = 1.8 mg).
  const double released_72h_ug =
    4200. - value_at(r.series, r.series.removed_with_patches_ug, 72.);
  std::cout << "[ fentanyl 25 ] Cmax " << *s.cmax_ng_per_mL << " ng/mL (0.4-1.4), Tmax " << *s.tmax_h
            << " h (20-48), t1/2 after removal " << *s.apparent_half_life_after_removal_h
            << " h (13-27), released in 72 h " << released_72h_ug << " ug (1800 +/- 35 %)\n";
  EXPECT_GE(*s.cmax_ng_per_mL, 0.4);
  EXPECT_LE(*s.cmax_ng_per_mL, 1.4);
  EXPECT_GE(*s.tmax_h, 20.);
  EXPECT_LE(*s.tmax_h, 48.);
  EXPECT_GE(*s.apparent_half_life_after_removal_h, 13.);
  EXPECT_LE(*s.apparent_half_life_after_removal_h, 27.);
  EXPECT_NEAR(released_72h_ug / 1800., 1., 0.35);
  EXPECT_LT(s.mass_balance_relative_error, 1e-6);
}

TEST(FentanylValidation, StrengthsScaleWithArea)
{
  std::map<int, double> cmax;
  for (const int strength : {12, 25, 50, 100})
    cmax[strength] =
      *run({"application.0.product=durogesic_dtrans_" + std::to_string(strength)}).summary.cmax_ng_per_mL;
  const double ratio = cmax[100] / cmax[25];
  std::cout << "[ fentanyl strengths ] Cmax 12/25/50/100: " << cmax[12] << ", " << cmax[25] << ", "
            << cmax[50] << ", " << cmax[100] << " ng/mL; ratio 100:25 = " << ratio << " (3.0-5.0)\n";
  EXPECT_GE(ratio, 3.0);
  EXPECT_LE(ratio, 5.0);
  EXPECT_LT(cmax[12], cmax[25]);
  EXPECT_LT(cmax[25], cmax[50]);
}

TEST(FentanylValidation, AccuracyPresetsAgree)
{
  // 'default' must be within 0.1 % of the converged ('fine') Cmax and dose.
  const Summary def = run().summary, fine = run({"simulation.accuracy=fine"}).summary;
  const double cmax_error      = std::abs(*def.cmax_ng_per_mL / *fine.cmax_ng_per_mL - 1);
  const double delivered_error = std::abs(def.cumulative_absorbed_ug / fine.cumulative_absorbed_ug - 1);
  std::cout << "[ accuracy ] default vs fine: Cmax " << cmax_error << ", absorbed " << delivered_error
            << "; DOFs " << def.dof_count << " vs " << fine.dof_count << "\n";
  EXPECT_LT(cmax_error, 1e-3);
  EXPECT_LT(delivered_error, 1e-3);
}

TEST(FentanylValidation, RepeatedPatchesKeepMassBalance)
{
  const Result r = run({"application.0.repeat_every_h=72", "application.0.repeats=3",
                        "simulation.end_h=240"});
  std::cout << "[ repeats ] mass balance " << r.summary.mass_balance_relative_error << ", Cmax "
            << *r.summary.cmax_ng_per_mL << " at " << *r.summary.tmax_h << " h\n";
  EXPECT_LT(r.summary.mass_balance_relative_error, 1e-6);
  EXPECT_NEAR(r.summary.total_load_ug, 3 * 4200., 1e-9);
  // The second and third patch start on a skin depot-free site but the body
  // still holds drug: the peak comes later than in the single-patch run.
  EXPECT_GT(*r.summary.tmax_h, 72.);
}
