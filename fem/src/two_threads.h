// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_two_threads_h
#define dermatwin_fem_two_threads_h

#include <cstddef>
#include <thread>

namespace dermatwin::fem::internal
{
  /// Whether memory-bound work over @p entries matrix entries pays to split
  /// over two threads: a thread start costs tens of microseconds, so only
  /// large matrices, and only with a second core.
  inline bool two_threads_pay(const std::size_t entries)
  {
    return entries > 200000 && std::thread::hardware_concurrency() > 1;
  }

  /// task(0) on this thread and task(1) on another at once, or with
  /// @p two_threads false both here, 0 then 1. The caller's arithmetic must
  /// not depend on which.
  template <typename Task>
  void run_in_two_parts(const bool two_threads, const Task &task)
  {
    if (two_threads)
      {
        std::thread other(task, 1);
        task(0);
        other.join();
      }
    else
      task(0), task(1);
  }
} // namespace dermatwin::fem::internal

#endif
