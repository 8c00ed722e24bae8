// Franz-cell studies through the whole study path, and the output contract.
#include <dermatwin/studies/output.h>
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace dermatwin::studies;

namespace
{
  const std::string franz_text = R"(format: dermatwin-study/1
experiment: franz_cell
skin:
  area_cm2: 1.0
  layers:
    - {name: stratum_corneum, thickness_um: 15, diffusivity_cm2_per_s: 1.0e-10, partition_coefficient: 10}
    - {name: viable_epidermis, thickness_um: 60, diffusivity_cm2_per_s: 1.0e-7, partition_coefficient: 1}
donor: {type: infinite, concentration_mg_per_mL: 1.0}
receptor: {type: sink}
simulation: {end_h: 48, output_every_h: 0.25}
)";
} // namespace

TEST(FranzCell, SteadyFluxLagAndKpMatchSeriesResistance)
{
  const Result r = run_scenario(plan_scenario(parse_study(franz_text, "franz.yaml")));
  // Series resistance in cm/h units: L / (K D).
  const double R = 15e-4 / (10 * 1e-10 * 3600) + 60e-4 / (1 * 1e-7 * 3600);
  const double kp = 1 / R, flux = kp * 1000.; // ug/cm2/h at 1 mg/mL
  ASSERT_TRUE(r.summary.steady_state_flux_ug_per_cm2_per_h);
  EXPECT_NEAR(*r.summary.steady_state_flux_ug_per_cm2_per_h / flux, 1., 1e-3);
  EXPECT_NEAR(*r.summary.permeability_coefficient_cm_per_h / kp, 1., 1e-3);
  EXPECT_GT(*r.summary.lag_time_h, 0.);
  EXPECT_LT(r.summary.mass_balance_relative_error, 1e-6);
  EXPECT_FALSE(r.summary.cmax_ng_per_mL.has_value());
}

TEST(FranzCell, SingleMembraneLagTimeMatchesCrank)
{
  const std::string text = R"(format: dermatwin-study/1
experiment: franz_cell
skin:
  layers:
    - {name: membrane, thickness_um: 20, diffusivity_cm2_per_s: 1.0e-9, partition_coefficient: 5}
donor: {type: infinite, concentration_mg_per_mL: 2.0}
simulation: {end_h: 6, output_every_h: 0.05}
)";
  const Result r   = run_scenario(plan_scenario(parse_study(text, "membrane.yaml")));
  const double D   = 1e-9 * 3600, L = 20e-4;
  const double lag = L * L / (6 * D), flux = D * 5 * 2.0 / L * 1000.;
  std::cout << "[ franz membrane ] lag " << *r.summary.lag_time_h << " h (exact " << lag
            << "), flux " << *r.summary.steady_state_flux_ug_per_cm2_per_h << " (exact " << flux << ")\n";
  EXPECT_NEAR(*r.summary.lag_time_h / lag, 1., 1e-2);
  EXPECT_NEAR(*r.summary.steady_state_flux_ug_per_cm2_per_h / flux, 1., 1e-3);
  EXPECT_NEAR(*r.summary.permeability_coefficient_cm_per_h / (D * 5 / L), 1., 1e-3);
}

TEST(FranzCell, FiniteDonorAndReceptorConserveMass)
{
  std::string text = franz_text;
  text.replace(text.find("donor: {type: infinite, concentration_mg_per_mL: 1.0}"),
               std::string("donor: {type: infinite, concentration_mg_per_mL: 1.0}").size(),
               "donor: {type: finite, concentration_mg_per_mL: 5.0, volume_uL_per_cm2: 10}");
  text.replace(text.find("receptor: {type: sink}"), std::string("receptor: {type: sink}").size(),
               "receptor: {type: finite, volume_mL: 2.0, partition_coefficient: 1}");
  const Result r = run_scenario(plan_scenario(parse_study(text, "franz_finite.yaml")));
  EXPECT_NEAR(r.summary.total_load_ug, 5.0 * 10e-3 * 1000., 1e-9);
  EXPECT_LT(r.summary.mass_balance_relative_error, 1e-6);
  EXPECT_GT(r.summary.cumulative_absorbed_ug, 0.);
  // The donor depletes: the amount left falls monotonically.
  const auto &donor = r.series.amount_in_patch_ug;
  for (std::size_t i = 1; i < donor.size(); ++i)
    EXPECT_LE(donor[i], donor[i - 1] + 1e-9);
}

TEST(Outputs, ResolvedStudyRerunsWithoutTheLibraryToTheSameResult)
{
  const ScenarioPlan plan = plan_scenario(
    load_study(DERMATWIN_SOURCE_DIR "/resources/studies/fentanyl_25ugh_upper_arm.yaml"));
  const Result first = run_scenario(plan);
  const Result again = run_scenario(plan_scenario(parse_study(plan.resolved_yaml, "resolved.yaml")));
  EXPECT_NEAR(*again.summary.cmax_ng_per_mL / *first.summary.cmax_ng_per_mL, 1., 1e-9);
  EXPECT_NEAR(again.summary.cumulative_absorbed_ug / first.summary.cumulative_absorbed_ug, 1., 1e-9);
}

TEST(Outputs, FilesFollowTheContractAndAreWrittenAtomically)
{
  namespace fs = std::filesystem;
  const ScenarioPlan plan = plan_scenario(parse_study(franz_text, "franz.yaml"));
  const Result       r    = run_scenario(plan);
  const fs::path     dir  = fs::temp_directory_path() / "dermatwin_output_test";
  fs::remove_all(dir);
  write_results(dir.string(), r, plan);
  for (const char *name : {"timeseries.csv", "summary.json", "study.resolved.yaml"})
    EXPECT_TRUE(fs::exists(dir / name)) << name;
  std::ifstream csv(dir / "timeseries.csv");
  std::string   header;
  std::getline(csv, header);
  for (const char *column :
       {"time_h", "plasma_ng_per_mL", "input_rate_ug_per_h", "flux_into_skin_ug_per_cm2_per_h",
        "flux_out_ug_per_cm2_per_h", "cumulative_permeated_ug_per_cm2", "amount_in_patch_ug",
        "amount_in_skin_ug", "cumulative_absorbed_ug"})
    EXPECT_NE(header.find(column), std::string::npos) << column;
  std::size_t rows = 0;
  for (std::string line; std::getline(csv, line);)
    ++rows;
  EXPECT_EQ(rows, 48 / 0.25 + 1);
  std::stringstream json;
  json << std::ifstream(dir / "summary.json").rdbuf();
  for (const char *key :
       {"cmax_ng_per_mL", "tmax_h", "auc_0_last_ng_h_per_mL", "apparent_half_life_after_removal_h",
        "steady_state_flux_ug_per_cm2_per_h", "lag_time_h", "permeability_coefficient_cm_per_h",
        "delivered_ug", "amount_left_in_patch_ug", "amount_in_skin_at_end_ug",
        "mass_balance_relative_error", "dof_count", "time_steps", "wall_time_s", "dermatwin_version"})
    EXPECT_NE(json.str().find(std::string("\"") + key + "\""), std::string::npos) << key;
  // No staging folders are left next to the output.
  for (const auto &entry : fs::directory_iterator(dir.parent_path()))
    EXPECT_EQ(entry.path().filename().string().find(".dermatwin_output_test.partial"), std::string::npos);
  fs::remove_all(dir);
}
