// SPDX-License-Identifier: LGPL-2.1-or-later
// The skin block's CSR shortcuts on one rank (fem internal):
// - the direct scatter of cell matrices into CSR rows: bit for bit what
//   deal.II's TrilinosWrappers::SparseMatrix::add and
//   AffineConstraints::distribute_local_to_global give, on random cell
//   matrices with Dirichlet and frozen DoFs, zero diagonals and a zero matrix;
// - the two-thread product y = A x: bit for bit Epetra's Multiply.
#include <dermatwin/fem/skin_block.h>

#include "cell_matrix_scatter.h"
#include "csr_product.h"

#include <deal.II/dofs/dof_handler.h>
#include <deal.II/dofs/dof_tools.h>
#include <deal.II/fe/fe_q.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/tria.h>
#include <deal.II/lac/affine_constraints.h>
#include <deal.II/lac/trilinos_sparsity_pattern.h>

#include <Epetra_CrsMatrix.h>
#include <Epetra_Map.h>
#include <Epetra_SerialComm.h>
#include <Epetra_Vector.h>
#include <gtest/gtest.h>

#include <random>

namespace
{
  using namespace dealii;
  using dermatwin::fem::internal::CellMatrixScatter;
  using dermatwin::fem::internal::CsrProduct;

  /// Every stored entry of A and B equal, bit for bit.
  void expect_identical(const TrilinosWrappers::SparseMatrix &A, const TrilinosWrappers::SparseMatrix &B)
  {
    ASSERT_EQ(A.trilinos_matrix().NumMyRows(), B.trilinos_matrix().NumMyRows());
    unsigned int nonzero = 0;
    for (int row = 0; row < A.trilinos_matrix().NumMyRows(); ++row)
      {
        int     na = 0, nb = 0;
        double *a = nullptr, *b = nullptr;
        int    *ia = nullptr, *ib = nullptr;
        A.trilinos_matrix().ExtractMyRowView(row, na, a, ia);
        B.trilinos_matrix().ExtractMyRowView(row, nb, b, ib);
        ASSERT_EQ(na, nb);
        for (int e = 0; e < na; ++e)
          {
            ASSERT_EQ(ia[e], ib[e]);
            ASSERT_EQ(a[e], b[e]) << "row " << row << ", column " << ia[e];
            nonzero += a[e] != 0.;
          }
      }
    EXPECT_GT(nonzero, 0u);
  }
} // namespace

TEST(CellMatrixScatter, GivesTheDealIIAssemblyBitForBit)
{
  dermatwin::fem::ensure_mpi_initialized();
  Triangulation<2> triangulation;
  GridGenerator::subdivided_hyper_rectangle(triangulation, {7, 5}, Point<2>(0, 0), Point<2>(2, 1), true);
  const FE_Q<2> fe(2);
  DoFHandler<2> dof_handler(triangulation);
  dof_handler.distribute_dofs(fe);
  const unsigned int n_dofs = dof_handler.n_dofs();

  // Homogeneous lines: the DoFs of boundary 2 (Dirichlet) and every fifth DoF (frozen).
  AffineConstraints<double> constraints;
  const IndexSet            dirichlet = DoFTools::extract_boundary_dofs(dof_handler, ComponentMask(), {2});
  for (unsigned int i = 0; i < n_dofs; ++i)
    if (dirichlet.is_element(i) || i % 5 == 0)
      constraints.add_line(i);
  constraints.close();
  std::vector<bool> constrained(n_dofs);
  for (unsigned int i = 0; i < n_dofs; ++i)
    constrained[i] = constraints.is_constrained(i);

  const IndexSet                   all = complete_index_set(n_dofs);
  TrilinosWrappers::SparsityPattern pattern(all, all, all, MPI_COMM_SELF);
  DoFTools::make_sparsity_pattern(dof_handler, pattern);
  pattern.compress();
  TrilinosWrappers::SparseMatrix plain_reference, condensed_reference, plain, condensed;
  for (auto *m : {&plain_reference, &condensed_reference, &plain, &condensed})
    m->reinit(pattern);
  ASSERT_TRUE(CellMatrixScatter::applicable({&plain, &condensed}));
  CellMatrixScatter scatter({&plain, &condensed});

  std::mt19937                           random(7);
  std::uniform_real_distribution<double> value(-1., 1.);
  const unsigned int                     n = fe.n_dofs_per_cell();
  FullMatrix<double>                     local(n, n);
  std::vector<types::global_dof_index>   dofs(n);
  unsigned int                           c = 0;
  for (const auto &cell : dof_handler.active_cell_iterators())
    {
      cell->get_dof_indices(dofs);
      for (unsigned int i = 0; i < n; ++i)
        for (unsigned int j = 0; j < n; ++j)
          local(i, j) = value(random);
      if (c % 3 == 1) // zero diagonals: the cell's mean |diagonal| goes to constrained rows
        for (unsigned int i = 0; i < n; i += 2)
          local(i, i) = 0.;
      if (c % 7 == 3) // no diagonal at all: its l1 norm / n
        for (unsigned int i = 0; i < n; ++i)
          local(i, i) = 0.;
      if (c == 5) // a zero matrix: 1
        local = 0.;
      ++c;
      plain_reference.add(dofs, local);
      constraints.distribute_local_to_global(local, dofs, condensed_reference);
      scatter.locate(dofs);
      scatter.add(0, local);
      scatter.add_constrained(1, local, constrained);
    }
  for (auto *m : {&plain_reference, &condensed_reference, &plain, &condensed})
    m->compress(VectorOperation::add);
  expect_identical(plain, plain_reference);
  expect_identical(condensed, condensed_reference);
  // The condensed matrix really has constrained rows.
  EXPECT_EQ(condensed.el(0, 1), 0.);
  EXPECT_GT(condensed.el(0, 0), 0.);
}

TEST(CellMatrixScatter, RefusesMatricesWithDifferentPatterns)
{
  dermatwin::fem::ensure_mpi_initialized();
  const IndexSet                    all = complete_index_set(4);
  TrilinosWrappers::SparsityPattern tridiagonal(all, all, all, MPI_COMM_SELF), diagonal(all, all, all, MPI_COMM_SELF);
  for (unsigned int i = 0; i < 4; ++i)
    {
      diagonal.add(i, i);
      for (unsigned int j = (i > 0 ? i - 1 : 0); j <= std::min(i + 1, 3u); ++j)
        tridiagonal.add(i, j);
    }
  tridiagonal.compress();
  diagonal.compress();
  TrilinosWrappers::SparseMatrix a, b;
  a.reinit(tridiagonal);
  b.reinit(diagonal);
  EXPECT_TRUE(CellMatrixScatter::applicable({&a}));
  EXPECT_FALSE(CellMatrixScatter::applicable({&a, &b}));
  EXPECT_THROW(CellMatrixScatter({&a, &b}), std::logic_error);
  // A cell coupling DoFs the pattern lacks.
  CellMatrixScatter scatter({&b});
  EXPECT_THROW(scatter.locate({0, 1}), std::logic_error);
}

TEST(CsrProduct, IsEpetrasProductBitForBitOnOneAndTwoThreads)
{
  // Random sparse rows (a few hundred thousand entries, so two threads
  // share the rows) in Epetra's contiguous storage.
  Epetra_SerialComm                      comm;
  for (const int n : {500, 40000})
    {
      const Epetra_Map                       map(n, 0, comm);
      Epetra_CrsMatrix                       A(Copy, map, 9);
      std::mt19937                           random(3);
      std::uniform_real_distribution<double> value(-1., 1.);
      std::uniform_int_distribution<int>     column(0, n - 1);
      for (int i = 0; i < n; ++i)
        {
          std::vector<int> columns{i};
          for (int k = 0; k < 8; ++k)
            columns.push_back(column(random));
          std::sort(columns.begin(), columns.end());
          columns.erase(std::unique(columns.begin(), columns.end()), columns.end());
          std::vector<double> values;
          for (std::size_t k = 0; k < columns.size(); ++k)
            values.push_back(value(random));
          A.InsertGlobalValues(i, int(columns.size()), values.data(), columns.data());
        }
      A.FillComplete();
      A.OptimizeStorage();
      ASSERT_TRUE(CsrProduct::applicable(A));
      Epetra_Vector x(map), epetra(map), ours(map);
      for (int i = 0; i < n; ++i)
        x[i] = value(random);
      A.Multiply(false, x, epetra);
      CsrProduct(A).multiply(x, ours);
      for (int i = 0; i < n; ++i)
        ASSERT_EQ(ours[i], epetra[i]) << "row " << i << " of " << n;
      EXPECT_THROW(CsrProduct(A).multiply(x, x), std::logic_error);
    }
}
