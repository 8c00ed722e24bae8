// SPDX-License-Identifier: LGPL-2.1-or-later
// A computation that runs once on whichever thread claims it first
// (internal to fem).
#ifndef dermatwin_fem_once_task_h
#define dermatwin_fem_once_task_h

#include <atomic>
#include <chrono>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <utility>

namespace dermatwin::fem::internal
{
  /**
   * A computation run once, by whichever thread claims it first: a worker
   * thread working ahead (try_run), or the thread that needs the result
   * (get), which then does not wait for the worker to reach it. The
   * computation may be told whether it runs on demand (from get(): the
   * caller waits for it, so it may use more threads). Exceptions reach get().
   */
  template <typename T>
  class OnceTask
  {
  public:
    explicit OnceTask(std::function<std::shared_ptr<T>()> task)
      : OnceTask(std::function<std::shared_ptr<T>(bool)>([task = std::move(task)](bool) { return task(); }))
    {}

    /// @p task receives true when run on demand.
    explicit OnceTask(std::function<std::shared_ptr<T>(bool)> task)
      : task_(std::move(task))
      , result_(promise_.get_future().share())
    {}

    /// Run it here unless another thread has claimed it; true if run here.
    bool try_run(const bool on_demand = false)
    {
      if (claimed_.exchange(true))
        return false;
      try
        {
          promise_.set_value(task_(on_demand));
        }
      catch (...)
        {
          promise_.set_exception(std::current_exception());
        }
      task_ = nullptr;
      return true;
    }

    /// Claimed, but not finished yet.
    bool running() const
    {
      return claimed_ && result_.wait_for(std::chrono::seconds(0)) != std::future_status::ready;
    }

    const std::shared_ptr<T> &get()
    {
      try_run(true);
      return result_.get();
    }

  private:
    std::function<std::shared_ptr<T>(bool)>  task_;
    std::promise<std::shared_ptr<T>>         promise_;
    std::shared_future<std::shared_ptr<T>>   result_;
    std::atomic<bool>                        claimed_{false};
  };
} // namespace dermatwin::fem::internal

#endif
