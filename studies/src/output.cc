// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/studies/output.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <stdexcept>

namespace dermatwin::studies
{
  namespace fs = std::filesystem;

  std::string version()
  {
    return DERMATWIN_VERSION;
  }

  std::string csv_number(const double value)
  {
    if (!std::isfinite(value))
      return "";
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.10g", value);
    return buffer;
  }

  namespace
  {
    std::string cell(const double value) { return csv_number(value); }

    nlohmann::json optional_number(const std::optional<double> &value)
    {
      return value && std::isfinite(*value) ? nlohmann::json(*value) : nlohmann::json(nullptr);
    }

    void write_file(const fs::path &path, const std::string &text)
    {
      std::ofstream out(path, std::ios::binary);
      if (!out)
        throw std::runtime_error("cannot create " + path.filename().string() + ": " + std::strerror(errno));
      out << text;
      out.close();
      if (!out)
        throw std::runtime_error("cannot write " + path.filename().string() + " (disk full?)");
    }
  } // namespace

  std::string timeseries_csv(const Result &result)
  {
    const TimeSeries &ts = result.series;
    std::ostringstream out;
    out << "time_h,plasma_ng_per_mL,input_rate_ug_per_h,flux_into_skin_ug_per_cm2_per_h,"
           "flux_out_ug_per_cm2_per_h,cumulative_permeated_ug_per_cm2,amount_in_patch_ug,"
           "amount_in_skin_ug,cumulative_absorbed_ug,removed_with_patches_ug\n";
    for (std::size_t i = 0; i < ts.time_h.size(); ++i)
      out << cell(ts.time_h[i]) << ',' << cell(ts.plasma_ng_per_mL[i]) << ','
          << cell(ts.input_rate_ug_per_h[i]) << ',' << cell(ts.flux_into_skin_ug_per_cm2_per_h[i])
          << ',' << cell(ts.flux_out_ug_per_cm2_per_h[i]) << ','
          << cell(ts.cumulative_permeated_ug_per_cm2[i]) << ',' << cell(ts.amount_in_patch_ug[i])
          << ',' << cell(ts.amount_in_skin_ug[i]) << ',' << cell(ts.cumulative_absorbed_ug[i])
          << ',' << cell(ts.removed_with_patches_ug[i]) << '\n';
    return out.str();
  }

  std::string summary_json(const Result &result)
  {
    const Summary &s = result.summary;
    nlohmann::json j;
    j["cmax_ng_per_mL"]                      = optional_number(s.cmax_ng_per_mL);
    j["tmax_h"]                              = optional_number(s.tmax_h);
    j["auc_0_last_ng_h_per_mL"]              = optional_number(s.auc_0_last_ng_h_per_mL);
    j["apparent_half_life_after_removal_h"]  = optional_number(s.apparent_half_life_after_removal_h);
    j["steady_state_flux_ug_per_cm2_per_h"]  = optional_number(s.steady_state_flux_ug_per_cm2_per_h);
    j["lag_time_h"]                          = optional_number(s.lag_time_h);
    j["permeability_coefficient_cm_per_h"]   = optional_number(s.permeability_coefficient_cm_per_h);
    j["delivered_ug"]                        = s.delivered_ug;
    j["amount_left_in_patch_ug"]             = s.amount_left_in_patch_ug;
    j["amount_in_skin_at_end_ug"]            = s.amount_in_skin_at_end_ug;
    j["cumulative_absorbed_ug"]              = s.cumulative_absorbed_ug;
    j["total_load_ug"]                       = s.total_load_ug;
    j["mass_balance_relative_error"]         = s.mass_balance_relative_error;
    j["min_concentration_relative"]          = s.min_concentration_relative;
    j["dof_count"]                           = s.dof_count;
    j["time_steps"]                          = s.time_steps;
    j["euler_substeps"]                      = s.euler_substeps;
    j["linear_iterations"]                   = s.linear_iterations;
    j["wall_time_s"]                         = s.wall_time_s;
    j["dermatwin_version"]                   = version();
    j["experiment"]                          = result.in_vitro ? "franz_cell" : "in_vivo";
    return j.dump(2) + "\n";
  }

  void write_results(const std::string &directory, const Result &result,
                     const ScenarioPlan &plan)
  {
    std::vector<std::pair<std::string, std::string>> files{
      {"timeseries.csv", timeseries_csv(result)},
      {"summary.json", summary_json(result)},
      {"study.resolved.yaml", plan.resolved_yaml}};
    files.insert(files.end(), result.field_files.begin(), result.field_files.end());
    write_files_atomically(directory, files);
  }

  namespace
  {
    /// The folder as an absolute path without a trailing separator.
    fs::path normal_folder(const std::string &directory)
    {
      fs::path target = fs::absolute(directory).lexically_normal();
      return target.has_filename() ? target : target.parent_path();
    }

    /// Writes into a staging sibling, then renames it into place.
    void write_files_via_staging(const fs::path &target,
                                 const std::vector<std::pair<std::string, std::string>> &files)
    {
      const fs::path parent = target.parent_path();
      fs::create_directories(parent);
      std::random_device random;
      const fs::path     staging =
        parent / ("." + target.filename().string() + ".partial-" + std::to_string(random()));
      try
        {
          fs::create_directory(staging);
          for (const auto &[name, text] : files)
            {
              fs::create_directories((staging / name).parent_path());
              write_file(staging / name, text);
            }
          if (fs::exists(target))
            {
              const fs::path old = parent / ("." + target.filename().string() + ".old-" +
                                             std::to_string(random()));
              fs::rename(target, old);
              try
                {
                  fs::rename(staging, target);
                }
              catch (...)
                {
                  std::error_code ignored;
                  fs::rename(old, target, ignored); // put the previous results back
                  throw;
                }
              fs::remove_all(old);
            }
          else
            fs::rename(staging, target);
        }
      catch (...)
        {
          std::error_code ignored;
          fs::remove_all(staging, ignored);
          throw;
        }
    }

    [[noreturn]] void output_failed(const fs::path &target, const std::string &reason)
    {
      throw OutputError("cannot write the output folder " + target.string() + ": " + reason +
                        " (nothing was written)");
    }
  } // namespace

  void check_output_writable(const std::string &directory)
  {
    const fs::path target = normal_folder(directory);
    try
      {
        fs::create_directories(target.parent_path());
        const fs::path probe = target.parent_path() / ("." + target.filename().string() + ".probe-" +
                                                       std::to_string(std::random_device()()));
        write_file(probe, "probe\n");
        fs::remove(probe);
      }
    catch (const fs::filesystem_error &e)
      {
        output_failed(target, e.code().message());
      }
    catch (const std::runtime_error &e)
      {
        output_failed(target, e.what());
      }
  }

  void write_files_atomically(const std::string &directory,
                              const std::vector<std::pair<std::string, std::string>> &files)
  {
    const fs::path target = normal_folder(directory);
    try
      {
        write_files_via_staging(target, files);
      }
    catch (const fs::filesystem_error &e)
      {
        output_failed(target, e.code().message());
      }
    catch (const std::runtime_error &e)
      {
        output_failed(target, e.what());
      }
  }
} // namespace dermatwin::studies
