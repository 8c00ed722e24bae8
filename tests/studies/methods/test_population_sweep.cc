// Batch studies: sweeps and virtual populations give the same answer for any
// thread count, and the population follows its sampling distributions.
#include <dermatwin/studies/population.h>
#include <dermatwin/studies/sweep.h>

#include <gtest/gtest.h>

#include <cmath>

using namespace dermatwin::studies;

namespace
{
  const std::string population_text = R"(format: dermatwin-study/1
drug: fentanyl
application:
  - {product: durogesic_dtrans_25, site: upper_arm_outer, apply_h: 0, remove_h: 72}
pk: library
simulation: {end_h: 96, output_every_h: 1, accuracy: coarse}
study:
  type: population
  subjects: 40
  seed: 11
  age_years: {distribution: uniform, low: 20, high: 80}
  sites: [upper_arm_outer, chest]
)";
}

TEST(Population, IdenticalForAnyThreadCount)
{
  const Study          study = parse_study(population_text, "pop.yaml");
  const PopulationSpec spec  = parse_population(study);
  const PopulationResult one = run_population(study, spec, 1), two = run_population(study, spec, 2);
  EXPECT_EQ(one.subjects_csv, two.subjects_csv);
  EXPECT_EQ(one.bands_csv, two.bands_csv);
}

TEST(Population, SubjectsFollowTheirDistributions)
{
  const Study    study = parse_study(population_text, "pop.yaml", {"study.subjects=2000"});
  PopulationSpec spec  = parse_population(study);
  ASSERT_EQ(spec.subjects, 2000u);
  double         mean_age = 0, log_sum = 0, log_sq = 0;
  for (unsigned int i = 0; i < spec.subjects; ++i)
    for (const std::string &o : subject_overrides(study, spec, i))
      {
        const double value = std::atof(o.substr(o.find('=') + 1).c_str());
        if (o.rfind("patient.age_years=", 0) == 0)
          mean_age += value / spec.subjects;
        if (o.rfind("patient.skin_factors.sc_permeability=", 0) == 0)
          log_sum += std::log(value), log_sq += std::log(value) * std::log(value);
      }
  const double n = spec.subjects, sd_log = std::sqrt(log_sq / n - (log_sum / n) * (log_sum / n));
  // Uniform 20-80: mean 50, SD of the mean 17.3 / sqrt(2000) = 0.39.
  EXPECT_NEAR(mean_age, 50., 1.5);
  // Log-normal with CV 0.45: sigma_ln = sqrt(ln(1 + 0.45^2)) = 0.431.
  EXPECT_NEAR(sd_log, std::sqrt(std::log1p(0.45 * 0.45)), 0.03);
  EXPECT_NEAR(log_sum / n, 0., 0.03);
}

TEST(Sweep, GridAndThreadIndependence)
{
  const std::string text = population_text.substr(0, population_text.find("study:")) + R"(study:
  type: sweep
  parameters:
    - {key: patient.age_years, from: 25, to: 70, steps: 2}
    - {key: application.0.product, values: [durogesic_dtrans_25, durogesic_dtrans_50]}
)";
  const Study     study = parse_study(text, "sweep.yaml");
  const SweepSpec spec  = parse_sweep(study);
  const SweepTable a = run_sweep(study, spec, 1), b = run_sweep(study, spec, 2);
  ASSERT_EQ(a.rows.size(), 4u);
  EXPECT_EQ(to_csv(a), to_csv(b));
  // 50 ug/h has twice the area of 25 ug/h: Cmax doubles (linear model).
  const double c25 = std::stod(a.rows[0][2]), c50 = std::stod(a.rows[1][2]);
  EXPECT_NEAR(c50 / c25, 2., 1e-6);
  // Older skin delivers less.
  EXPECT_LT(std::stod(a.rows[2][2]), c25);
}

TEST(Sweep, BadBlockIsReportedWithKey)
{
  const std::string text = population_text.substr(0, population_text.find("study:")) +
                           "study:\n  type: sweep\n  parameters:\n    - {key: patient.age_years, values: [10]}\n";
  const Study study = parse_study(text, "sweep.yaml");
  try
    {
      parse_sweep(study);
      FAIL() << "age 10 is out of range";
    }
  catch (const StudyError &e)
    {
      EXPECT_NE(std::string(e.what()).find("patient.age_years"), std::string::npos) << e.what();
    }
}
