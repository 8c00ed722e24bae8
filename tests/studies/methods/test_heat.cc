// Skin temperature (materials::SkinTemperatureScaling, SkinTemperatureHistory)
// and its use in scenarios: application.N.temperature_C as a number or a
// piecewise-constant table; every row change is an integrator event.
#include <dermatwin/materials/skin_temperature.h>
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <gtest/gtest.h>

#include <cmath>
#include <string>

using namespace dermatwin;
using namespace dermatwin::studies;
using materials::SkinTemperatureHistory;
using materials::SkinTemperatureScaling;
using materials::ThermalLayerKind;

namespace
{
  /// Fentanyl 25 ug/h on the upper arm, 24 h, coarse; @p temperature is the
  /// YAML of application.0.temperature_C (empty: no key).
  std::string fentanyl_study(const std::string &temperature, const double end_h = 24)
  {
    std::string text = "format: dermatwin-study/1\n"
                       "drug: fentanyl\n"
                       "application:\n"
                       "  - product: durogesic_dtrans_25\n"
                       "    site: upper_arm_outer\n"
                       "    remove_h: 72\n";
    if (!temperature.empty())
      text += "    temperature_C: " + temperature + "\n";
    text += "pk: library\n"
            "simulation: {end_h: " + std::to_string(end_h) +
            ", output_every_h: 1, accuracy: coarse}\n";
    return text;
  }

  Result run_text(const std::string &text)
  {
    return run_scenario(plan_scenario(parse_study(text, "heat_test.yaml")));
  }

  /// The StudyError message of @p text, or "" if it parses.
  std::string error_of(const std::string &text)
  {
    try
      {
        parse_study(text, "heat_test.yaml");
      }
    catch (const StudyError &e)
      {
        return e.what();
      }
    return "";
  }

  const SkinTemperatureScaling &library_scaling()
  {
    static const SkinTemperatureScaling scaling =
      SkinTemperatureScaling::from_library(materials::Library::standard());
    return scaling;
  }
} // namespace

// Closed form written out with the numbers: E_a = 55 kJ/mol, 32 -> 42 °C.
TEST(SkinTemperature, ArrheniusFactorMatchesClosedForm)
{
  const double expected = std::exp(-55000. / 8.314462618 * (1. / 315.15 - 1. / 305.15));
  EXPECT_NEAR(SkinTemperatureScaling::arrhenius_factor(55, 42, 32), expected, 1e-14 * expected);
  EXPECT_NEAR(expected, 1.989, 1e-3); // about x2 over 10 K: how the value was derived
  EXPECT_EQ(SkinTemperatureScaling::arrhenius_factor(55, 32, 32), 1.);
  EXPECT_NEAR(SkinTemperatureScaling::arrhenius_factor(18, 42, 32) *
                SkinTemperatureScaling::arrhenius_factor(18, 32, 42),
              1., 1e-14);
}

TEST(SkinTemperature, EveryFactorIsOneAtReference)
{
  const SkinTemperatureScaling &s = library_scaling();
  EXPECT_EQ(s.parameters().reference_temperature_C, 32.);
  for (const auto kind : {ThermalLayerKind::patch_matrix, ThermalLayerKind::stratum_corneum,
                          ThermalLayerKind::viable_tissue})
    {
      EXPECT_EQ(s.factors(kind, 32).diffusivity, 1.);
      EXPECT_EQ(s.factors(kind, 32).blood_uptake, 1.);
    }
}

TEST(SkinTemperature, FactorsRiseMonotonicallyWithTemperature)
{
  const SkinTemperatureScaling &s = library_scaling();
  for (const auto kind : {ThermalLayerKind::patch_matrix, ThermalLayerKind::stratum_corneum,
                          ThermalLayerKind::viable_tissue})
    for (double t = 20; t < 50; t += 0.5)
      EXPECT_LT(s.diffusivity_factor(kind, t), s.diffusivity_factor(kind, t + 0.5)) << t;
  for (double t = 20; t < 50; t += 0.5)
    EXPECT_LE(s.blood_flow_factor(t), s.blood_flow_factor(t + 0.5)) << t;
  // Blood flow: doubling every 2.7 °C, plateau at 17.5 (Song 1990).
  EXPECT_NEAR(s.blood_flow_factor(32 + 2.7), 2., 1e-12);
  EXPECT_EQ(s.blood_flow_factor(50), 17.5);
  // Library: dermal uptake does not follow flow (exponent 0); with exponent 1
  // it is proportional.
  EXPECT_EQ(s.blood_uptake_factor(42), 1.);
  SkinTemperatureScaling::Parameters coupled = s.parameters();
  coupled.blood_uptake_flow_exponent         = 1;
  EXPECT_EQ(SkinTemperatureScaling(coupled).blood_uptake_factor(42), s.blood_flow_factor(42));
  EXPECT_EQ(SkinTemperatureScaling(coupled).factors(ThermalLayerKind::viable_tissue, 42).blood_uptake,
            s.blood_flow_factor(42));
  EXPECT_EQ(SkinTemperatureScaling(coupled).factors(ThermalLayerKind::stratum_corneum, 42).blood_uptake, 1.);
  // SC (lipid) more temperature sensitive than aqueous viable tissue.
  EXPECT_GT(s.diffusivity_factor(ThermalLayerKind::stratum_corneum, 42),
            s.diffusivity_factor(ThermalLayerKind::viable_tissue, 42));
  EXPECT_THROW(s.diffusivity_factor(ThermalLayerKind::viable_tissue, 60), std::invalid_argument);
}

TEST(SkinTemperature, OutOfRangeParameterNamesIt)
{
  SkinTemperatureScaling::Parameters p;
  p.stratum_corneum_activation_energy_kJ_per_mol = -5;
  try
    {
      SkinTemperatureScaling scaling(p, "skin_temperature.yaml");
      FAIL() << "expected a LibraryError";
    }
  catch (const materials::LibraryError &e)
    {
      EXPECT_NE(std::string(e.what()).find("activation_energy_kJ_per_mol.stratum_corneum"),
                std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("0..200"), std::string::npos) << e.what();
    }
}

TEST(SkinTemperatureHistory, IsPiecewiseConstant)
{
  const SkinTemperatureHistory h({{0, 32}, {1, 42}, {1.5, 32}});
  EXPECT_EQ(h.temperature_C_at(0.99), 32.);
  EXPECT_EQ(h.temperature_C_at(1.), 42.);
  EXPECT_EQ(h.temperature_C_at(1.49), 42.);
  EXPECT_EQ(h.temperature_C_at(100.), 32.);
  EXPECT_THROW(SkinTemperatureHistory({{0, 32}, {1, 42}, {1, 32}}), std::invalid_argument);
  EXPECT_THROW(SkinTemperatureHistory(std::vector<materials::TemperatureStep>{{0.5, 32}}),
               std::invalid_argument);
  EXPECT_THROW(SkinTemperatureHistory::constant(51), std::invalid_argument);
}

TEST(HeatStudy, ReferenceTemperatureIsBitForBitNoKey)
{
  const Summary none = run_text(fentanyl_study("")).summary;
  const Summary at32 = run_text(fentanyl_study("32")).summary;
  EXPECT_EQ(*none.cmax_ng_per_mL, *at32.cmax_ng_per_mL);
  EXPECT_EQ(*none.auc_0_last_ng_h_per_mL, *at32.auc_0_last_ng_h_per_mL);
  EXPECT_EQ(none.cumulative_absorbed_ug, at32.cumulative_absorbed_ug);
}

// A table that stays at 32 °C still restarts the integrator at each row: the
// result then differs only by the time-stepping error (coarse: rtol 1e-3).
TEST(HeatStudy, ReferenceTableChangesOnlyWithinSolverTolerance)
{
  const Summary none  = run_text(fentanyl_study("")).summary;
  const Summary table = run_text(fentanyl_study("[{t_h: 0, temperature_C: 32}, {t_h: 5, temperature_C: 32}]")).summary;
  EXPECT_NEAR(*table.auc_0_last_ng_h_per_mL / *none.auc_0_last_ng_h_per_mL, 1., 3e-3);
}

TEST(HeatStudy, MassBalanceHoldsThroughTemperatureEvents)
{
  const Result r = run_text(fentanyl_study(
    "[{t_h: 0, temperature_C: 32}, {t_h: 2.25, temperature_C: 42}, {t_h: 6, temperature_C: 28},"
    " {t_h: 9.5, temperature_C: 45}, {t_h: 12, temperature_C: 32}]"));
  EXPECT_LT(r.summary.mass_balance_relative_error, 1e-6);
  EXPECT_GT(r.summary.cumulative_absorbed_ug, 0.);
}

TEST(HeatStudy, WarmerSkinAbsorbsMore)
{
  double previous = 0;
  for (const double t : {28., 32., 37., 42.})
    {
      const double absorbed = run_text(fentanyl_study(std::to_string(t))).summary.cumulative_absorbed_ug;
      EXPECT_GT(absorbed, previous) << t << " °C";
      previous = absorbed;
    }
}

TEST(HeatStudy, ResolvedStudyKeepsTheTemperatureTable)
{
  const std::string table = "[{t_h: 0, temperature_C: 42}, {t_h: 4, temperature_C: 32}]";
  const ScenarioPlan plan = plan_scenario(parse_study(fentanyl_study(table), "heat_test.yaml"));
  ASSERT_EQ(plan.columns.size(), 1u);
  ASSERT_EQ(plan.columns[0].coefficient_changes.size(), 2u);
  EXPECT_EQ(plan.columns[0].coefficient_changes[1].t_h, 4.);
  EXPECT_NE(plan.resolved_yaml.find("temperature_C"), std::string::npos);
  EXPECT_NE(plan.resolved_yaml.find("zhang2020_fentanyl_heat"), std::string::npos);
  const Study again = parse_study(plan.resolved_yaml, "resolved.yaml");
  ASSERT_EQ(again.applications[0].temperature.size(), 2u);
  EXPECT_EQ(again.applications[0].temperature[0].temperature_C, 42.);
  EXPECT_EQ(again.applications[0].temperature[1].t_h, 4.);
}

TEST(HeatStudy, BadTemperaturesNameTheKeyAndRange)
{
  std::string message = error_of(fentanyl_study("55"));
  EXPECT_NE(message.find("application.0.temperature_C"), std::string::npos) << message;
  EXPECT_NE(message.find("<= 50"), std::string::npos) << message;
  message = error_of(fentanyl_study(".nan"));
  EXPECT_NE(message.find("application.0.temperature_C"), std::string::npos) << message;
  message = error_of(fentanyl_study("[{t_h: 0, temperature_C: 42}, {t_h: 0, temperature_C: 32}]"));
  EXPECT_NE(message.find("application.0.temperature_C.1.t_h"), std::string::npos) << message;
  EXPECT_NE(message.find("increase"), std::string::npos) << message;
  message = error_of(fentanyl_study("[{t_h: 1, temperature_C: 42}]"));
  EXPECT_NE(message.find("application.0.temperature_C.0.t_h"), std::string::npos) << message;
  message = error_of(fentanyl_study("[{t_h: 0, temperature_C: 19}]"));
  EXPECT_NE(message.find("application.0.temperature_C.0.temperature_C"), std::string::npos) << message;
  EXPECT_NE(message.find(">= 20"), std::string::npos) << message;
  message = error_of(fentanyl_study("[{t_h: 0, temp: 40}]"));
  EXPECT_NE(message.find("application.0.temperature_C.0.temp"), std::string::npos) << message;
  message = error_of(fentanyl_study("hot"));
  EXPECT_NE(message.find("application.0.temperature_C"), std::string::npos) << message;
}
