// SPDX-License-Identifier: LGPL-2.1-or-later
#include "huge_pages.h"

#include <SuiteSparse_config.h>
#include <sys/mman.h>

#include <cstdlib>
#include <cstring>
#include <mutex>

namespace dermatwin::fem::internal
{
  namespace
  {
    constexpr std::size_t huge_page_bytes = std::size_t(2) << 20;
  }

  void *huge_page_malloc(const std::size_t bytes) noexcept
  {
    if (bytes < huge_page_bytes)
      return std::malloc(bytes == 0 ? 1 : bytes);
    const std::size_t rounded = (bytes + huge_page_bytes - 1) / huge_page_bytes * huge_page_bytes;
    void             *p       = std::aligned_alloc(huge_page_bytes, rounded);
    if (p != nullptr)
      madvise(p, rounded, MADV_HUGEPAGE); // advice only: failure leaves 4 KiB pages
    return p;
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
    std::free(p);
  }

  void use_huge_pages_in_cholmod()
  {
    static std::once_flag once;
    std::call_once(once, [] {
      // free and realloc stay: glibc frees and resizes aligned blocks too.
      SuiteSparse_config.malloc_func = huge_page_malloc;
      SuiteSparse_config.calloc_func = huge_page_calloc;
    });
  }
} // namespace dermatwin::fem::internal
