// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/studies/sweep.h>
#include <dermatwin/studies/output.h>
#include <dermatwin/studies/sanity.h>

#include "yaml_reader.h"

#include <cmath>
#include <cstdio>
#include <sstream>

namespace dermatwin::studies
{
  namespace
  {
    std::string format_number(const double v) { return csv_number(v); }

    SweepParameter read_parameter(const internal::Reader &r, const YAML::Node &node, const std::string &path)
    {
      r.only_keys(node, path, {"key", "values", "from", "to", "steps", "log"});
      SweepParameter p;
      if (!node["key"])
        r.fail(node, path + ".key", "missing: the study key to sweep, e.g. patient.age_years");
      p.key = r.text(node["key"], path + ".key");
      if (node["values"])
        {
          if (!node["values"].IsSequence() || node["values"].size() == 0)
            r.fail(node["values"], path + ".values", "expected a non-empty list");
          for (const auto &v : node["values"])
            {
              if (!v.IsScalar())
                r.fail(v, path + ".values", "each value must be a single value");
              p.values.push_back(v.Scalar());
            }
          return p;
        }
      if (!node["from"] || !node["to"] || !node["steps"])
        r.fail(node, path, "give 'values' or 'from', 'to' and 'steps'");
      const double from  = r.number(node["from"], path + ".from", -1e12, 1e12);
      const double to    = r.number(node["to"], path + ".to", -1e12, 1e12);
      const unsigned n   = r.whole_number(node["steps"], path + ".steps", 2, 10000);
      const bool     log = node["log"] && r.choice(node["log"], path + ".log", {"true", "false"}) == "true";
      if (log && !(from > 0 && to > 0))
        r.fail(node["from"], path + ".from", "a log range needs from > 0 and to > 0");
      for (unsigned i = 0; i < n; ++i)
        {
          const double s = double(i) / (n - 1);
          p.values.push_back(format_number(log ? from * std::pow(to / from, s) : from + s * (to - from)));
        }
      return p;
    }
  } // namespace

  SweepSpec parse_sweep(const Study &study)
  {
    const internal::Reader r(study.file);
    const YAML::Node       block = internal::study_block(study);
    if (!block || study.study_type != "sweep")
      r.fail(block, "study.type", "this command needs a study block with type: sweep");
    r.only_keys(block, "study", {"type", "parameters", "outputs"});
    SweepSpec spec;
    const YAML::Node params = block["parameters"];
    if (!params || !params.IsSequence() || params.size() < 1 || params.size() > 2)
      r.fail(params ? params : block, "study.parameters", "expected a list of one or two parameters");
    double grid_points = 1;
    for (std::size_t i = 0; i < params.size(); ++i)
      {
        spec.parameters.push_back(read_parameter(r, params[i], "study.parameters." + std::to_string(i)));
        grid_points *= spec.parameters.back().values.size();
      }
    if (const std::string problem = batch_memory_problem(study, grid_points); !problem.empty())
      r.fail(params, "study.parameters", problem);
    if (const YAML::Node outputs = block["outputs"])
      {
        for (const auto &o : outputs)
          {
            const std::string name = r.choice(o, "study.outputs", summary_metric_names());
            spec.outputs.push_back(name);
          }
      }
    else
      spec.outputs = study.in_vitro() ?
                       std::vector<std::string>{"steady_state_flux_ug_per_cm2_per_h", "lag_time_h",
                                                "permeability_coefficient_cm_per_h", "cumulative_absorbed_ug"} :
                       std::vector<std::string>{"cmax_ng_per_mL", "tmax_h", "auc_0_last_ng_h_per_mL",
                                                "delivered_ug", "cumulative_absorbed_ug"};
    // Check every grid value now, before any work: each must make a valid study.
    for (std::size_t i = 0; i < spec.parameters.size(); ++i)
      for (const std::string &v : spec.parameters[i].values)
        {
          Overrides o = study.overrides;
          o.push_back(spec.parameters[i].key + "=" + v);
          parse_study(study.text, study.file, o);
        }
    return spec;
  }

  SweepTable run_sweep(const Study &study, const SweepSpec &spec, const unsigned int n_threads,
                       const BatchProgress &progress)
  {
    std::vector<Overrides> grid{{}};
    for (const SweepParameter &p : spec.parameters)
      {
        std::vector<Overrides> next;
        for (const Overrides &g : grid)
          for (const std::string &v : p.values)
            {
              Overrides o = g;
              o.push_back(p.key + "=" + v);
              next.push_back(o);
            }
        grid = next;
      }
    const std::vector<Result> results = run_batch(study, grid, n_threads, progress);
    SweepTable table;
    for (const SweepParameter &p : spec.parameters)
      table.columns.push_back(p.key);
    table.columns.insert(table.columns.end(), spec.outputs.begin(), spec.outputs.end());
    for (std::size_t i = 0; i < grid.size(); ++i)
      {
        std::vector<std::string> row;
        for (const std::string &o : grid[i])
          row.push_back(o.substr(o.find('=') + 1));
        for (const std::string &name : spec.outputs)
          row.push_back(format_number(summary_metric(results[i], name)));
        table.rows.push_back(row);
      }
    return table;
  }

  std::string to_csv(const SweepTable &table)
  {
    std::ostringstream out;
    for (std::size_t c = 0; c < table.columns.size(); ++c)
      out << (c ? "," : "") << table.columns[c];
    out << "\n";
    for (const auto &row : table.rows)
      {
        for (std::size_t c = 0; c < row.size(); ++c)
          out << (c ? "," : "") << row[c];
        out << "\n";
      }
    return out.str();
  }
} // namespace dermatwin::studies
