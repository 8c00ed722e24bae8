// SPDX-License-Identifier: LGPL-2.1-or-later
// Large arrays on transparent huge pages (internal to fem).
#ifndef dermatwin_fem_huge_pages_h
#define dermatwin_fem_huge_pages_h

#include <cstddef>

namespace dermatwin::fem::internal
{
  /**
   * malloc, calloc, realloc and free that put blocks of 2 MiB or more on
   * 2 MiB boundaries and ask the kernel for transparent huge pages there
   * (madvise MADV_HUGEPAGE; Debian enables them only where asked). A sparse
   * factor of the axisymmetric block is tens of MiB, written once and then
   * read by every time step: with 4 KiB pages its first touch was a page
   * fault per 4 KiB (15 % of a 100k-DOF run on the reference VM) and its
   * reads missed the TLB. Smaller blocks come from malloc.
   *
   * Freed huge blocks are kept mapped (up to 1 GiB in all) and handed out
   * again for a block of the same size: every factorisation of one
   * sparsity pattern allocates the same sizes, and on the reference VM
   * the kernel zeroes fresh memory at only about 0.5 GB/s (a run of six
   * factorisations at 110k DOFs faulted in 508 MiB, a quarter of its CPU
   * time). release_retained_huge_pages() gives the kept blocks back.
   * Thread safe. Where huge pages are disabled the advice is ignored.
   */
  void *huge_page_malloc(std::size_t bytes) noexcept;
  void *huge_page_calloc(std::size_t count, std::size_t size) noexcept;
  void *huge_page_realloc(void *p, std::size_t bytes) noexcept;
  void  huge_page_free(void *p) noexcept;
  void  release_retained_huge_pages() noexcept;

  /// Makes CHOLMOD (SuiteSparse_config) allocate and free with the
  /// functions above; once per process, before the first CHOLMOD call.
  void use_huge_pages_in_cholmod();
} // namespace dermatwin::fem::internal

#endif
