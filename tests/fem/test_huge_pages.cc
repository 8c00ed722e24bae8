// SPDX-License-Identifier: LGPL-2.1-or-later
// The huge-page allocator CHOLMOD uses (fem internal): freed huge blocks
// are reused for the same size, calloc zeroes a reused block, realloc keeps
// the contents across small/huge boundaries, and releasing the kept blocks
// leaves the allocator working.
#include "huge_pages.h"

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace
{
  using namespace dermatwin::fem::internal;

  constexpr std::size_t mib = std::size_t(1) << 20;

  void fill(void *p, const std::size_t bytes, const unsigned seed)
  {
    auto *c = static_cast<unsigned char *>(p);
    for (std::size_t i = 0; i < bytes; ++i)
      c[i] = static_cast<unsigned char>((i * 131 + seed) & 0xff);
  }

  bool holds(const void *p, const std::size_t bytes, const unsigned seed)
  {
    const auto *c = static_cast<const unsigned char *>(p);
    for (std::size_t i = 0; i < bytes; ++i)
      if (c[i] != static_cast<unsigned char>((i * 131 + seed) & 0xff))
        return false;
    return true;
  }
} // namespace

TEST(HugePages, BlocksAreAlignedAndFreedOnesAreReusedForTheSameSize)
{
  release_retained_huge_pages();
  void *a = huge_page_malloc(5 * mib + 17);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % (2 * mib), 0u);
  fill(a, 5 * mib + 17, 1);
  huge_page_free(a);
  // Same rounded size (6 MiB): the kept block comes back.
  void *b = huge_page_malloc(5 * mib + 1000);
  EXPECT_EQ(b, a);
  // A different size does not take it.
  void *c = huge_page_malloc(9 * mib);
  ASSERT_NE(c, nullptr);
  EXPECT_NE(c, b);
  huge_page_free(b);
  huge_page_free(c);
  // calloc of a reused block is zero everywhere.
  auto *z = static_cast<unsigned char *>(huge_page_calloc(6, mib));
  ASSERT_NE(z, nullptr);
  EXPECT_EQ(static_cast<void *>(z), a);
  std::size_t nonzero = 0;
  for (std::size_t i = 0; i < 6 * mib; ++i)
    nonzero += z[i] != 0;
  EXPECT_EQ(nonzero, 0u);
  huge_page_free(z);
  release_retained_huge_pages();
  void *d = huge_page_malloc(3 * mib);
  ASSERT_NE(d, nullptr);
  huge_page_free(d);
  release_retained_huge_pages();
}

TEST(HugePages, ReallocKeepsContentsAcrossSmallAndHugeBlocks)
{
  const std::size_t small = 1000, huge = 3 * mib, huger = 7 * mib;
  void             *p     = huge_page_malloc(small);
  ASSERT_NE(p, nullptr);
  fill(p, small, 7);
  p = huge_page_realloc(p, huge); // small -> huge
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(holds(p, small, 7));
  fill(p, huge, 9);
  p = huge_page_realloc(p, huger); // huge -> larger huge
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(holds(p, huge, 9));
  p = huge_page_realloc(p, small); // huge -> small
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(holds(p, small, 9));
  huge_page_free(p);
  EXPECT_EQ(huge_page_calloc(std::size_t(-1) / 2, 4), nullptr); // overflow refused
  huge_page_free(nullptr);
  release_retained_huge_pages();
}
