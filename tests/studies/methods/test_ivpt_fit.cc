// Fit of Franz-cell layer parameters to cumulative permeation (ivpt_fit.h):
// recovery of known D_sc and K_sc from synthetic data, and the checks of the
// measured-data reader and of the study block.
#include <dermatwin/studies/ivpt_fit.h>
#include <dermatwin/studies/measured_data.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <unistd.h>

using namespace dermatwin::studies;
namespace fs = std::filesystem;

namespace
{
  // Heat-separated epidermis, infinite donor: lag time L^2/(6 D) = 0.52 h,
  // steady flux K D C / L = 2.4 ug/cm2/h (stratum corneum alone).
  constexpr double true_diffusivity = 2e-10, true_partition = 5;
  const std::vector<double> sample_times_h = {0.5, 1, 1.5, 2, 3, 4, 6, 8, 10, 12};

  std::string study_text(const std::string &block)
  {
    return "format: dermatwin-study/1\n"
           "experiment: franz_cell\n"
           "skin:\n"
           "  area_cm2: 1.0\n"
           "  layers:\n"
           "    - {name: stratum_corneum,  thickness_um: 15, diffusivity_cm2_per_s: 1.0e-10, partition_coefficient: 10}\n"
           "    - {name: viable_epidermis, thickness_um: 60, diffusivity_cm2_per_s: 1.0e-7,  partition_coefficient: 1}\n"
           "donor: {type: infinite, concentration_mg_per_mL: 1.0}\n"
           "receptor: {type: sink}\n"
           "simulation: {end_h: 12, output_every_h: 0.5, accuracy: coarse}\n" +
           block;
  }

  const std::string fit_block = "study:\n"
                                "  type: fit_ivpt\n"
                                "  data: measured.csv\n"
                                "  weighting: proportional\n"
                                "  weight_floor_ug_per_cm2: 1.0e-6\n"
                                "  parameters:\n"
                                "    - {key: skin.layers.0.diffusivity_cm2_per_s, initial: 2.0e-9, low: 1.0e-13, high: 1.0e-7}\n"
                                "    - {key: skin.layers.0.partition_coefficient, initial: 15, low: 0.01, high: 1000}\n";

  /// A study file and its data in a fresh temporary folder.
  class Workspace
  {
  public:
    Workspace()
      : dir_(fs::temp_directory_path() / ("dermatwin_ivpt_fit_" + std::to_string(::getpid()) + "_" +
                                          std::to_string(counter_++)))
    {
      fs::create_directories(dir_);
    }
    ~Workspace() { fs::remove_all(dir_); }

    std::string write(const std::string &name, const std::string &text) const
    {
      std::ofstream(dir_ / name, std::ios::binary) << text;
      return (dir_ / name).string();
    }

  private:
    static inline int counter_ = 0;
    fs::path          dir_;
  };

  /// Cumulative permeation of the true model at sample_times_h, straight from
  /// run_scenario (output rows on the sample times, tight tolerance).
  std::vector<double> true_curve()
  {
    const Study study = parse_study(study_text(""), "truth.yaml",
                                    {"skin.layers.0.diffusivity_cm2_per_s=2e-10",
                                     "skin.layers.0.partition_coefficient=5",
                                     "simulation.relative_tolerance=1e-9"});
    const Result        result = run_scenario(plan_scenario(study));
    std::vector<double> q;
    for (const double t : sample_times_h)
      for (std::size_t k = 0; k < result.series.time_h.size(); ++k)
        if (std::abs(result.series.time_h[k] - t) < 1e-9)
          q.push_back(result.series.cumulative_permeated_ug_per_cm2[k]);
    return q;
  }

  /// CSV with @p replicates rows per time, y = Q (1 + cv z), z ~ N(0, 1).
  std::string synthetic_csv(const std::vector<double> &q, const int replicates, const double cv,
                            const unsigned int seed)
  {
    std::mt19937                     rng(seed);
    std::normal_distribution<double> z(0., 1.);
    std::ostringstream               out;
    out.precision(12);
    out << "time_h,replicate,cumulative_permeated_ug_per_cm2\n";
    for (int r = 1; r <= replicates; ++r)
      for (std::size_t i = 0; i < q.size(); ++i)
        out << sample_times_h[i] << "," << r << "," << q[i] * (1 + cv * z(rng)) << "\n";
    return out.str();
  }

  struct Fitted
  {
    IvptFitSpec   spec;
    IvptFitResult result;
  };

  Fitted fit_csv(const std::string &csv)
  {
    Workspace         ws;
    ws.write("measured.csv", csv);
    const Study       study = load_study(ws.write("study.yaml", study_text(fit_block)));
    Fitted            f;
    f.spec   = parse_ivpt_fit(study);
    f.result = run_ivpt_fit(study, f.spec);
    return f;
  }

  std::string replace(std::string text, const std::string &from, const std::string &to)
  {
    return text.replace(text.find(from), from.size(), to);
  }

  /// The StudyError message of @p action, or "" if none is thrown.
  template <typename Action>
  std::string study_error(const Action &action)
  {
    try
      {
        action();
      }
    catch (const StudyError &e)
      {
        return e.what();
      }
    return "";
  }
} // namespace

TEST(IvptFit, RecoversNoiselessParametersTo1e4FromAStartOff10And3Fold)
{
  const Fitted f = fit_csv(synthetic_csv(true_curve(), 1, 0., 1));
  ASSERT_TRUE(f.result.fit.converged) << f.result.fit.message;
  EXPECT_NEAR(f.result.fit.estimate[0] / true_diffusivity, 1., 1e-4);
  EXPECT_NEAR(f.result.fit.estimate[1] / true_partition, 1., 1e-4);
  // The fitted model: steady flux K D C / L of the stratum corneum less the
  // viable-epidermis resistance, within 10 % (end at 12 h = 23 lag times).
  const double sc_flux = true_partition * true_diffusivity * 1e3 / 15e-4 * 3600;
  ASSERT_TRUE(f.result.fitted_run.summary.steady_state_flux_ug_per_cm2_per_h);
  EXPECT_NEAR(*f.result.fitted_run.summary.steady_state_flux_ug_per_cm2_per_h / sc_flux, 1., 0.1);
}

TEST(IvptFit, TruthLiesWithinThe95PercentIntervalsOfANoisyFit)
{
  // 5 % proportional noise, 3 replicates, fixed seed.
  const Fitted     f   = fit_csv(synthetic_csv(true_curve(), 3, 0.05, 20261123));
  const FitResult &fit = f.result.fit;
  ASSERT_TRUE(fit.converged) << fit.message;
  const double truth[] = {true_diffusivity, true_partition};
  for (int k = 0; k < 2; ++k)
    {
      EXPECT_LT(fit.ci_low[k], truth[k]) << fit.names[k];
      EXPECT_GT(fit.ci_high[k], truth[k]) << fit.names[k];
      EXPECT_LT(std::abs(fit.estimate[k] - truth[k]), 3 * fit.standard_error[k]) << fit.names[k];
      EXPECT_LT(fit.standard_error[k] / fit.estimate[k], 0.2) << fit.names[k]; // informative data
    }
  std::cout << "D = " << fit.estimate[0] << " [" << fit.ci_low[0] << ", " << fit.ci_high[0] << "], K = "
            << fit.estimate[1] << " [" << fit.ci_low[1] << ", " << fit.ci_high[1] << "], s = " << f.result.residual_sd
            << ", " << fit.iterations << " iterations\n";
  // With proportional weights the residual SD estimates the noise CV (0.05).
  EXPECT_NEAR(f.result.residual_sd, 0.05, 0.02);
  EXPECT_EQ(f.result.model.size(), 30u);
  EXPECT_LT(std::abs(f.result.correlation(0, 1)), 1.);
}

TEST(MeasuredData, ReadsCommentsBlankLinesCrlfBomQuotesAndOptionalColumns)
{
  const std::string text = "\xEF\xBB\xBF# Franz cell 3\r\n\r\n\"time_h\", cumulative_permeated_ug_per_cm2\r\n"
                           "0,0\r\n# a note\r\n1.5, 2.25e-1\r\n";
  const MeasuredTable t = parse_measured_csv(text, "m.csv",
                                             {{"time_h", true, 0, 1e5},
                                              {"cumulative_permeated_ug_per_cm2", true, 0, 1e9},
                                              {"replicate", false}});
  ASSERT_EQ(t.n_rows(), 2u);
  EXPECT_EQ(t.line[1], 6);
  EXPECT_FALSE(t.has("replicate"));
  EXPECT_DOUBLE_EQ(t.column("cumulative_permeated_ug_per_cm2")[1], 0.225);
}

TEST(MeasuredData, MalformedFilesNameFileLineAndColumn)
{
  const std::vector<MeasuredColumn> columns = {{"time_h", true, 0, 1e5},
                                               {"cumulative_permeated_ug_per_cm2", true, 0, 1e9}};
  auto error = [&](const std::string &text) {
    return study_error([&] { parse_measured_csv(text, "m.csv", columns); });
  };
  const std::string header = "time_h,cumulative_permeated_ug_per_cm2\n";
  EXPECT_NE(error("time_h\n1\n").find("m.csv:1: cumulative_permeated_ug_per_cm2: missing required column"),
            std::string::npos);
  EXPECT_NE(error(header + "1,2\n2,abc\n").find("m.csv:3: cumulative_permeated_ug_per_cm2: column 2: 'abc' is "
                                                "not a number"),
            std::string::npos);
  EXPECT_NE(error(header + "1,nan\n").find("m.csv:2: cumulative_permeated_ug_per_cm2: column 2: 'nan' is not a "
                                           "finite number"),
            std::string::npos);
  EXPECT_NE(error(header + "-1,2\n").find("m.csv:2: time_h: column 1: value -1 is out of range (allowed: a "
                                          "number in [0, 100000])"),
            std::string::npos);
  EXPECT_NE(error("").find("m.csv:1: (header): empty data file"), std::string::npos);
  EXPECT_NE(error("# only a comment\n" + header).find("m.csv:2: (rows): no data rows"), std::string::npos);
  EXPECT_NE(error(header + "1\n").find("m.csv:2: (row): 1 cells, the header has 2"), std::string::npos);
  EXPECT_NE(error(header + "1,\n").find("m.csv:2: cumulative_permeated_ug_per_cm2: column 2: empty cell"),
            std::string::npos);
  EXPECT_NE(error("time_h,time_h\n1,2\n").find("m.csv:1: time_h: column 2: duplicate"), std::string::npos);
  EXPECT_NE(error("time_h,cumulative_permeated_ug_per_cm2,dv\n1,2,3\n").find("m.csv:1: dv: column 3: unknown "
                                                                              "column"),
            std::string::npos);
}

TEST(IvptFit, BadBlocksAndDataThrowStudyErrorNamingTheKeyOrColumn)
{
  Workspace ws;
  ws.write("measured.csv", "time_h,cumulative_permeated_ug_per_cm2,replicate\n1,0.5,1\n2,1.5,1\n4,4,1\n");
  auto error = [&](const std::string &text, const std::string &data = "") {
    const std::string file = ws.write("study.yaml", text);
    return study_error([&] { parse_ivpt_fit(load_study(file), data); });
  };
  auto with_parameter = [&](const std::string &parameter) {
    return study_text("study:\n  type: fit_ivpt\n  data: measured.csv\n  parameters:\n    - " + parameter + "\n");
  };
  EXPECT_EQ(error(study_text(fit_block)), "");
  EXPECT_NE(error(study_text(fit_block + "  foo: 1\n")).find("study.foo: unknown key"), std::string::npos);
  EXPECT_NE(error(with_parameter("{key: skin.layers.0.name, low: 1, high: 2}")).find("study.parameters.0.key: "
                                                                                     "'skin.layers.0.name' is not a numeric key"),
            std::string::npos);
  EXPECT_NE(error(with_parameter("{key: skin.layers.0.diffusivity_cm2_per_s, low: 1e-12, high: 1}"))
              .find("study.parameters.0.high: the study does not accept"),
            std::string::npos);
  EXPECT_NE(error(with_parameter("{key: skin.layers.0.partition_coefficient, low: 20, high: 30}"))
              .find("study.parameters.0.initial: missing, and the study's value 10 is outside [low, high]"),
            std::string::npos);
  EXPECT_NE(error(with_parameter("{key: simulation.end_h, low: 1, high: 30}")).find("cannot be fitted"),
            std::string::npos);
  EXPECT_NE(error(with_parameter("{key: skin.layers.0.partition_coefficient, low: 0, high: 30, scale: log}"))
              .find("study.parameters.0.low: value 0 is out of range (allowed: > 0"),
            std::string::npos);
  EXPECT_NE(error(study_text("study:\n  type: fit_ivpt\n  parameters:\n    - {key: skin.area_cm2, low: 0.5, high: 2}\n"))
              .find("study.data: missing"),
            std::string::npos);
  EXPECT_NE(error(study_text(replace(fit_block, "weighting: proportional", "weighting: replicate_sd"))).find("measured.csv:2: time_h: only one "
                                                                              "measurement"),
            std::string::npos);
  EXPECT_NE(error(study_text(fit_block), ws.write("dup.csv", "time_h,cumulative_permeated_ug_per_cm2,replicate\n"
                                                             "1,0.5,1\n1,0.6,1\n2,1,1\n"))
              .find("dup.csv:3: replicate: replicate 1 at time_h 1 already on line 2"),
            std::string::npos);
  EXPECT_NE(error(study_text(fit_block), ws.write("zero.csv", "time_h,cumulative_permeated_ug_per_cm2\n0,0\n1,0\n2,0\n"))
              .find("every measured value is 0"),
            std::string::npos);
  const std::string in_vivo = "format: dermatwin-study/1\ndrug: fentanyl\napplication:\n"
                              "  - {product: durogesic_dtrans_25, site: chest}\n" + fit_block;
  EXPECT_NE(error(in_vivo).find("study.type: fit_ivpt needs experiment: franz_cell"), std::string::npos);
}
