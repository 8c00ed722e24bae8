// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/materials/library.h>
#include <dermatwin/studies/output.h>
#include <dermatwin/studies/sanity.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <unistd.h>

namespace dermatwin::studies
{
  namespace
  {
    struct Range
    {
      double low = std::numeric_limits<double>::infinity(), high = -low;
      bool   contains(const double v) const { return v >= low && v <= high; }
      std::string text() const { return csv_number(low) + " to " + csv_number(high); }
    };

    /// Range of a quantity over the compounds of the QSPR validation set.
    Range qspr_data_range(const std::string &quantity)
    {
      Range range;
      const materials::Library &library = materials::Library::standard();
      if (!library.has_model("qspr_validation"))
        return range;
      const std::string suffix = "." + quantity;
      for (const auto &[key, q] : library.model("qspr_validation").quantities)
        if (key.size() > suffix.size() && key.compare(key.size() - suffix.size(), suffix.size(), suffix) == 0)
          range.low = std::min(range.low, q.value), range.high = std::max(range.high, q.value);
      return range;
    }

    void check_factors(const std::map<std::string, double> &factors, const std::string &path,
                       std::vector<std::string> &warnings)
    {
      for (const auto &[name, value] : factors)
        if (value < validated_factor_low || value > validated_factor_high)
          warnings.push_back(path + "." + name + " = " + csv_number(value) +
                             " lies far outside the inter-individual variability in the library "
                             "(validated: " + csv_number(validated_factor_low) + " to " +
                             csv_number(validated_factor_high) + "); the result is an extrapolation");
    }
  } // namespace

  double negative_concentration_tolerance(const ScenarioPlan &plan)
  {
    return std::max(10 * plan.integrator.relative_tolerance, 1e-6);
  }

  double mass_balance_tolerance(const ScenarioPlan &plan)
  {
    return std::max(10 * plan.integrator.relative_tolerance, 1e-6);
  }

  std::vector<std::string> result_warnings(const ScenarioPlan &plan, const Result &result)
  {
    std::vector<std::string> warnings;
    const Summary           &s = result.summary;
    if (s.min_concentration_relative < -negative_concentration_tolerance(plan))
      warnings.push_back("a concentration fell to " + csv_number(s.min_concentration_relative) +
                         " of the maximum (allowed undershoot " +
                         csv_number(negative_concentration_tolerance(plan)) +
                         "): the mesh or time step is too coarse for this front; "
                         "try simulation.accuracy: fine or more cells_per_layer");
    if (!(s.mass_balance_relative_error <= mass_balance_tolerance(plan)))
      warnings.push_back("the mass balance closes only to " + csv_number(s.mass_balance_relative_error) +
                         " (relative; tolerance " + csv_number(mass_balance_tolerance(plan)) + ")");
    return warnings;
  }

  double batch_memory_bytes(const Study &study, const double evaluations)
  {
    const double rows = std::floor(study.simulation.end_h / study.simulation.output_every_h) + 2;
    // 10 result series + time and plasma kept per population subject: 12 doubles per row.
    return evaluations * (rows * 12 * sizeof(double) + 4096);
  }

  std::string batch_memory_problem(const Study &study, const double evaluations)
  {
    const double physical = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
    const double needed   = batch_memory_bytes(study, evaluations);
    if (!(physical > 0) || needed <= 0.5 * physical)
      return "";
    const double gb = 1024. * 1024. * 1024.;
    char         text[320];
    std::snprintf(text, sizeof text,
                  "%.0f runs with %.0f output rows each need about %.1f GB of memory, more than half of "
                  "this machine's %.1f GB (allowed here: at most %.0f runs; or raise "
                  "simulation.output_every_h)",
                  evaluations, std::floor(study.simulation.end_h / study.simulation.output_every_h) + 1,
                  needed / gb, physical / gb, std::floor(0.5 * physical / (needed / evaluations)));
    return text;
  }

  std::vector<std::string> input_range_warnings(const Study &study)
  {
    std::vector<std::string> warnings;
    check_factors(study.skin_factors, "patient.skin_factors", warnings);
    check_factors(study.pk_factors, "patient.pk_factors", warnings);
    if (study.drug.inline_mapping)
      for (const auto &[name, value] : {std::pair<std::string, double>{"molecular_weight_g_per_mol",
                                                                       study.drug.molecular_weight_g_per_mol},
                                        {"log_kow", study.drug.log_kow}})
        {
          const Range data = qspr_data_range(name);
          if (std::isfinite(data.low) && !data.contains(value))
            warnings.push_back("drug." + name + " = " + csv_number(value) +
                               " lies outside the compounds the skin-transport QSPR was validated on (" +
                               data.text() + ", resources/models/qspr_validation.yaml); "
                               "the estimated skin transport is an extrapolation");
        }
    return warnings;
  }
} // namespace dermatwin::studies
