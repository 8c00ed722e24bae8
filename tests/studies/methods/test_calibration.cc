// Calibration of a person's twin to TDM data: the TDM reader, the study
// block checks and MAP recovery of a simulated individual.
#include <dermatwin/studies/calibration.h>
#include <dermatwin/studies/output.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <random>
#include <unistd.h>

using namespace dermatwin::studies;

namespace
{
  // Fentanyl 25 ug/h worn 24 h: a rise and a decline within 48 h (coarse, short: fast).
  const std::string study_text = R"(format: dermatwin-study/1
name: calibration test
drug: fentanyl
application:
  - {product: durogesic_dtrans_25, site: upper_arm_outer, apply_h: 0, remove_h: 24}
pk: library
simulation: {end_h: 48, output_every_h: 1, accuracy: coarse}
study:
  type: calibrate
  data: tdm.csv
  parameters:
    - {key: patient.pk_factors.clearance}
    - {key: patient.skin_factors.sc_permeability}
  residual_error: {proportional: 0.1, additive_ng_per_mL: 0.01}
  predictive_band: {samples: 16, percentiles: [5, 50, 95], seed: 3}
)";

  const std::vector<std::string> truth = {"patient.pk_factors.clearance=1.4",
                                          "patient.skin_factors.sc_permeability=0.6"};

  /// A scratch folder for one test's study and TDM files.
  class ScratchFolder
  {
  public:
    explicit ScratchFolder(const std::string &name)
      : path_(std::filesystem::temp_directory_path() /
              ("dermatwin_calibration_" + name + "_" + std::to_string(::getpid())))
    {
      std::filesystem::create_directories(path_);
    }
    ~ScratchFolder() { std::filesystem::remove_all(path_); }

    std::string write(const std::string &name, const std::string &text) const
    {
      std::ofstream(path_ / name, std::ios::binary) << text;
      return (path_ / name).string();
    }
    std::string study_file() const { return (path_ / "cal.yaml").string(); }

  private:
    std::filesystem::path path_;
  };

  /// TDM text of the simulated individual (truth) at @p times, with
  /// proportional noise of CV @p noise_cv from a fixed seed.
  std::string simulated_tdm(const std::vector<double> &times, const double noise_cv)
  {
    const Study      study = parse_study(study_text, "truth.yaml", truth);
    const TimeSeries s     = run_scenario(plan_scenario(study)).series;
    std::mt19937_64  rng(20240611);
    std::string      csv = "ID,TIME,DV,MDV\n1,0,.,1\n";
    for (const double t : times)
      {
        const std::size_t k = std::size_t(std::lround(t / study.simulation.output_every_h));
        const double      c = s.plasma_ng_per_mL.at(k) * (1 + noise_cv * std::normal_distribution<double>()(rng));
        csv += "1," + csv_number(t) + "," + csv_number(c) + ",0\n";
      }
    return csv;
  }

  CalibrationResult calibrate(const ScratchFolder &folder, const std::string &tdm,
                              const std::vector<std::string> &sets = {})
  {
    folder.write("tdm.csv", tdm);
    const Study           study = parse_study(study_text, folder.study_file(), sets);
    const CalibrationSpec spec  = parse_calibration(study);
    return run_calibration(study, spec, 2);
  }

  void expect_tdm_error(const std::string &text, const int line, const std::string &key)
  {
    try
      {
        parse_tdm_csv(text, "tdm.csv");
        ADD_FAILURE() << "no error for:\n" << text;
      }
    catch (const StudyError &e)
      {
        EXPECT_EQ(e.file, "tdm.csv");
        EXPECT_EQ(e.line, line) << e.what();
        EXPECT_NE(e.key.find(key), std::string::npos) << e.what();
      }
  }
} // namespace

TEST(TdmData, ReadsNonmemColumnsSkippingDosesMissingAndComments)
{
  const TdmData d = parse_tdm_csv("\xEF\xBB\xBF# simulated patient\r\n"
                                  "id,time,amt,dv,mdv,evid\r\n"
                                  "\r\n"
                                  "7,0,2.1,.,1,1\r\n"
                                  "7,24,.,1.25,0,0\r\n"
                                  "7,6,.,0.4,0,0\r\n"
                                  "# below quantification:\r\n"
                                  "7,1,.,0.01,1,0\r\n"
                                  "7,48,.,0.9,0,0\r\n",
                                  "tdm.csv");
  ASSERT_EQ(d.samples.size(), 3u);
  EXPECT_EQ(d.id, "7");
  EXPECT_DOUBLE_EQ(d.samples[0].time_h, 6);
  EXPECT_DOUBLE_EQ(d.samples[0].concentration_ng_per_mL, 0.4);
  EXPECT_EQ(d.samples[0].line, 6u);
  EXPECT_DOUBLE_EQ(d.samples[2].time_h, 48);
}

TEST(TdmData, SelectsOneIdAndReadsBlankSeparatedTables)
{
  const TdmData d = parse_tdm_csv("ID TIME DV\n1 2 0.5\n2 4 0.7\n2.0 8 0.9\n", "tdm.csv", "2");
  ASSERT_EQ(d.samples.size(), 2u);
  EXPECT_DOUBLE_EQ(d.samples[1].concentration_ng_per_mL, 0.9);
}

TEST(TdmData, MalformedFilesNameFileLineAndColumn)
{
  expect_tdm_error("", 1, "(file)");
  expect_tdm_error("# only a comment\n\n", 1, "(file)");
  expect_tdm_error("TIME,CONC\n1,2\n", 1, "DV");
  expect_tdm_error("TIME,DV\n", 1, "DV");
  expect_tdm_error("TIME,DV\n1,abc\n", 2, "DV (column 2)");
  expect_tdm_error("TIME,DV\n1,2\nnan,2\n", 3, "TIME (column 1)");
  expect_tdm_error("TIME,DV\n-1,2\n", 2, "TIME (column 1)");
  expect_tdm_error("TIME,DV\n1,0\n", 2, "DV (column 2)");
  expect_tdm_error("TIME,DV\n1,.\n", 2, "DV (column 2)");
  expect_tdm_error("TIME,DV,MDV\n1,2,2\n", 2, "MDV (column 3)");
  expect_tdm_error("TIME,DV\n1,2,3\n", 2, "(row)");
  expect_tdm_error("TIME,DV,TIME\n1,2,3\n", 1, "TIME (column 3)");
  expect_tdm_error("ID,TIME,DV\n1,1,2\n2,2,2\n", 3, "ID (column 1)");
}

TEST(CalibrationSpec, ReadsPriorsFromTheLibraryAndTheBlock)
{
  const ScratchFolder folder("spec");
  folder.write("tdm.csv", "TIME,DV\n6,0.3\n");
  const Study study = parse_study(study_text, folder.study_file(),
                                  {"study.parameters.1={key: patient.skin_factors.sc_permeability, omega: 0.3}"});
  const CalibrationSpec spec = parse_calibration(study);
  ASSERT_EQ(spec.parameters.size(), 2u);
  // Clearance: population CV 0.3 -> omega = sqrt(ln 1.09) = 0.2936.
  EXPECT_NEAR(spec.parameters[0].omega, 0.29356, 1e-4);
  EXPECT_NE(spec.parameters[0].prior_source.find("pk_cv.clearance"), std::string::npos);
  EXPECT_DOUBLE_EQ(spec.parameters[1].omega, 0.3);
  EXPECT_EQ(spec.data.samples.size(), 1u);
}

TEST(CalibrationSpec, BadBlocksNameTheKey)
{
  const ScratchFolder folder("bad");
  folder.write("tdm.csv", "TIME,DV\n6,0.3\n60,0.1\n");
  const std::string long_enough = "simulation.end_h=96";
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
    {{}, "TIME"}, // the 60 h sample is after end_h = 48
    {{long_enough, "study.residual_error={proportional: 0, additive_ng_per_mL: 0}"}, "study.residual_error"},
    {{long_enough, "study.parameters.0={key: pk.clearance_L_per_h}"}, "study.parameters.0.key"},
    {{long_enough, "study.parameters.0={key: patient.pk_factors.clearance, omega: 5}"}, "study.parameters.0.omega"},
    {{long_enough, "study.parameters.0={key: patient.pk_factors.clearance, omega: 0.2, cv: 0.2}"},
     "study.parameters.0.cv"},
    {{long_enough, "study.parameters.0={key: patient.skin_factors.sc_permeability}"}, "study.parameters.1.key"},
    {{long_enough, "study.parameters.0={key: patient.pk_factors.clearance, weight: 2}"},
     "study.parameters.0.weight"},
    {{long_enough, "study.parameters=[]"}, "study.parameters"},
    {{long_enough, "study.data=missing.csv"}, "study.data"},
    {{long_enough, "study.predictive_band.percentiles=[5, 150]"}, "study.predictive_band.percentiles"},
    {{long_enough, "study.solver=lm"}, "study.solver"}};
  EXPECT_NO_THROW(parse_calibration(parse_study(study_text, folder.study_file(), {long_enough})));
  for (const auto &[sets, key] : cases)
    try
      {
        parse_calibration(parse_study(study_text, folder.study_file(), sets));
        ADD_FAILURE() << "no error for " << (sets.empty() ? "(no --set)" : sets.back());
      }
    catch (const StudyError &e)
      {
        EXPECT_EQ(e.key, key) << e.what();
      }
}

TEST(Calibration, RecoversASimulatedIndividualFromFourNoisySamples)
{
  const ScratchFolder     folder("recover");
  const CalibrationResult r = calibrate(folder, simulated_tdm({4, 12, 24, 36}, 0.1));
  const double            true_values[] = {1.4, 0.6};
  ASSERT_TRUE(r.fit.converged) << r.fit.message;
  for (std::size_t k = 0; k < 2; ++k)
    {
      SCOPED_TRACE(r.parameters[k].key);
      EXPECT_LT(r.fit.ci_low[k], true_values[k]);
      EXPECT_GT(r.fit.ci_high[k], true_values[k]);
      // Closer to the truth than the prior median 1 (in log distance).
      EXPECT_LT(std::abs(std::log(r.fit.estimate[k] / true_values[k])), std::abs(std::log(true_values[k])));
      EXPECT_GE(r.fit.shrinkage[k], 0);
      EXPECT_LT(r.fit.shrinkage[k], 1);
    }
  // The band brackets the individual prediction and the objective adds up.
  for (std::size_t row = 0; row < r.time_h.size(); ++row)
    if (r.time_h[row] > 2)
      {
        EXPECT_LE(r.band_ng_per_mL[0][row], r.band_ng_per_mL[2][row]);
        EXPECT_LE(r.band_ng_per_mL[0][row], r.individual_ng_per_mL[row] * 1.02);
        EXPECT_GE(r.band_ng_per_mL[2][row], r.individual_ng_per_mL[row] * 0.98);
      }
  EXPECT_NEAR(r.objective, 2 * r.fit.cost, 1e-6 * r.objective);
  // The calibrated study runs and reproduces the individual prediction.
  const Study calibrated = parse_study(r.calibrated_study_yaml, "calibrated.yaml");
  EXPECT_TRUE(calibrated.study_type.empty());
  EXPECT_NEAR(calibrated.pk_factors.at("clearance"), r.fit.estimate[0], 1e-8);
  const TimeSeries s = run_scenario(plan_scenario(calibrated)).series;
  EXPECT_NEAR(s.plasma_ng_per_mL.at(24), r.individual_ng_per_mL.at(24), 1e-9);
}

TEST(Calibration, RichNoiselessDataApproachTheTruth)
{
  const ScratchFolder     folder("rich");
  const CalibrationResult r = calibrate(folder, simulated_tdm({2, 4, 8, 12, 18, 24, 30, 36, 42, 48}, 0),
                                        {"study.residual_error={proportional: 0.01, additive_ng_per_mL: 0.0001}",
                                         "study.predictive_band.samples=0"});
  EXPECT_NEAR(r.fit.estimate[0], 1.4, 0.005 * 1.4);
  EXPECT_NEAR(r.fit.estimate[1], 0.6, 0.005 * 0.6);
  for (const double s : r.fit.shrinkage)
    EXPECT_LT(s, 0.05);
  EXPECT_TRUE(r.band_ng_per_mL.empty());
}

TEST(Calibration, UninformativeDataKeepThePrior)
{
  const ScratchFolder folder("flat");
  // A huge residual error: the samples say nothing.
  const CalibrationResult r = calibrate(folder, simulated_tdm({12, 24}, 0),
                                        {"study.residual_error={proportional: 0, additive_ng_per_mL: 100}",
                                         "study.predictive_band.samples=0"});
  for (std::size_t k = 0; k < 2; ++k)
    {
      EXPECT_NEAR(r.fit.estimate[k], 1, 0.01);
      EXPECT_GT(r.fit.shrinkage[k], 0.95);
    }
  // One sample before the drug reaches blood (fentanyl lag: no plasma at 0.25 h).
  const CalibrationResult early = calibrate(folder, "TIME,DV\n0.25,0.001\n",
                                            {"study.predictive_band.samples=0"});
  for (std::size_t k = 0; k < 2; ++k)
    {
      EXPECT_NEAR(early.fit.estimate[k], 1, 0.01);
      EXPECT_GT(early.fit.shrinkage[k], 0.95);
    }
}
