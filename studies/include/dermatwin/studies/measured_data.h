// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_measured_data_h
#define dermatwin_studies_measured_data_h

/**
 * @file
 * Measured data tables (CSV) for fits and calibrations: IVPT cumulative
 * permeation, plasma levels (TIME/DV), ...
 *
 * Format: comma-separated text; the first non-comment, non-blank line is the
 * header with the column names; every following line is one observation.
 * - Lines whose first non-blank character is '#' are comments; blank lines are
 *   skipped. CRLF line ends and a UTF-8 byte-order mark are accepted.
 * - Names and cells are trimmed of blanks and of one pair of enclosing double
 *   quotes. Column order is free; every column name may appear once.
 * - Cells of the requested columns must be finite numbers within the column's
 *   range (units are in the column names, e.g. time_h). Columns that are not
 *   requested are an error unless the caller allows them (they are then not read).
 * - Every row has as many cells as the header.
 * Problems throw StudyError(file, line, column name, "column N: ... (allowed: ...)").
 */

#include <dermatwin/studies/study.h>

#include <limits>
#include <string>
#include <vector>

namespace dermatwin::studies
{
  /// One column the caller wants, with its allowed range [min, max].
  struct MeasuredColumn
  {
    std::string name;
    bool        required = true;
    double      min      = -std::numeric_limits<double>::max();
    double      max      = std::numeric_limits<double>::max();
    /// An empty cell is read as NaN instead of being an error.
    bool may_be_empty = false;
  };

  /// The requested columns of a measured CSV, row by row.
  struct MeasuredTable
  {
    std::string         file;
    std::vector<int>    line; ///< file line (1-based) of each row
    std::vector<std::string>         names;  ///< the requested columns present, in request order
    std::vector<std::vector<double>> values; ///< values[c][row], same order as names

    std::size_t n_rows() const { return line.size(); }
    bool        has(const std::string &name) const;
    /// The values of a present column; throws std::out_of_range otherwise.
    const std::vector<double> &column(const std::string &name) const;
  };

  /**
   * Reads @p text (the contents of @p file, which is only used in messages).
   * Throws StudyError for an empty table, a missing required column, a
   * duplicate or unknown column (unless @p allow_other_columns), a row with the
   * wrong number of cells, a non-number, a non-finite or out-of-range value.
   */
  MeasuredTable parse_measured_csv(const std::string &text, const std::string &file,
                                   const std::vector<MeasuredColumn> &columns,
                                   bool allow_other_columns = false);

  /// The same from a file (StudyError if it cannot be opened).
  MeasuredTable read_measured_csv(const std::string &file, const std::vector<MeasuredColumn> &columns,
                                  bool allow_other_columns = false);
} // namespace dermatwin::studies

#endif
