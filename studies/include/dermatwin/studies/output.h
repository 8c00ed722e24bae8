// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_output_h
#define dermatwin_studies_output_h

#include <dermatwin/studies/scenario.h>

#include <string>
#include <utility>
#include <vector>

namespace dermatwin::studies
{
  std::string version();

  /// A number as a CSV/override cell: 10 significant digits, empty if not finite.
  std::string csv_number(double value);

  /// timeseries.csv text (STUDY_FORMAT.md section 3); NaN cells are empty.
  std::string timeseries_csv(const Result &result);
  /// summary.json text; undefined metrics are null.
  std::string summary_json(const Result &result);

  /**
   * Writes timeseries.csv, summary.json and study.resolved.yaml into
   * @p directory atomically: everything goes to a temporary sibling folder
   * first, which is renamed into place only when complete.
   */
  void write_results(const std::string &directory, const Result &result,
                     const ScenarioPlan &plan);

  /// Writes the named files into @p directory atomically (staging folder,
  /// then rename; an existing folder is replaced only on success).
  void write_files_atomically(const std::string &directory,
                              const std::vector<std::pair<std::string, std::string>> &files);
} // namespace dermatwin::studies

#endif
