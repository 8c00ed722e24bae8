// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/studies/batch.h>
#include <dermatwin/studies/checkpoint.h>

#include <deal.II/base/multithread_info.h>

#include "yaml_reader.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>

namespace dermatwin::studies
{
  unsigned int default_thread_count()
  {
    if (const char *env = std::getenv("DERMATWIN_THREADS"))
      {
        const int n = std::atoi(env);
        if (n > 0)
          return n;
      }
    return std::max(1u, std::thread::hardware_concurrency());
  }

  namespace
  {
    /// The study's result from the open checkpoint, else computed (and recorded).
    Result evaluate_with_checkpoint(const Study &study)
    {
      BatchCheckpoint *checkpoint = BatchCheckpoint::active();
      if (checkpoint)
        if (std::optional<Result> done = checkpoint->find(study))
          return *done;
      Result result = run_scenario(plan_scenario(study, ResolvedText::skip));
      if (checkpoint)
        checkpoint->record(study, result);
      return result;
    }
  } // namespace

  namespace
  {
    /// While a batch of 1D runs is under way, deal.II runs its internal
    /// tasks (e.g. in DoFHandler::renumber_dofs) on the calling thread: a
    /// column is set up in tens of microseconds, so waking TBB workers for
    /// it costs more than it saves, and the batch already runs one subject
    /// per core. Multi-D batches keep deal.II's threads (assembly).
    class SerialDealIITasks
    {
    public:
      explicit SerialDealIITasks(const bool active)
        : previous_(dealii::MultithreadInfo::n_threads())
        , active_(active)
      {
        if (active_)
          dealii::MultithreadInfo::set_thread_limit(1);
      }
      ~SerialDealIITasks()
      {
        if (active_)
          dealii::MultithreadInfo::set_thread_limit(previous_);
      }
      SerialDealIITasks(const SerialDealIITasks &)            = delete;
      SerialDealIITasks &operator=(const SerialDealIITasks &) = delete;

    private:
      unsigned int previous_;
      bool         active_;
    };
  } // namespace

  std::vector<Result> run_batch(const Study &base, const std::vector<Overrides> &evaluations,
                                const unsigned int n_threads, const BatchProgress &progress)
  {
    const SerialDealIITasks serial(base.simulation.geometry == "1d");
    std::vector<Result>      results(evaluations.size());
    std::atomic<std::size_t> next{0}, done{0};
    std::atomic<bool>        stop{false};
    std::exception_ptr       failure;
    std::mutex               failure_mutex;

    auto worker = [&] {
      // The study text is read once per thread (yaml-cpp trees are not
      // shared between threads); each evaluation edits a clone of it.
      std::optional<YAML::Node> tree;
      for (std::size_t i = next++; i < evaluations.size() && !stop; i = next++)
        try
          {
            if (!tree)
              tree = internal::load_study_root(base.text, base.file);
            Overrides all = base.overrides;
            all.insert(all.end(), evaluations[i].begin(), evaluations[i].end());
            const Study study = internal::study_from_root(YAML::Clone(*tree), base.text, base.file, all);
            results[i]        = evaluate_with_checkpoint(study);
            ++done;
          }
        catch (...)
          {
            std::lock_guard<std::mutex> lock(failure_mutex);
            if (!failure)
              failure = std::current_exception();
            stop = true;
          }
    };
    std::vector<std::thread> threads;
    const unsigned int       n = std::max(1u, std::min<unsigned int>(n_threads, evaluations.size()));
    for (unsigned int t = 1; t < n; ++t)
      threads.emplace_back(worker);
    // The calling thread reports progress between its own evaluations.
    std::thread reporter([&] {
      while (!stop && done < evaluations.size())
        {
          if (progress && !progress(done, evaluations.size()))
            stop = true;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
        }
    });
    worker();
    for (std::thread &t : threads)
      t.join();
    const bool cancelled = stop && !failure;
    stop = true;
    reporter.join();
    if (failure)
      std::rethrow_exception(failure);
    if (cancelled || done < evaluations.size())
      throw std::runtime_error("cancelled");
    if (progress)
      progress(done, evaluations.size());
    return results;
  }

  double percentile(std::vector<double> v, const double p)
  {
    v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return !std::isfinite(x); }), v.end());
    if (v.empty())
      return NAN;
    std::sort(v.begin(), v.end());
    const double      pos = p / 100. * (v.size() - 1);
    const std::size_t k   = std::size_t(pos);
    return k + 1 < v.size() ? v[k] + (pos - k) * (v[k + 1] - v[k]) : v.back();
  }

  const std::vector<std::string> &summary_metric_names()
  {
    static const std::vector<std::string> names = {
      "cmax_ng_per_mL", "tmax_h", "auc_0_last_ng_h_per_mL", "apparent_half_life_after_removal_h",
      "steady_state_flux_ug_per_cm2_per_h", "lag_time_h", "permeability_coefficient_cm_per_h",
      "delivered_ug", "amount_left_in_patch_ug", "amount_in_skin_at_end_ug", "cumulative_absorbed_ug",
      "mass_balance_relative_error"};
    return names;
  }

  double summary_metric(const Result &r, const std::string &name)
  {
    const Summary &s   = r.summary;
    auto           opt = [](const std::optional<double> &v) { return v ? *v : NAN; };
    if (name == "cmax_ng_per_mL") return opt(s.cmax_ng_per_mL);
    if (name == "tmax_h") return opt(s.tmax_h);
    if (name == "auc_0_last_ng_h_per_mL") return opt(s.auc_0_last_ng_h_per_mL);
    if (name == "apparent_half_life_after_removal_h") return opt(s.apparent_half_life_after_removal_h);
    if (name == "steady_state_flux_ug_per_cm2_per_h") return opt(s.steady_state_flux_ug_per_cm2_per_h);
    if (name == "lag_time_h") return opt(s.lag_time_h);
    if (name == "permeability_coefficient_cm_per_h") return opt(s.permeability_coefficient_cm_per_h);
    if (name == "delivered_ug") return s.delivered_ug;
    if (name == "amount_left_in_patch_ug") return s.amount_left_in_patch_ug;
    if (name == "amount_in_skin_at_end_ug") return s.amount_in_skin_at_end_ug;
    if (name == "cumulative_absorbed_ug") return s.cumulative_absorbed_ug;
    if (name == "mass_balance_relative_error") return s.mass_balance_relative_error;
    throw std::invalid_argument("unknown output '" + name + "'");
  }
} // namespace dermatwin::studies
