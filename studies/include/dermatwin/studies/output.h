// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_output_h
#define dermatwin_studies_output_h

#include <dermatwin/studies/scenario.h>

#include <stdexcept>
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
  /// then rename; an existing folder is replaced only on success). Throws
  /// OutputError (and leaves nothing behind) when that fails.
  void write_files_atomically(const std::string &directory,
                              const std::vector<std::pair<std::string, std::string>> &files);

  /// The output folder cannot be written (a path under a file, no
  /// permission, disk full): the CLI prints it and exits with 1.
  class OutputError : public std::runtime_error
  {
  public:
    using std::runtime_error::runtime_error;
  };

  /// Checks before a run that @p directory can be written: creates its
  /// parent folder and a probe file there (removed again). Throws OutputError.
  void check_output_writable(const std::string &directory);
} // namespace dermatwin::studies

#endif
