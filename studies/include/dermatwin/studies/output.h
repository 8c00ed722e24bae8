// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_output_h
#define dermatwin_studies_output_h

#include <dermatwin/studies/scenario.h>

#include <string>

namespace dermatwin::studies
{
  std::string version();

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
} // namespace dermatwin::studies

#endif
