// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_checkpoint_h
#define dermatwin_studies_checkpoint_h

#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

namespace dermatwin::studies
{
  /**
   * Checkpoint of the batch evaluations of a study method (population,
   * sweep, ...). While a BatchCheckpoint is open, run_batch() appends every
   * finished evaluation to its file and takes evaluations already found there
   * instead of recomputing them, so a run that was interrupted (Ctrl-C,
   * SIGTERM, or killed outright) and restarted with the same command resumes
   * where it stopped and writes the same files as an uninterrupted run.
   *
   * An evaluation is keyed by the DermaTwin version, the study text and its
   * complete `--set` override list (64-bit FNV-1a hashes of both), so
   * records of another study or another build are never used. A record is
   * one line: "dermatwin-checkpoint/1 KEY CHECKSUM PAYLOAD"; every number is
   * stored as a C99 hexadecimal float, so a resumed result is bit-identical.
   * A line cut short by a kill (no newline, bad checksum) is ignored.
   * Records are written with one O_APPEND write() each, so several threads or
   * MPI ranks can share the file.
   *
   * At most one checkpoint is open per process (it is the one run_batch()
   * uses); the GUI and the tests that open none are not affected.
   */
  class BatchCheckpoint
  {
  public:
    /// Reads the records of @p file if it exists (it is created with the
    /// first record). Throws std::runtime_error if another one is open.
    explicit BatchCheckpoint(const std::string &file);
    ~BatchCheckpoint();
    BatchCheckpoint(const BatchCheckpoint &) = delete;
    BatchCheckpoint &operator=(const BatchCheckpoint &) = delete;

    /// The checkpoint open in this process, or nullptr.
    static BatchCheckpoint *active();

    /// The recorded result of @p study (text + overrides), if any.
    std::optional<Result> find(const Study &study);
    /// Appends the result of @p study (thread-safe).
    void record(const Study &study, const Result &result);
    /// Evaluations taken from the file so far.
    std::size_t resumed() const { return resumed_; }
    /// Records read from the file when it was opened.
    std::size_t records_found() const { return records_.size(); }
    const std::string &file() const { return file_; }
    /// Deletes the file (after the outputs were written).
    void remove();

  private:
    std::string                   file_;
    int                           fd_ = -1;
    std::map<std::string, Result> records_;
    std::size_t                   resumed_ = 0;
    std::mutex                    mutex_;
  };

  /// A result as one line of text (hexadecimal floats) and back; exact.
  std::string serialize_result(const Result &result);
  /// Throws std::invalid_argument on malformed text.
  Result deserialize_result(const std::string &text);
} // namespace dermatwin::studies

#endif
