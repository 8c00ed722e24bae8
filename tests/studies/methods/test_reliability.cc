// Reliability (docs/reliability.md): checkpoints restore results exactly and
// resume a batch, runs are deterministic, output faults give a clean error
// and leave nothing behind, oversized batches are refused before any work,
// and the sanity warnings fire when (and only when) they should.
#include <dermatwin/studies/checkpoint.h>
#include <dermatwin/studies/output.h>
#include <dermatwin/studies/population.h>
#include <dermatwin/studies/sanity.h>
#include <dermatwin/studies/sweep.h>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <filesystem>
#include <fstream>

using namespace dermatwin::studies;
namespace fs = std::filesystem;

namespace
{
  const std::string fentanyl = R"(format: dermatwin-study/1
drug: fentanyl
application:
  - {product: durogesic_dtrans_25, site: upper_arm_outer, apply_h: 0, remove_h: 24}
pk: library
simulation: {end_h: 36, output_every_h: 1, accuracy: coarse}
)";

  const std::string population = fentanyl + R"(study:
  type: population
  subjects: 6
  seed: 3
)";

  const std::string sweep = fentanyl + R"(study:
  type: sweep
  parameters:
    - {key: patient.age_years, values: [25, 50, 75]}
)";

  /// summary.json without the wall time (the only field allowed to differ).
  std::string summary_without_wall_time(const Result &result)
  {
    nlohmann::json j = nlohmann::json::parse(summary_json(result));
    j.erase("wall_time_s");
    return j.dump();
  }

  /// A fresh empty folder under the temp directory.
  fs::path scratch(const std::string &name)
  {
    const fs::path dir = fs::temp_directory_path() / ("dermatwin_reliability_" + name);
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
  }

  std::vector<std::string> entries(const fs::path &dir)
  {
    std::vector<std::string> names;
    for (const auto &e : fs::directory_iterator(dir))
      names.push_back(e.path().filename().string());
    return names;
  }
} // namespace

TEST(Checkpoint, SerialisedResultIsBitIdentical)
{
  Result r = run_scenario(plan_scenario(parse_study(fentanyl, "f.yaml")));
  r.summary.lag_time_h = std::nullopt;
  r.series.plasma_ng_per_mL[0] = NAN;
  r.series.amount_in_patch_ug[1] = -INFINITY;
  r.summary.mass_balance_relative_error = 1.0 / 3.0;
  const Result back = deserialize_result(serialize_result(r));
  EXPECT_EQ(summary_json(back), summary_json(r));
  EXPECT_EQ(timeseries_csv(back), timeseries_csv(r));
  EXPECT_EQ(back.summary.mass_balance_relative_error, 1.0 / 3.0);
  EXPECT_TRUE(std::isnan(back.series.plasma_ng_per_mL[0]));
  EXPECT_THROW(deserialize_result("0 1 2"), std::invalid_argument);
  EXPECT_THROW(deserialize_result(serialize_result(r) + " 7"), std::invalid_argument);
}

TEST(Checkpoint, ResumedBatchTakesFinishedRunsAndGivesTheSameResults)
{
  const fs::path dir  = scratch("checkpoint");
  const fs::path file = dir / "out.checkpoint";
  const Study    base = parse_study(fentanyl, "f.yaml");
  const std::vector<Overrides> first  = {{"patient.age_years=30"}, {"patient.age_years=60"}};
  const std::vector<Overrides> all    = {{"patient.age_years=30"}, {"patient.age_years=60"},
                                         {"patient.age_years=90"}};
  {
    BatchCheckpoint checkpoint(file.string());
    EXPECT_EQ(BatchCheckpoint::active(), &checkpoint);
    run_batch(base, first, 2); // "interrupted" after two of three runs
  }
  EXPECT_EQ(BatchCheckpoint::active(), nullptr);
  // A record cut short by a kill (no newline) is ignored.
  std::ofstream(file, std::ios::app) << "dermatwin-checkpoint/1 0123 4567 0 0x1p+0";
  std::vector<Result> resumed;
  {
    BatchCheckpoint checkpoint(file.string());
    EXPECT_EQ(checkpoint.records_found(), 2u);
    resumed = run_batch(base, all, 2);
    EXPECT_EQ(checkpoint.resumed(), 2u);
  }
  const std::vector<Result> fresh = run_batch(base, all, 1);
  for (std::size_t i = 0; i < all.size(); ++i)
    EXPECT_EQ(summary_without_wall_time(resumed[i]), summary_without_wall_time(fresh[i])) << i;
  // A different study text never matches the records.
  BatchCheckpoint checkpoint(file.string());
  run_batch(parse_study(fentanyl + "name: other\n", "f.yaml"), first, 1);
  EXPECT_EQ(checkpoint.resumed(), 0u);
  checkpoint.remove();
  EXPECT_FALSE(fs::exists(file));
}

TEST(Determinism, SameStudyGivesBitIdenticalSummary)
{
  const ScenarioPlan plan = plan_scenario(parse_study(fentanyl, "f.yaml"));
  const Result       a = run_scenario(plan), b = run_scenario(plan_scenario(parse_study(fentanyl, "f.yaml")));
  EXPECT_EQ(summary_without_wall_time(a), summary_without_wall_time(b));
  EXPECT_EQ(timeseries_csv(a), timeseries_csv(b));
}

TEST(Determinism, SweepAndPopulationIdenticalOnOneAndTwoThreads)
{
  const Study      s = parse_study(sweep, "s.yaml");
  const SweepSpec  spec = parse_sweep(s);
  EXPECT_EQ(to_csv(run_sweep(s, spec, 1)), to_csv(run_sweep(s, spec, 2)));
  const Study            p     = parse_study(population, "p.yaml");
  const PopulationSpec   pspec = parse_population(p);
  const PopulationResult one = run_population(p, pspec, 1), two = run_population(p, pspec, 2);
  EXPECT_EQ(one.summary_json, two.summary_json);
  EXPECT_EQ(one.subjects_csv, two.subjects_csv);
  EXPECT_EQ(one.bands_csv, two.bands_csv);
}

TEST(OutputFaults, UnwritableFolderGivesOutputErrorAndLeavesNothing)
{
  // We may run as root: permissions do not stop root, a path under a file does.
  for (const std::string bad : {"/dev/null/out", "/proc/dermatwin_out"})
    {
      EXPECT_THROW(check_output_writable(bad), OutputError) << bad;
      try
        {
          write_files_atomically(bad, {{"a.txt", "a"}});
          ADD_FAILURE() << "no error for " << bad;
        }
      catch (const OutputError &e)
        {
          EXPECT_NE(std::string(e.what()).find("cannot write the output folder " + bad), std::string::npos)
            << e.what();
        }
    }
  const fs::path dir = scratch("faults");
  // A file in the way of the folder: the previous contents stay, no staging left.
  std::ofstream(dir / "taken") << "a file";
  EXPECT_THROW(write_files_atomically((dir / "taken" / "x").string(), {{"a.txt", "a"}}), OutputError);
  EXPECT_EQ(entries(dir), std::vector<std::string>{"taken"});
  // A trailing separator names the same folder (no hidden sibling inside it).
  write_files_atomically((dir / "out").string() + "/", {{"a.txt", "a"}});
  EXPECT_TRUE(fs::exists(dir / "out" / "a.txt"));
  EXPECT_EQ(entries(dir).size(), 2u);
}

TEST(Limits, OversizedBatchesAreRefusedBeforeAnyWork)
{
  try
    {
      parse_population(parse_study(population, "p.yaml", {"study.subjects=10000000"}));
      ADD_FAILURE() << "10^7 subjects accepted";
    }
  catch (const StudyError &e)
    {
      EXPECT_EQ(e.key, "study.subjects");
      EXPECT_NE(std::string(e.what()).find("GB of memory"), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("at most"), std::string::npos) << e.what();
    }
  try
    {
      parse_sweep(parse_study(sweep, "s.yaml",
                              {"study.parameters=[{key: patient.age_years, from: 20, to: 80, steps: 10000}, "
                               "{key: patient.body_weight_kg, from: 40, to: 120, steps: 10000}]"}));
      ADD_FAILURE() << "10^8 grid points accepted";
    }
  catch (const StudyError &e)
    {
      EXPECT_EQ(e.key, "study.parameters");
    }
  // The bundled sizes stay valid; 1e9 h is out of range (at most 1e5 h).
  EXPECT_EQ(batch_memory_problem(parse_study(population, "p.yaml"), 1000), "");
  EXPECT_THROW(parse_study(fentanyl, "f.yaml", {"simulation.end_h=1e9"}), StudyError);
}

TEST(Sanity, MinConcentrationReportedAndWarningsOnlyOutsideTheValidatedRange)
{
  const ScenarioPlan plan   = plan_scenario(parse_study(fentanyl, "f.yaml"));
  const Result       result = run_scenario(plan);
  const auto         j      = nlohmann::json::parse(summary_json(result));
  ASSERT_TRUE(j.contains("min_concentration_relative"));
  EXPECT_LE(j["min_concentration_relative"].get<double>(), 0.);
  EXPECT_TRUE(result_warnings(plan, result).empty()) << result_warnings(plan, result).front();

  Result undershoot                            = result;
  undershoot.summary.min_concentration_relative = -0.05;
  ASSERT_EQ(result_warnings(plan, undershoot).size(), 1u);
  EXPECT_NE(result_warnings(plan, undershoot)[0].find("-0.05"), std::string::npos);

  EXPECT_TRUE(input_range_warnings(parse_study(fentanyl, "f.yaml")).empty());
  const auto far = input_range_warnings(parse_study(fentanyl, "f.yaml", {"patient.skin_factors.perfusion=20"}));
  ASSERT_EQ(far.size(), 1u);
  EXPECT_NE(far[0].find("patient.skin_factors.perfusion"), std::string::npos);
  const std::string inline_drug = R"(format: dermatwin-study/1
drug: {name: x, molecular_weight_g_per_mol: 300, log_kow: 12}
application:
  - {patch: {area_cm2: 10, drug_load_mg: 5, thickness_um: 100, diffusivity_cm2_per_s: 1e-8}, site: chest}
pk: {model: one_compartment, clearance_L_per_h: 10, v1_L: 50}
)";
  const auto qspr = input_range_warnings(parse_study(inline_drug, "d.yaml"));
  ASSERT_EQ(qspr.size(), 1u);
  EXPECT_NE(qspr[0].find("drug.log_kow"), std::string::npos);
}
