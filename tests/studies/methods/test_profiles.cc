// Depth profiles (ScenarioPlan::profile_points_per_layer): the profile
// integral times the patch area is the drug in the skin that the time series
// reports; none are recorded by default (the CLI's behaviour).
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <gtest/gtest.h>

#include <string>

using namespace dermatwin::studies;

namespace
{
  const std::string study_file =
    std::string(DERMATWIN_SOURCE_DIR) + "/resources/studies/fentanyl_25ugh_upper_arm.yaml";

  /// Two fentanyl patches a day apart on separate skin, 48 h, coarse mesh.
  ScenarioPlan two_patch_plan(const unsigned int points_per_layer)
  {
    const Study study =
      load_study(study_file, {"simulation.end_h=48", "simulation.output_every_h=2",
                              "simulation.accuracy=coarse", "application.0.repeat_every_h=24",
                              "application.0.repeats=2"});
    ScenarioPlan plan             = plan_scenario(study);
    plan.profile_points_per_layer = points_per_layer;
    return plan;
  }
} // namespace

TEST(DepthProfiles, NotRecordedByDefault)
{
  const Result result = run_scenario(two_patch_plan(0));
  EXPECT_TRUE(result.profiles.empty());
}

// Tolerance 1 %: the trapezoid rule on 41 samples per layer against the exact
// finite-element amount (quadratic elements, smooth within a layer).
TEST(DepthProfiles, IntegralTimesAreaEqualsAmountInSkin)
{
  const Result result = run_scenario(two_patch_plan(41));
  ASSERT_EQ(result.profiles.size(), 2u);
  const TimeSeries &ts = result.series;
  for (const DepthProfiles &p : result.profiles)
    {
      ASSERT_EQ(p.concentration_mg_per_mL.size(), ts.time_h.size());
      ASSERT_EQ(p.layer_names.size(), 3u);
      EXPECT_DOUBLE_EQ(p.layer_top_um[0], 0.);
      EXPECT_EQ(p.depth_um.size(), 3u * 41u);
    }
  unsigned int checked = 0;
  for (std::size_t row = 1; row < ts.time_h.size(); ++row)
    {
      const double profile_ug =
        result.profiles[0].amount_in_skin_ug(row) + result.profiles[1].amount_in_skin_ug(row);
      EXPECT_NEAR(profile_ug, ts.amount_in_skin_ug[row], 0.01 * ts.amount_in_skin_ug[row])
        << "t = " << ts.time_h[row] << " h";
      ++checked;
    }
  EXPECT_GT(checked, 20u);
  // The second patch goes on at 24 h: its skin is empty before.
  for (std::size_t row = 0; ts.time_h[row] < 24 - 1e-9; ++row)
    EXPECT_EQ(result.profiles[1].amount_in_skin_ug(row), 0.);
  EXPECT_GT(result.profiles[1].amount_in_skin_ug(ts.time_h.size() - 1), 0.);
}

TEST(DepthProfiles, ConcentrationJumpsAtInterfacesByPartitionRatio)
{
  const Study  study = load_study(study_file, {"simulation.end_h=12", "simulation.accuracy=coarse"});
  ScenarioPlan plan  = plan_scenario(study);
  plan.profile_points_per_layer = 11;
  const Result         result = run_scenario(plan);
  const DepthProfiles &p      = result.profiles.at(0);
  const auto          &c      = p.concentration_mg_per_mL.back();
  // Samples 10 and 11 are the two sides of the stratum corneum / viable
  // epidermis interface: c_sc / c_ve = K_sc / K_ve.
  const auto &layers = plan.columns[0].setup.layers;
  const unsigned int sc = layers.first_with_role(dermatwin::fem::LayerRole::skin);
  EXPECT_DOUBLE_EQ(p.depth_um[10], p.depth_um[11]);
  EXPECT_NEAR(c[10] / c[11],
              layers[sc].partition_coefficient / layers[sc + 1].partition_coefficient, 1e-6 * c[10] / c[11]);
}
