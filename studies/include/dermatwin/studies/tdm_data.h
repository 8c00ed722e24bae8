// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_tdm_data_h
#define dermatwin_studies_tdm_data_h

/**
 * @file
 * Therapeutic drug monitoring (TDM) data: measured plasma levels of one
 * person in a NONMEM-style table, as used by `dermatwin calibrate`.
 *
 * Format (docs/study-methods/calibrate.md):
 *  - the first line that is neither blank nor a comment (`#` ...) is the
 *    header; columns are separated by commas, or by blanks/tabs when the
 *    header has no comma (NONMEM's own layout); names are case-insensitive;
 *  - TIME [h since the first application of the study] and DV [plasma
 *    concentration, ng/mL] are required;
 *  - MDV (0/1, optional): rows with MDV = 1 are not observations and are
 *    skipped (their DV may be `.` or empty);
 *  - EVID (optional): rows with EVID != 0 (dose and other events) are skipped;
 *    the dosing is the study's;
 *  - ID (optional): one person per calibration. A file with several IDs is an
 *    error unless one ID is selected (study key `study.id`);
 *  - other columns (AMT, CMT, BLQ, ...) are ignored;
 *  - DV of an observation must be > 0: below-quantification samples must be
 *    flagged MDV = 1 (NONMEM's M1 method: they are discarded);
 *  - CRLF line ends and a UTF-8 byte order mark are accepted.
 * Problems throw StudyError(file, line, "COLUMN (column k)", message).
 */

#include <string>
#include <vector>

namespace dermatwin::studies
{
  /// One measured plasma level.
  struct TdmSample
  {
    double       time_h                  = 0;
    double       concentration_ng_per_mL = 0;
    unsigned int line                    = 0; ///< line in the file (1-based), for messages
  };

  struct TdmData
  {
    std::string            file;
    std::string            id;      ///< the ID read (empty without an ID column)
    std::vector<TdmSample> samples; ///< observations, sorted by time (stable)
  };

  /// Reads TDM text (@p file is only used in messages). With a non-empty
  /// @p select_id only rows of that ID are kept.
  TdmData parse_tdm_csv(const std::string &text, const std::string &file,
                        const std::string &select_id = "");

  /// Reads a TDM file; throws StudyError(file, 1, "(file)") if it cannot be opened.
  TdmData read_tdm_csv(const std::string &file, const std::string &select_id = "");
} // namespace dermatwin::studies

#endif
