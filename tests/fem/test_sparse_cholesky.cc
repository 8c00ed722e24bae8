// SPDX-License-Identifier: LGPL-2.1-or-later
// SparseCholesky (fem internal): the two-thread triangular solves against
// the matrix itself (residual), on a reducible matrix like the skin block's
// (frozen DoFs are isolated identity rows).
#include "once_task.h"
#include "sparse_cholesky.h"

#include <Epetra_CrsMatrix.h>
#include <Epetra_Map.h>
#include <Epetra_SerialComm.h>
#include <Epetra_Vector.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <future>
#include <random>
#include <stdexcept>

namespace
{
  using dermatwin::fem::internal::CholeskyAnalysis;
  using dermatwin::fem::internal::geometric_nested_dissection;
  using dermatwin::fem::internal::LowerTriangle;
  using dermatwin::fem::internal::OnceTask;
  using dermatwin::fem::internal::SparseCholesky;

  /// 5-point Laplacian on an nx x ny grid times @p scale plus @p shift on the
  /// diagonal; every @p frozen_every-th unknown is an isolated identity row.
  /// A negative @p shift large enough makes it indefinite.
  Epetra_CrsMatrix grid_matrix(const Epetra_Map &map, const int nx, const int ny, const double scale,
                               const double shift, const int frozen_every)
  {
    Epetra_CrsMatrix A(Copy, map, 5);
    auto             frozen = [&](const int i) { return i % frozen_every == 0; };
    for (int y = 0; y < ny; ++y)
      for (int x = 0; x < nx; ++x)
        {
          const int i = y * nx + x;
          if (frozen(i))
            {
              double one = 1.;
              A.InsertGlobalValues(i, 1, &one, const_cast<int *>(&i));
              continue;
            }
          double diagonal = 4 * scale + shift;
          A.InsertGlobalValues(i, 1, &diagonal, const_cast<int *>(&i));
          for (const auto &[dx, dy] : {std::pair{-1, 0}, {1, 0}, {0, -1}, {0, 1}})
            if (x + dx >= 0 && x + dx < nx && y + dy >= 0 && y + dy < ny)
              {
                int j = (y + dy) * nx + x + dx;
                if (frozen(j))
                  continue;
                double off = -scale;
                A.InsertGlobalValues(i, 1, &off, &j);
              }
        }
    A.FillComplete();
    return A;
  }

  double relative_residual(const Epetra_CrsMatrix &A, const Epetra_Vector &x, const Epetra_Vector &b)
  {
    Epetra_Vector r(b.Map());
    A.Multiply(false, x, r);
    r.Update(-1., b, 1.);
    double rn = 0, bn = 0;
    r.Norm2(&rn);
    b.Norm2(&bn);
    return rn / bn;
  }
} // namespace

TEST(SparseCholesky, SolvesLargeReducibleGridMatrixToRoundOff)
{
  // 200 x 150 grid: a factor well above the size where the solves go to two threads.
  const int          nx = 200, ny = 150;
  Epetra_SerialComm  comm;
  const Epetra_Map   map(nx * ny, 0, comm);
  const auto         A = grid_matrix(map, nx, ny, 1., 1e-3, 97);
  const LowerTriangle  lower(A);
  const CholeskyAnalysis analysis(lower);
  const SparseCholesky factor(lower, analysis);
  std::mt19937         random(7);
  std::uniform_real_distribution<double> uniform(-1., 1.);
  Epetra_Vector        b(map), x(map);
  for (int i = 0; i < map.NumMyElements(); ++i)
    b[i] = uniform(random);
  factor.solve(b, x);
  EXPECT_LT(relative_residual(A, x, b), 1e-10);
  // Frozen rows: x = b there.
  EXPECT_DOUBLE_EQ(x[97], b[97]);

  // Same pattern, other values: the reused analysis gives the other solution.
  const auto           B = grid_matrix(map, nx, ny, 0.25, 2., 97);
  const SparseCholesky other(LowerTriangle(B), analysis);
  Epetra_Vector        y(map);
  other.solve(b, y);
  EXPECT_LT(relative_residual(B, y, b), 1e-12);
  // Factorised on two threads (the two groups of rows concurrently): the
  // same arithmetic, the same bits.
  const SparseCholesky parallel(lower, analysis, /*two_threads*/ true);
  Epetra_Vector        z(map);
  parallel.solve(b, z);
  for (int i = 0; i < map.NumMyElements(); ++i)
    ASSERT_EQ(z[i], x[i]);
  EXPECT_THROW(SparseCholesky(LowerTriangle(grid_matrix(map, nx, ny, 1., -6., 97)), analysis, true),
               std::runtime_error);
  // Repeated solves reuse the work arrays: same bits again.
  Epetra_Vector again(map);
  factor.solve(b, again);
  for (int i = 0; i < map.NumMyElements(); ++i)
    ASSERT_EQ(again[i], x[i]);
}

TEST(SparseCholesky, SmallMatrixAndIndefiniteMatrix)
{
  Epetra_SerialComm comm;
  const Epetra_Map  map(12, 0, comm);
  const auto        A = grid_matrix(map, 4, 3, 2., 0.5, 5);
  Epetra_Vector     b(map), x(map);
  for (int i = 0; i < 12; ++i)
    b[i] = 1. + i;
  const LowerTriangle    lower(A);
  const CholeskyAnalysis analysis(lower);
  SparseCholesky(lower, analysis).solve(b, x);
  EXPECT_LT(relative_residual(A, x, b), 1e-14);
  EXPECT_THROW(SparseCholesky(LowerTriangle(grid_matrix(map, 4, 3, 1., -6., 5)), analysis), std::runtime_error);
}

TEST(SparseCholesky, AnalysisFromThePatternAloneAndPatternCheck)
{
  // The analysis of the graph (values not yet assembled) serves the matrix;
  // geometric nested dissection on the grid points gives the same solution
  // to round-off; a matrix of another pattern is refused.
  const int         nx = 60, ny = 40;
  Epetra_SerialComm comm;
  const Epetra_Map  map(nx * ny, 0, comm);
  const auto        A = grid_matrix(map, nx, ny, 1., 1e-2, 1000000);
  std::vector<std::array<double, 2>> points(nx * ny);
  for (int i = 0; i < nx * ny; ++i)
    points[i] = {{double(i % nx), double(i / nx)}};
  const CholeskyAnalysis from_pattern(LowerTriangle(A.Graph()), points);
  const LowerTriangle    lower(A);
  const CholeskyAnalysis from_matrix(lower);
  EXPECT_TRUE(from_pattern.analysed(lower));
  EXPECT_GT(from_pattern.factor_entries(), 0.);
  // Nested dissection on a 60 x 40 grid: far less fill than the band (n * nx).
  EXPECT_LT(from_pattern.factor_entries(), 0.5 * nx * ny * nx);
  Epetra_Vector b(map), x(map), y(map);
  for (int i = 0; i < nx * ny; ++i)
    b[i] = std::sin(0.1 * i);
  SparseCholesky(lower, from_pattern).solve(b, x);
  SparseCholesky(lower, from_matrix).solve(b, y);
  EXPECT_LT(relative_residual(A, x, b), 1e-12);
  for (int i = 0; i < nx * ny; ++i)
    ASSERT_NEAR(x[i], y[i], 1e-10 * std::abs(y[i]) + 1e-14);
  // Every 7th unknown isolated: another pattern.
  const auto other = grid_matrix(map, nx, ny, 1., 1e-2, 7);
  EXPECT_FALSE(from_pattern.analysed(LowerTriangle(other)));
  EXPECT_THROW(SparseCholesky(LowerTriangle(other), from_pattern), std::logic_error);
}

TEST(SparseCholesky, OnceTaskRunsOnceOnWhicheverThreadClaimsIt)
{
  std::atomic<int> runs{0};
  auto             make = [&] {
    return std::make_shared<OnceTask<int>>([&] {
      ++runs;
      return std::make_shared<int>(42);
    });
  };
  // Claimed by a worker, then asked for: one run, the same result.
  auto task   = make();
  auto worker = std::async(std::launch::async, [&] { task->try_run(); });
  EXPECT_EQ(*task->get(), 42);
  worker.wait();
  EXPECT_FALSE(task->try_run());
  EXPECT_EQ(runs, 1);
  // Never claimed: get() runs it.
  EXPECT_EQ(*make()->get(), 42);
  EXPECT_EQ(runs, 2);
  // A throwing task: the exception reaches get().
  OnceTask<int> failing([]() -> std::shared_ptr<int> { throw std::runtime_error("no"); });
  EXPECT_TRUE(failing.try_run());
  EXPECT_THROW(failing.get(), std::runtime_error);
}

TEST(SparseCholesky, GeometricNestedDissectionIsAPermutationWithLittleFill)
{
  // 9-point couplings (as Q1 elements) on a 120 x 80 grid with unequal
  // spacing in x and y: the geometric ordering is a permutation, the
  // factorisation with it solves to round-off, and its fill is within 10 %
  // of CHOLMOD's METIS-based ordering.
  const int         nx = 120, ny = 80;
  Epetra_SerialComm comm;
  const Epetra_Map  map(nx * ny, 0, comm);
  Epetra_CrsMatrix  A(Copy, map, 9);
  std::vector<std::array<double, 2>> points(nx * ny);
  for (int y = 0; y < ny; ++y)
    for (int x = 0; x < nx; ++x)
      {
        int i     = y * nx + x;
        points[i] = {{0.3 * x, 0.01 * y * y}};
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx)
            if (x + dx >= 0 && x + dx < nx && y + dy >= 0 && y + dy < ny)
              {
                int    j = (y + dy) * nx + x + dx;
                double a = i == j ? 8.01 : -1.;
                A.InsertGlobalValues(i, 1, &a, &j);
              }
      }
  A.FillComplete();
  const LowerTriangle lower(A);
  std::vector<int>    perm = geometric_nested_dissection(lower, points);
  ASSERT_EQ(perm.size(), points.size());
  std::vector<int> sorted(perm);
  std::sort(sorted.begin(), sorted.end());
  for (int i = 0; i < nx * ny; ++i)
    ASSERT_EQ(sorted[i], i);

  const CholeskyAnalysis geometric(lower, points), metis(lower);
  EXPECT_LT(geometric.factor_entries(), 1.1 * metis.factor_entries());
  EXPECT_GT(geometric.factor_entries(), 0.5 * metis.factor_entries());
  Epetra_Vector b(map), x(map);
  for (int i = 0; i < nx * ny; ++i)
    b[i] = std::sin(0.01 * i);
  SparseCholesky(lower, geometric).solve(b, x);
  EXPECT_LT(relative_residual(A, x, b), 1e-12);
}
