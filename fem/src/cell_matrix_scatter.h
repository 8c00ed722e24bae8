// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_cell_matrix_scatter_h
#define dermatwin_fem_cell_matrix_scatter_h

#include <deal.II/base/types.h>
#include <deal.II/lac/full_matrix.h>
#include <deal.II/lac/trilinos_sparse_matrix.h>

#include <optional>
#include <vector>

namespace dermatwin::fem::internal
{
  /**
   * Adds cell matrices into Trilinos matrices that share one sparsity
   * pattern and live on one rank, straight into their CSR rows.
   *
   * Epetra's SumIntoGlobalValues, under TrilinosWrappers::SparseMatrix::add
   * and AffineConstraints::distribute_local_to_global, looks up every entry
   * through the row and column maps, once per matrix: most of an assembly's
   * time for the three matrices of a skin block (81 entries per Q2 cell).
   * Here a cell's entries are located once (binary search in the sorted
   * column indices of each of its rows) and every matrix adds at the same
   * positions. The sums are the same, in the same order, so the assembled
   * matrices are bit for bit those of the deal.II calls.
   *
   * Usage per cell: locate(dofs), then add() or add_constrained() for each
   * matrix. The matrices must keep their pattern while the scatter is used.
   */
  class CellMatrixScatter
  {
  public:
    /// Whether the scatter can serve @p matrices: one rank, one pattern, rows
    /// 0..n-1 with sorted column indices.
    static bool applicable(const std::vector<const dealii::TrilinosWrappers::SparseMatrix *> &matrices);

    /// Throws std::logic_error unless applicable(@p matrices).
    explicit CellMatrixScatter(const std::vector<dealii::TrilinosWrappers::SparseMatrix *> &matrices);

    /// The scatter for @p matrices if applicable(@p matrices), else none
    /// (one check: the constructor's would walk the pattern again).
    static std::optional<CellMatrixScatter>
    create(const std::vector<dealii::TrilinosWrappers::SparseMatrix *> &matrices);

    /// Finds the positions of the entries (dofs[i], dofs[j]) of a cell.
    void locate(const std::vector<dealii::types::global_dof_index> &dofs);

    /// matrices[m](dofs[i], dofs[j]) += local(i, j) for the located cell, as
    /// TrilinosWrappers::SparseMatrix::add(dofs, local).
    void add(unsigned int m, const dealii::FullMatrix<double> &local);

    /// As AffineConstraints::distribute_local_to_global(local, dofs,
    /// matrices[m]) for constraints that are all homogeneous lines without
    /// entries (Dirichlet or frozen DoFs, no hanging nodes), @p constrained
    /// flagging them by DoF index: entries in a constrained row or column are
    /// dropped, and the diagonal of a constrained row gets |local(i, i)|, or
    /// where that is 0 the mean |diagonal| of the cell matrix (its l1 norm /
    /// n if all are 0; 1 if the matrix is 0).
    void add_constrained(unsigned int m, const dealii::FullMatrix<double> &local,
                         const std::vector<bool> &constrained);

  private:
    struct Checked
    {};
    /// For matrices known to be applicable().
    CellMatrixScatter(const std::vector<dealii::TrilinosWrappers::SparseMatrix *> &matrices, Checked);

    /// Per matrix, the values of each row.
    std::vector<std::vector<double *>> row_values_;
    /// The column indices (local) of each row, and their number.
    std::vector<const int *> row_columns_;
    std::vector<int>         row_length_;
    /// Local column index of each DoF.
    std::vector<int> column_of_dof_;
    /// The located cell: its DoFs, and entry (i, j) at row_values_[m][dofs[i]]
    /// [position_[i * n + j]].
    std::vector<dealii::types::global_dof_index> dofs_;
    std::vector<int>                             position_;
  };
} // namespace dermatwin::fem::internal

#endif
