// Every study bundled in resources/studies/ runs (coarse accuracy) with an
// exact amount balance and finite results.
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

using namespace dermatwin::studies;

TEST(BundledStudies, AllRunWithExactMassBalance)
{
  namespace fs = std::filesystem;
  std::vector<fs::path> files;
  for (const auto &f : fs::directory_iterator(DERMATWIN_SOURCE_DIR "/resources/studies"))
    if (f.path().extension() == ".yaml")
      files.push_back(f.path());
  ASSERT_FALSE(files.empty());
  for (const fs::path &file : files)
    {
      SCOPED_TRACE(file.string());
      Result r;
      ASSERT_NO_THROW(r = run_scenario(plan_scenario(load_study(file.string(), {"simulation.accuracy=coarse"}))));
      EXPECT_LT(r.summary.mass_balance_relative_error, 1e-6);
      EXPECT_TRUE(std::isfinite(r.summary.delivered_ug));
      EXPECT_GT(r.summary.delivered_ug, 0.);
      if (!r.in_vitro)
        {
          ASSERT_TRUE(r.summary.cmax_ng_per_mL.has_value());
          EXPECT_TRUE(std::isfinite(*r.summary.cmax_ng_per_mL));
          EXPECT_GT(*r.summary.cmax_ng_per_mL, 0.);
        }
      std::cout << "[ study ] " << file.filename().string() << ": delivered " << r.summary.delivered_ug
                << " ug, Cmax " << (r.summary.cmax_ng_per_mL ? *r.summary.cmax_ng_per_mL : NAN)
                << " ng/mL\n";
    }
}
