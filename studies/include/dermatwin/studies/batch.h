// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_batch_h
#define dermatwin_studies_batch_h

#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <atomic>
#include <functional>
#include <string>
#include <vector>

namespace dermatwin::studies
{
  /// One evaluation of a base study under `--set`-style overrides.
  using Overrides = std::vector<std::string>;

  /// Called from the coordinating thread with (done, total); return false to
  /// cancel (run_batch then throws std::runtime_error("cancelled")).
  using BatchProgress = std::function<bool(std::size_t done, std::size_t total)>;

  /**
   * Runs the study once per override list, on @p n_threads threads, and
   * returns the results in input order (so the output does not depend on the
   * thread count). Each evaluation re-reads only the study text, never the
   * library (which is shared, read-only). A StudyError in any evaluation
   * (e.g. an override out of range) is rethrown.
   */
  std::vector<Result> run_batch(const Study &base, const std::vector<Overrides> &evaluations,
                                unsigned int n_threads, const BatchProgress &progress = {});

  /// Threads to use: DERMATWIN_THREADS if set, else the hardware concurrency.
  unsigned int default_thread_count();

  /// A named summary metric of a result ("cmax_ng_per_mL", "delivered_ug", ...);
  /// NaN when undefined. Throws std::invalid_argument for an unknown name.
  double summary_metric(const Result &result, const std::string &name);
  /// The @p p-th percentile (0..100) of the finite values, linear
  /// interpolation between order statistics; NaN if none is finite.
  double percentile(std::vector<double> values, double p);

  /// The names summary_metric() knows.
  const std::vector<std::string> &summary_metric_names();
} // namespace dermatwin::studies

#endif
