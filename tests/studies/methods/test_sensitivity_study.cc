// Sensitivity study (study block type: sensitivity) against known indices.
//
// The study has two identical patches on one site whose drug is all dissolved
// (no solubility limit). Diffusion, uptake and the linear PK model are linear
// in the initial drug amount, so plasma(t) = (L1 + L2) g(t) with L_i the drug
// load of patch i: Cmax, AUC and the delivered amount are c (L1 + L2), an
// additive model, whose indices are S1_i = ST_i = Var(L_i) / (Var(L1) + Var(L2)).
// L1 ~ U[1, 3] mg: Var = 2^2 / 12 = 1/3.
// L2 log-uniform on [1, 4] mg: E = 3 / ln 4, E[L^2] = 15 / (2 ln 4),
// Var = E[L^2] - E^2 = 0.72718.
// The body weight is recorded but used by no model (library PK is not weight
// scaled): its runs are identical, so its S1 and ST are 0.
#include <dermatwin/studies/sensitivity_study.h>

#include <gtest/gtest.h>

#include <cmath>

using namespace dermatwin::studies;

namespace
{
  const std::string two_patches = R"(format: dermatwin-study/1
patient: {age_years: 45, sex: female, body_weight_kg: 70}
drug: fentanyl
application:
  - patch: {area_cm2: 10, drug_load_mg: 2, thickness_um: 50, diffusivity_cm2_per_s: 5.0e-9}
    site: upper_arm_outer
  - patch: {area_cm2: 10, drug_load_mg: 2, thickness_um: 50, diffusivity_cm2_per_s: 5.0e-9}
    site: upper_arm_outer
pk: library
simulation: {end_h: 12, output_every_h: 1, accuracy: coarse}
)";

  const std::string loads_and_weight = R"(
  parameters:
    - {key: application.0.patch.drug_load_mg, low: 1, high: 3}
    - {key: application.1.patch.drug_load_mg, low: 1, high: 4, scale: log}
    - {key: patient.body_weight_kg, low: 50, high: 100}
)";

  std::string with_block(const std::string &block)
  {
    return two_patches + "study:\n  type: sensitivity\n" + block;
  }

  /// Parses @p block and expects a StudyError whose message names @p key.
  void expect_error_naming(const std::string &block, const std::string &key)
  {
    SCOPED_TRACE(block);
    try
      {
        parse_sensitivity(parse_study(with_block(block), "sens.yaml"));
        ADD_FAILURE() << "no error, expected one naming " << key;
      }
    catch (const StudyError &e)
      {
        EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
      }
  }
} // namespace

TEST(SensitivityStudy, AdditiveLoadsGiveVarianceShares)
{
  const Study study = parse_study(with_block("  method: sobol\n  outputs: [cmax_ng_per_mL, auc_0_last_ng_h_per_mL, "
                                             "delivered_ug]\n  base_samples: 64\n  bootstrap: 200\n  seed: 3" +
                                             loads_and_weight),
                                  "sens.yaml");
  const SensitivitySpec spec = parse_sensitivity(study);
  ASSERT_EQ(spec.n_runs(), 64u * 5);
  const SensitivityResult r = run_sensitivity(study, spec, 2);
  ASSERT_TRUE(r.sobol);
  EXPECT_EQ(r.points.size(), 320u);

  const double var1 = 1. / 3, e2 = 3 / std::log(4.), var2 = 15 / (2 * std::log(4.)) - e2 * e2;
  const double share[3] = {var1 / (var1 + var2), var2 / (var1 + var2), 0};
  for (std::size_t k = 0; k < spec.outputs.size(); ++k)
    {
      SCOPED_TRACE(spec.outputs[k]);
      const SobolIndices &s = r.sobol->per_output[k];
      for (std::size_t i = 0; i < 2; ++i)
        {
          SCOPED_TRACE(spec.parameters[i].name);
          // The bootstrap 95 % interval must hold the exact value; 0.1 bounds
          // the QMC error at N = 64 (observed < 0.03).
          EXPECT_LE(s.first_order_ci_low[i], share[i]);
          EXPECT_GE(s.first_order_ci_high[i], share[i]);
          EXPECT_LE(s.total_ci_low[i], share[i]);
          EXPECT_GE(s.total_ci_high[i], share[i]);
          EXPECT_NEAR(s.first_order[i], share[i], 0.1);
          EXPECT_NEAR(s.total[i], share[i], 0.1);
        }
      // Inert body weight: f(AB_3) = f(A) run by run, so both estimators are 0.
      EXPECT_NEAR(s.first_order[2], 0., 1e-9);
      EXPECT_NEAR(s.total[2], 0., 1e-9);
    }
  // Cmax is c (L1 + L2) in every run: the runs themselves show the linearity.
  for (const auto &run : {0, 17, 101, 250})
    EXPECT_NEAR(r.outputs[run][0] / (r.points[run][0] + r.points[run][1]),
                r.outputs[0][0] / (r.points[0][0] + r.points[0][1]), 1e-3 * r.outputs[0][0]);
}

TEST(SensitivityStudy, MorrisSeesLinearAndInertParameters)
{
  const Study study = parse_study(with_block("  method: morris\n  outputs: [cmax_ng_per_mL]\n  trajectories: 4\n"
                                             "  levels: 4" + loads_and_weight),
                                  "sens.yaml");
  const SensitivitySpec   spec = parse_sensitivity(study);
  const SensitivityResult r    = run_sensitivity(study, spec, 2);
  ASSERT_TRUE(r.morris);
  EXPECT_EQ(r.points.size(), 4u * 4);
  const MorrisResult &m = *r.morris;
  // Linear in L1: every elementary effect is the same (sigma 0, mu = mu* > 0).
  EXPECT_GT(m.mu[0][0], 0.);
  EXPECT_NEAR(m.mu_star[0][0], m.mu[0][0], 1e-3 * m.mu[0][0]);
  EXPECT_LT(m.sigma[0][0], 1e-3 * m.mu[0][0]);
  // Inert body weight: no effect at all.
  EXPECT_NEAR(m.mu_star[0][2], 0., 1e-12);
}

TEST(SensitivityStudy, IdenticalForOneAndTwoThreads)
{
  const Study study = parse_study(with_block("  base_samples: 8\n  bootstrap: 50" + loads_and_weight), "sens.yaml");
  const SensitivitySpec   spec = parse_sensitivity(study);
  EXPECT_EQ(spec.outputs.size(), 4u); // default in vivo outputs
  const SensitivityResult one = run_sensitivity(study, spec, 1), two = run_sensitivity(study, spec, 2);
  EXPECT_EQ(sensitivity_csv(spec, one), sensitivity_csv(spec, two));
  EXPECT_EQ(sensitivity_runs_csv(spec, one), sensitivity_runs_csv(spec, two));
}

TEST(SensitivityStudy, UndefinedOutputIsNamed)
{
  // The patches are never removed: no half-life after removal.
  const Study study = parse_study(with_block("  outputs: [apparent_half_life_after_removal_h]\n  base_samples: 4\n"
                                             "  parameters:\n    - {key: patient.age_years, low: 30, high: 60}\n"),
                                  "sens.yaml");
  try
    {
      run_sensitivity(study, parse_sensitivity(study), 2);
      FAIL() << "the half-life is undefined";
    }
  catch (const StudyError &e)
    {
      EXPECT_EQ(e.key, "study.outputs");
      EXPECT_NE(std::string(e.what()).find("apparent_half_life_after_removal_h"), std::string::npos) << e.what();
    }
}

TEST(SensitivityStudy, BadBlocksNameTheKey)
{
  const std::string age = "  parameters:\n    - {key: patient.age_years, low: 30, high: 60}\n";
  expect_error_naming("  colour: red\n" + age, "study.colour");
  expect_error_naming("  method: fast\n" + age, "study.method");
  expect_error_naming("  outputs: [cmax]\n" + age, "study.outputs");
  expect_error_naming("  outputs: [lag_time_h]\n" + age, "study.outputs"); // in vitro only
  expect_error_naming("  base_samples: 100\n" + age, "study.base_samples");
  expect_error_naming("  levels: 4\n" + age, "study.levels"); // morris key, sobol block
  expect_error_naming("  method: morris\n  levels: 3\n" + age, "study.levels");
  expect_error_naming("  parameters: []\n", "study.parameters");
  expect_error_naming("  parameters:\n    - {key: patient.age_years, low: 60, high: 30}\n",
                      "study.parameters.0.high");
  expect_error_naming("  parameters:\n    - {key: patient.age_years, low: 0, high: 60, scale: log}\n",
                      "study.parameters.0.low");
  expect_error_naming(age + "    - {key: patient.age_years, low: 40, high: 50}\n", "study.parameters.1.key");
  // Keys that do not exist, are not numbers, or leave the study's own range.
  expect_error_naming("  parameters:\n    - {key: patient.shoe_size, low: 1, high: 2}\n", "study.parameters.0.key");
  expect_error_naming("  parameters:\n    - {key: patient.sex, low: 1, high: 2}\n", "study.parameters.0.key");
  expect_error_naming("  parameters:\n    - {key: name, low: 1, high: 2}\n", "study.parameters.0.key");
  // Whole numbers only: the low and high ends are valid, a value inside is not.
  expect_error_naming("  parameters:\n    - {key: simulation.cells_per_layer, low: 4, high: 8}\n", "inside the range");
  expect_error_naming("  parameters:\n    - {key: application.5.patch.area_cm2, low: 1, high: 2}\n",
                      "study.parameters.0.key");
  expect_error_naming("  parameters:\n    - {key: application.0.patch, low: 1, high: 2}\n", "study.parameters.0.key");
  expect_error_naming("  parameters:\n    - {key: patient.age_years, low: 10, high: 60}\n",
                      "patient.age_years: value 10 is out of range");
  expect_error_naming("  parameters:\n    - {key: patient.age_years, low: 30, high: 60}\n"
                      "    - {key: simulation.accuracy, low: 1, high: 2}\n",
                      "study.parameters.1.key");
}
