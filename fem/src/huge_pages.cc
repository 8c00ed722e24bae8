// SPDX-License-Identifier: LGPL-2.1-or-later
#include "huge_pages.h"

#include <SuiteSparse_config.h>
#include <malloc.h>
#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <unordered_map>
#include <vector>

namespace dermatwin::fem::internal
{
  namespace
  {
    constexpr std::size_t huge_page_bytes = std::size_t(2) << 20;
    /// Freed huge blocks kept for reuse, at most this much in all.
    constexpr std::size_t max_retained_bytes = std::size_t(1) << 30;

    /// The huge blocks handed out (address -> rounded size) and the freed
    /// ones kept mapped for the next allocation of the same size.
    struct Blocks
    {
      std::mutex                                    mutex;
      std::unordered_map<void *, std::size_t>       live;
      std::vector<std::pair<void *, std::size_t>>   retained;
      std::size_t                                   retained_bytes = 0;
    };

    Blocks &blocks()
    {
      static Blocks *b = new Blocks; // never destroyed: frees may come during exit
      return *b;
    }

    std::size_t rounded_size(const std::size_t bytes)
    {
      return (bytes + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
    }
  } // namespace

  void *huge_page_malloc(const std::size_t bytes) noexcept
  {
    if (bytes < huge_page_bytes)
      return std::malloc(bytes == 0 ? 1 : bytes);
    const std::size_t rounded = rounded_size(bytes);
    Blocks           &b       = blocks();
    try
      {
        const std::lock_guard<std::mutex> lock(b.mutex);
        // A kept block of exactly this size: its pages are mapped already.
        const auto kept = std::find_if(b.retained.begin(), b.retained.end(),
                                       [rounded](const auto &block) { return block.second == rounded; });
        if (kept != b.retained.end())
          {
            void *p = kept->first;
            b.retained_bytes -= rounded;
            b.retained.erase(kept);
            b.live.emplace(p, rounded);
            return p;
          }
        void *p = std::aligned_alloc(huge_page_bytes, rounded);
        if (p == nullptr)
          return nullptr;
        madvise(p, rounded, MADV_HUGEPAGE); // advice only: failure leaves 4 KiB pages
        b.live.emplace(p, rounded);
        return p;
      }
    catch (...) // bad_alloc from the bookkeeping
      {
        return nullptr;
      }
  }

  void *huge_page_calloc(const std::size_t count, const std::size_t size) noexcept
  {
    if (size != 0 && count > std::size_t(-1) / size)
      return nullptr;
    const std::size_t bytes = count * size;
    if (bytes < huge_page_bytes)
      return std::calloc(count == 0 ? 1 : count, size == 0 ? 1 : size);
    void *p = huge_page_malloc(bytes);
    if (p != nullptr)
      std::memset(p, 0, bytes);
    return p;
  }

  void huge_page_free(void *p) noexcept
  {
    if (p == nullptr)
      return;
    Blocks &b = blocks();
    {
      const std::lock_guard<std::mutex> lock(b.mutex);
      const auto                        found = b.live.find(p);
      if (found != b.live.end())
        {
          const std::size_t size = found->second;
          b.live.erase(found);
          if (b.retained_bytes + size <= max_retained_bytes)
            try
              {
                b.retained.emplace_back(p, size);
                b.retained_bytes += size;
                return;
              }
            catch (...) // no room to keep it: give it back
              {}
        }
    }
    std::free(p);
  }

  void *huge_page_realloc(void *p, const std::size_t bytes) noexcept
  {
    std::size_t old_size = 0;
    if (p != nullptr)
      {
        Blocks                           &b = blocks();
        const std::lock_guard<std::mutex> lock(b.mutex);
        if (const auto found = b.live.find(p); found != b.live.end())
          old_size = found->second;
      }
    if (old_size == 0 && bytes < huge_page_bytes)
      return std::realloc(p, bytes == 0 ? 1 : bytes);
    // Into or out of a huge block: copy (a small block's size is not known,
    // so up to what malloc reports usable).
    void *q = huge_page_malloc(bytes);
    if (q == nullptr || p == nullptr)
      return q;
    const std::size_t old_bytes = old_size != 0 ? old_size : malloc_usable_size(p);
    std::memcpy(q, p, std::min(old_bytes, bytes));
    huge_page_free(p);
    return q;
  }

  void release_retained_huge_pages() noexcept
  {
    Blocks                           &b = blocks();
    const std::lock_guard<std::mutex> lock(b.mutex);
    for (const auto &[p, size] : b.retained)
      std::free(p);
    b.retained.clear();
    b.retained_bytes = 0;
  }

  void use_huge_pages_in_cholmod()
  {
    static std::once_flag once;
    std::call_once(once, [] {
      SuiteSparse_config.malloc_func  = huge_page_malloc;
      SuiteSparse_config.calloc_func  = huge_page_calloc;
      SuiteSparse_config.realloc_func = huge_page_realloc;
      SuiteSparse_config.free_func    = huge_page_free;
    });
  }
} // namespace dermatwin::fem::internal
