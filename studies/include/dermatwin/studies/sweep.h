// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_sweep_h
#define dermatwin_studies_sweep_h

#include <dermatwin/studies/batch.h>

#include <string>
#include <vector>

namespace dermatwin::studies
{
  /**
   * A one- or two-parameter sweep over any study keys (study block
   * `study: {type: sweep, parameters: [...], outputs: [...]}`), each parameter
   * either a list of values or a range {from, to, steps[, log]}. Two
   * parameters give their full grid.
   */
  struct SweepParameter
  {
    std::string              key;    ///< study key path, as for --set
    std::vector<std::string> values; ///< YAML scalars, as for --set
  };

  struct SweepSpec
  {
    std::vector<SweepParameter> parameters;
    std::vector<std::string>    outputs; ///< summary metric names
  };

  /// Reads and checks the study block (throws StudyError naming file, line, key).
  SweepSpec parse_sweep(const Study &study);

  struct SweepTable
  {
    std::vector<std::string>              columns;
    std::vector<std::vector<std::string>> rows;
  };

  /// Runs every grid point (in parallel) and tabulates parameters and outputs.
  SweepTable run_sweep(const Study &study, const SweepSpec &spec, unsigned int n_threads,
                       const BatchProgress &progress = {});

  std::string to_csv(const SweepTable &table);
} // namespace dermatwin::studies

#endif
