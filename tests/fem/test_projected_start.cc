// SPDX-License-Identifier: LGPL-2.1-or-later
// ProjectedStart (fem internal), the CG start of the 3D skin block, against
// what defines it: the start is the S-orthogonal projection of S^{-1} b onto
// the span of the kept solutions (Galerkin condition x_i^T (b - S x0) = 0),
// exact when the answer lies in that span, never worse in the energy norm
// than an extrapolation from the same solutions or than 0, and it forgets
// the solutions beyond its window.
#include <dermatwin/fem/skin_block.h>

#include "projected_start.h"

#include <deal.II/base/index_set.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <stdexcept>
#include <vector>

namespace
{
  using dermatwin::fem::internal::ProjectedStart;
  using Vector = dealii::TrilinosWrappers::MPI::Vector;
  using Matrix = dealii::TrilinosWrappers::SparseMatrix;

  constexpr unsigned int n = 300;

  /// M + h A of linear elements on a 1D grid with a coefficient jump (as
  /// between skin layers): symmetric positive definite and stiff.
  void make_step_matrix(const dealii::IndexSet &all, Matrix &S)
  {
    dealii::TrilinosWrappers::SparsityPattern pattern(all, MPI_COMM_WORLD, 3);
    for (unsigned int i = 0; i < n; ++i)
      for (unsigned int j = (i > 0 ? i - 1 : 0); j <= std::min(i + 1, n - 1); ++j)
        pattern.add(i, j);
    pattern.compress();
    S.reinit(pattern);
    const double dx = 1. / n, h = 0.25;
    for (unsigned int e = 0; e + 1 < n; ++e)
      {
        const double D = e < n / 3 ? 1e-4 : 1.; // a slow outer layer
        const double m = dx / 6, a = h * D / dx;
        S.add(e, e, 2 * m + a), S.add(e + 1, e + 1, 2 * m + a);
        S.add(e, e + 1, m - a), S.add(e + 1, e, m - a);
      }
    S.compress(dealii::VectorOperation::add);
  }

  Vector random_vector(const dealii::IndexSet &all, std::mt19937 &random)
  {
    std::normal_distribution<double> normal;
    Vector                           v(all, MPI_COMM_WORLD);
    for (unsigned int i = 0; i < n; ++i)
      v[i] = normal(random);
    v.compress(dealii::VectorOperation::insert);
    return v;
  }

  /// S x through Epetra (SparseMatrix::vmult is a template that the clang
  /// sanitizer build cannot link against the GCC-built deal.II).
  Vector times(const Matrix &S, const Vector &x)
  {
    Vector y(x);
    if (S.trilinos_matrix().Multiply(false, x.trilinos_vector(), y.trilinos_vector()) != 0)
      throw std::runtime_error("Epetra matrix-vector product failed");
    return y;
  }

  /// ||e||_S^2 = e^T S e.
  double energy(const Matrix &S, const Vector &e)
  {
    return e * times(S, e);
  }

  class ProjectedStartTest : public ::testing::Test
  {
  protected:
    void SetUp() override
    {
      all = dealii::complete_index_set(n);
      make_step_matrix(all, S);
    }

    bool             mpi_ready = (dermatwin::fem::ensure_mpi_initialized(), true); // before S
    dealii::IndexSet all;
    Matrix           S;
    std::mt19937     random{20261204};

    /// @p count random vectors, each added to @p start as a solution.
    std::vector<Vector> add_random_solutions(ProjectedStart &start, const int count)
    {
      std::vector<Vector> x;
      for (int i = 0; i < count; ++i)
        {
          x.push_back(random_vector(all, random));
          start.add(S, x.back());
        }
      return x;
    }
  };

  TEST_F(ProjectedStartTest, IsExactWhenTheAnswerLiesInTheSpan)
  {
    ProjectedStart            start(4);
    const std::vector<Vector> x = add_random_solutions(start, 3);
    Vector answer(x[0]);
    answer.sadd(0.7, -2.5, x[2]);
    Vector x0(answer);
    start.start(times(S, answer), x0);
    x0 -= answer;
    EXPECT_LT(x0.l2_norm(), 1e-10 * answer.l2_norm());
  }

  TEST_F(ProjectedStartTest, ResidualIsOrthogonalToTheKeptSolutionsAndBeatsExtrapolation)
  {
    ProjectedStart            start(3);
    const std::vector<Vector> x = add_random_solutions(start, 5);
    ASSERT_EQ(start.size(), 3u);
    const Vector answer = random_vector(all, random), b = times(S, answer);
    Vector       x0(b);
    start.start(b, x0);
    Vector residual(b);
    residual.add(-1., times(S, x0));
    for (int i = 2; i < 5; ++i) // the kept ones
      EXPECT_LT(std::abs(x[i] * residual), 1e-10 * x[i].l2_norm() * b.l2_norm()) << "solution " << i;

    Vector error(answer), extrapolated(x[4]), extrapolation_error(answer);
    error -= x0;
    extrapolated.sadd(2., -1., x[3]);
    extrapolation_error -= extrapolated;
    EXPECT_LE(energy(S, error), energy(S, extrapolation_error));
    EXPECT_LE(energy(S, error), energy(S, answer));
  }

  TEST_F(ProjectedStartTest, ForgetsSolutionsBeyondItsWindow)
  {
    // x_old is S-orthogonal to the later ones: once dropped, S x_old projects to 0.
    ProjectedStart      start(2);
    std::vector<Vector> later{random_vector(all, random), random_vector(all, random)};
    Vector              old = random_vector(all, random);
    {
      ProjectedStart span_of_later(2);
      for (const Vector &v : later)
        span_of_later.add(S, v);
      Vector part(old);
      span_of_later.start(times(S, old), part);
      old -= part;
    }
    start.add(S, old);
    for (const Vector &v : later)
      start.add(S, v);
    Vector x0(old);
    start.start(times(S, old), x0);
    EXPECT_LT(std::sqrt(energy(S, x0)), 1e-10 * std::sqrt(energy(S, old)));
  }

  TEST_F(ProjectedStartTest, RepeatedAndZeroSolutionsKeepTheStartFinite)
  {
    ProjectedStart start(4);
    const Vector   x = random_vector(all, random);
    Vector         zero(x);
    zero = 0.;
    start.add(S, x);
    start.add(S, x);
    start.add(S, zero);
    Vector x0(x);
    start.start(times(S, x), x0);
    ASSERT_TRUE(std::isfinite(x0.l2_norm()));
    x0 -= x;
    EXPECT_LT(x0.l2_norm(), 1e-10 * x.l2_norm());

    start.clear();
    EXPECT_EQ(start.size(), 0u);
    start.start(times(S, x), x0);
    EXPECT_EQ(x0.l2_norm(), 0.);
  }
} // namespace
