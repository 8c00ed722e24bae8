// SPDX-License-Identifier: LGPL-2.1-or-later
// dermatwin: the headless batch front end over dermatwin::studies.
// Exit status: 0 success, 2 bad input (study, id, option), 1 internal failure.
#include "cli_common.h"

#include <dermatwin/materials/library.h>
#include <dermatwin/studies/output.h>
#include <dermatwin/studies/sanity.h>
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <filesystem>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <set>

using namespace dermatwin;

namespace
{
  using cli::format;

  int run_study(const std::string &file, const std::string &out, const std::vector<std::string> &sets)
  {
    const studies::Study  study = studies::load_study(file, sets);
    studies::ScenarioPlan plan  = studies::plan_scenario(study);
    // Under mpirun a multi-D model is distributed over the ranks; rank 0 writes.
    const cli::MpiSession mpi;
    plan.multid.mpi_world = mpi.active();
    const bool writer     = mpi.rank() == 0;
    if (writer)
      {
        studies::check_output_writable(out);
        cli::print_warnings(studies::input_range_warnings(study));
      }
    cli::ProgressLine     progress;
    const studies::Result result =
      studies::run_scenario(plan, [&](double f) { return !writer || progress(f); });
    if (!writer)
      return 0;
    studies::write_results(out, result, plan);
    cli::print_warnings(studies::result_warnings(plan, result));

    const studies::Summary &s = result.summary;
    std::cout << "DermaTwin " << studies::version() << ": " << (study.name.empty() ? file : study.name)
              << "\n";
    if (!result.in_vitro)
      std::cout << "  Cmax            " << format(s.cmax_ng_per_mL, "ng/mL") << " at "
                << format(s.tmax_h, "h", "%.1f") << "\n"
                << "  AUC(0-last)     " << format(s.auc_0_last_ng_h_per_mL, "ng h/mL") << "\n"
                << "  half-life after removal " << format(s.apparent_half_life_after_removal_h, "h", "%.1f")
                << "\n";
    else
      std::cout << "  steady flux     " << format(s.steady_state_flux_ug_per_cm2_per_h, "ug/cm2/h")
                << ", lag time " << format(s.lag_time_h, "h", "%.3g") << ", kp "
                << format(s.permeability_coefficient_cm_per_h, "cm/h") << "\n";
    std::printf("  delivered       %.4g ug of %.4g ug loaded; absorbed %.4g ug\n", s.delivered_ug,
                s.total_load_ug, s.cumulative_absorbed_ug);
    std::printf("  mass balance    %.1e (relative)\n", s.mass_balance_relative_error);
    std::printf("  solver          %u DOFs, %u steps, %.3g ms\n", s.dof_count, s.time_steps,
                1e3 * s.wall_time_s);
    if (s.linear_iterations > 0)
      std::printf("  linear solver   %lu CG iterations (%.1f per step), %d MPI rank(s)\n",
                  s.linear_iterations, double(s.linear_iterations) / std::max(1u, s.time_steps), mpi.size());
    std::cout << "  results in      " << out << "/ (timeseries.csv, summary.json, study.resolved.yaml"
              << (result.field_files.empty() ? "" : ", fields/") << ")\n";
    return 0;
  }

  int validate_study(const std::string &file, const std::vector<std::string> &sets)
  {
    const studies::Study study = studies::load_study(file, sets);
    studies::plan_scenario(study);
    cli::print_warnings(studies::input_range_warnings(study));
    std::cout << file << ": valid (" << study.experiment << ")\n";
    return 0;
  }

  const materials::Record &entry(const std::string &kind, const std::string &id)
  {
    const materials::Library &library = materials::Library::standard();
    if (kind == "drug")
      return library.drug(id);
    if (kind == "product")
      return library.product(id);
    if (kind == "acupoint")
      return library.acupoint(id);
    return library.site(id);
  }

  std::vector<std::string> bundled_studies()
  {
    std::vector<std::string> names;
    const auto dir = std::filesystem::path(materials::Library::standard().resource_dir()) / "studies";
    if (std::filesystem::is_directory(dir))
      for (const auto &f : std::filesystem::directory_iterator(dir))
        if (f.path().extension() == ".yaml")
          names.push_back(f.path().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  int list_ids(const std::string &what, const bool json)
  {
    const materials::Library &library = materials::Library::standard();
    nlohmann::json            out     = nlohmann::json::array();
    if (what == "studies")
      for (const std::string &file : bundled_studies())
        out.push_back({{"id", std::filesystem::path(file).stem().string()}, {"file", file}});
    else
      {
        const std::string kind = what.substr(0, what.size() - 1);
        const std::vector<std::string> ids = what == "drugs"     ? library.drug_ids() :
                                             what == "products"  ? library.product_ids() :
                                             what == "acupoints" ? library.acupoint_ids() :
                                                                   library.site_ids();
        for (const std::string &id : ids)
          {
            const materials::Record &r = entry(kind, id);
            nlohmann::json           item = {{"id", id}, {"name", r.text_or("name", "")}};
            if (kind == "acupoint")
              item["name"] = r.text_or("pinyin", "") + " " + r.text_or("name_zh", "") + " (" +
                             r.text_or("english", "") + ")";
            out.push_back(item);
          }
      }
    if (json)
      std::cout << out.dump(2) << "\n";
    else
      for (const auto &item : out)
        std::cout << item["id"].get<std::string>() << "\t"
                  << (item.contains("name") ? item["name"].get<std::string>() : item["file"].get<std::string>())
                  << "\n";
    return 0;
  }

  int show_entry(const std::string &kind, const std::string &id, const bool json)
  {
    const materials::Library &library = materials::Library::standard();
    const materials::Record  &r       = entry(kind, id);
    std::set<std::string>     used;
    if (json)
      {
        nlohmann::json out = {{"id", r.id}, {"kind", kind}, {"file", r.file}};
        for (const auto &[key, text] : r.text)
          out["text"][key] = text;
        for (const auto &[key, q] : r.quantities)
          {
            out["values"][key] = {{"value", q.value}, {"unit", q.unit}, {"source", q.source},
                                  {"confidence", q.confidence}, {"note", q.note}};
            used.insert(q.source);
          }
        for (const auto &[key, t] : r.tables)
          {
            out["tables"][key] = {{t.x_name, t.x}, {"values", t.y}, {"unit", t.unit},
                                  {"source", t.source}, {"confidence", t.confidence}, {"note", t.note}};
            used.insert(t.source);
          }
        for (const std::string &key : used)
          out["sources"][key] = library.source(key).citation;
        std::cout << out.dump(2) << "\n";
        return 0;
      }
    std::cout << kind << " " << r.id << ": " << r.text_or("name", "") << "\n  (" << r.file << ")\n";
    for (const auto &[key, text] : r.text)
      if (key != "id" && key != "name")
        std::cout << "  " << key << ": " << text << "\n";
    for (const auto &[key, q] : r.quantities)
      {
        std::cout << "  " << key << " = " << q.value << " " << q.unit << "   [" << q.source << ", "
                  << q.confidence << "]\n";
        if (!q.note.empty())
          std::cout << "      " << q.note << "\n";
        used.insert(q.source);
      }
    for (const auto &[key, t] : r.tables)
      {
        std::cout << "  " << key << " (" << t.unit << ") over " << t.x_name << ":";
        for (std::size_t i = 0; i < t.x.size(); ++i)
          std::cout << " " << t.x[i] << ":" << t.y[i];
        std::cout << "   [" << t.source << ", " << t.confidence << "]\n";
        if (!t.note.empty())
          std::cout << "      " << t.note << "\n";
        used.insert(t.source);
      }
    std::cout << "Sources:\n";
    for (const std::string &key : used)
      std::cout << "  " << key << ": " << library.source(key).citation << "\n";
    return 0;
  }
} // namespace

int main(int argc, char **argv)
{
  CLI::App app{"DermaTwin: a digital twin of transdermal drug delivery"};
  app.set_version_flag("--version", "dermatwin " + studies::version());
  app.require_subcommand(1);

  std::string              study_file, out_dir, what, kind, id;
  std::vector<std::string> sets;
  CLI::App *run_cmd = app.add_subcommand("run", "Run a study and write its results");
  run_cmd->add_option("STUDY", study_file, "study file (YAML)")->required();
  run_cmd->add_option("--out", out_dir, "output folder (written atomically)")->required();
  run_cmd->add_option("--set", sets, "override a study key: key.path=value (repeatable)");

  // Study methods, one file each (studies/cli/cmd_*.cc).
  cli::Commands study_commands;
  cli::add_sweep_command(app, study_commands);
  cli::add_population_command(app, study_commands);
  cli::add_fit_ivpt_command(app, study_commands);
  cli::add_calibrate_command(app, study_commands);
  cli::add_sensitivity_command(app, study_commands);
  cli::add_optimize_command(app, study_commands);

  CLI::App *validate_cmd = app.add_subcommand("validate", "Check a study completely, run nothing");
  validate_cmd->add_option("STUDY", study_file, "study file (YAML)")->required();
  validate_cmd->add_option("--set", sets, "override a study key: key.path=value");

  std::string format = "text";
  CLI::App *list_cmd = app.add_subcommand("list", "List library ids or bundled studies");
  list_cmd->add_option("WHAT", what, "drugs | sites | acupoints | products | studies")
    ->required()
    ->check(CLI::IsMember({"drugs", "sites", "acupoints", "products", "studies"}));
  list_cmd->add_option("--format", format, "text | json")->check(CLI::IsMember({"text", "json"}));

  CLI::App *show_cmd = app.add_subcommand("show", "Show a library entry with its sources");
  show_cmd->add_option("KIND", kind, "drug | site | acupoint | product")
    ->required()
    ->check(CLI::IsMember({"drug", "site", "acupoint", "product"}));
  show_cmd->add_option("ID", id, "library id")->required();
  show_cmd->add_option("--format", format, "text | json")->check(CLI::IsMember({"text", "json"}));

  try
    {
      app.parse(argc, argv);
    }
  catch (const CLI::ParseError &e)
    {
      const int code = app.exit(e);
      return code == 0 ? 0 : 2;
    }

  try
    {
      if (*run_cmd)
        return run_study(study_file, out_dir, sets);
      for (const cli::Command &command : study_commands)
        if (*command.app)
          return cli::run_resumable(command);
      if (*validate_cmd)
        return validate_study(study_file, sets);
      if (*list_cmd)
        return list_ids(what, format == "json");
      if (*show_cmd)
        return show_entry(kind, id, format == "json");
    }
  catch (const studies::StudyError &e)
    {
      std::cerr << e.what() << "\n";
      return 2;
    }
  catch (const materials::LibraryError &e)
    {
      std::cerr << "dermatwin: " << e.what() << "\n";
      return 2;
    }
  catch (const studies::OutputError &e)
    {
      std::cerr << "dermatwin: " << e.what() << "\n";
      return 1;
    }
  catch (const std::exception &e)
    {
      if (cli::interrupted || std::string(e.what()) == "cancelled")
        {
          std::cerr << "\ndermatwin: cancelled, nothing written\n";
          return 130;
        }
      std::cerr << "dermatwin: internal error: " << e.what() << "\n";
      return 1;
    }
  return 0;
}
