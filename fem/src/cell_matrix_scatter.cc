// SPDX-License-Identifier: LGPL-2.1-or-later
#include "cell_matrix_scatter.h"

#include <Epetra_BlockMap.h>
#include <Epetra_Comm.h>
#include <Epetra_CrsGraph.h>
#include <Epetra_CrsMatrix.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dermatwin::fem::internal
{
  bool CellMatrixScatter::applicable(const std::vector<const dealii::TrilinosWrappers::SparseMatrix *> &matrices)
  {
    if (matrices.empty())
      return false;
    // The maps through the graph (Epetra_CrsMatrix::RowMap() downcasts a
    // BlockMap to Epetra_Map, which UBSan reports).
    const Epetra_CrsGraph &graph = matrices.front()->trilinos_matrix().Graph();
    const Epetra_BlockMap &rows  = graph.RowMap();
    if (graph.Comm().NumProc() != 1 || !graph.Filled() || !rows.LinearMap() || rows.MinAllGID() != 0)
      return false;
    for (int row = 0; row < graph.NumMyRows(); ++row)
      {
        int  count   = 0;
        int *columns = nullptr;
        graph.ExtractMyRowView(row, count, columns);
        if (!std::is_sorted(columns, columns + count))
          return false;
      }
    for (const auto *matrix : matrices)
      {
        const Epetra_CrsGraph &other = matrix->trilinos_matrix().Graph();
        if (other.NumMyRows() != graph.NumMyRows() || other.NumMyNonzeros() != graph.NumMyNonzeros() ||
            !other.ColMap().SameAs(graph.ColMap()))
          return false;
        for (int row = 0; row < graph.NumMyRows(); ++row)
          {
            int  count = 0, other_count = 0;
            int *columns = nullptr, *other_columns = nullptr;
            graph.ExtractMyRowView(row, count, columns);
            other.ExtractMyRowView(row, other_count, other_columns);
            if (count != other_count ||
                (columns != other_columns && !std::equal(columns, columns + count, other_columns)))
              return false;
          }
      }
    return true;
  }

  CellMatrixScatter::CellMatrixScatter(const std::vector<dealii::TrilinosWrappers::SparseMatrix *> &matrices)
    : CellMatrixScatter((applicable({matrices.begin(), matrices.end()}) ?
                           matrices :
                           throw std::logic_error("CellMatrixScatter: the matrices must share one pattern on one rank")),
                        Checked{})
  {}

  std::optional<CellMatrixScatter>
  CellMatrixScatter::create(const std::vector<dealii::TrilinosWrappers::SparseMatrix *> &matrices)
  {
    if (!applicable({matrices.begin(), matrices.end()}))
      return std::nullopt;
    return CellMatrixScatter(matrices, Checked{});
  }

  CellMatrixScatter::CellMatrixScatter(const std::vector<dealii::TrilinosWrappers::SparseMatrix *> &matrices, Checked)
  {
    const Epetra_CrsGraph &graph  = matrices.front()->trilinos_matrix().Graph();
    const int              n_rows = graph.NumMyRows();
    row_columns_.resize(n_rows);
    row_length_.resize(n_rows);
    for (int row = 0; row < n_rows; ++row)
      {
        int *columns = nullptr;
        graph.ExtractMyRowView(row, row_length_[row], columns);
        row_columns_[row] = columns;
      }
    row_values_.resize(matrices.size());
    for (std::size_t m = 0; m < matrices.size(); ++m)
      {
        row_values_[m].resize(n_rows);
        for (int row = 0; row < n_rows; ++row)
          {
            int     count   = 0;
            int    *columns = nullptr;
            double *values  = nullptr;
            matrices[m]->trilinos_matrix().ExtractMyRowView(row, count, values, columns);
            row_values_[m][row] = values;
          }
      }
    const Epetra_BlockMap &columns = graph.ColMap();
    column_of_dof_.resize(n_rows);
    for (int dof = 0; dof < n_rows; ++dof)
      column_of_dof_[dof] = columns.LID(dof);
  }

  void CellMatrixScatter::locate(const std::vector<dealii::types::global_dof_index> &dofs)
  {
    const std::size_t n = dofs.size();
    dofs_               = dofs;
    position_.resize(n * n);
    for (std::size_t i = 0; i < n; ++i)
      {
        const int *first = row_columns_[dofs[i]], *last = first + row_length_[dofs[i]];
        for (std::size_t j = 0; j < n; ++j)
          {
            const int  column = column_of_dof_[dofs[j]];
            const int *found  = std::lower_bound(first, last, column);
            if (found == last || *found != column)
              throw std::logic_error("CellMatrixScatter: a cell couples DoFs outside the pattern");
            position_[i * n + j] = int(found - first);
          }
      }
  }

  void CellMatrixScatter::add(const unsigned int m, const dealii::FullMatrix<double> &local)
  {
    const std::size_t n = dofs_.size();
    for (std::size_t i = 0; i < n; ++i)
      {
        double    *row      = row_values_[m][dofs_[i]];
        const int *position = &position_[i * n];
        for (std::size_t j = 0; j < n; ++j)
          row[position[j]] += local(i, j);
      }
  }

  void CellMatrixScatter::add_constrained(const unsigned int m, const dealii::FullMatrix<double> &local,
                                          const std::vector<bool> &constrained)
  {
    const std::size_t n             = dofs_.size();
    bool              any_constrained = false;
    for (std::size_t i = 0; i < n; ++i)
      {
        double *row = row_values_[m][dofs_[i]];
        if (constrained[dofs_[i]])
          {
            any_constrained = true;
            continue;
          }
        const int *position = &position_[i * n];
        for (std::size_t j = 0; j < n; ++j)
          if (!constrained[dofs_[j]])
            row[position[j]] += local(i, j);
      }
    if (!any_constrained)
      return;
    // The diagonals of the constrained rows, as deal.II's
    // internal::AffineConstraints::set_matrix_diagonals.
    double average_diagonal = 0;
    for (std::size_t i = 0; i < n; ++i)
      average_diagonal += std::abs(local(i, i));
    average_diagonal /= double(n);
    if (average_diagonal == 0.)
      {
        average_diagonal = local.l1_norm() / double(n);
        if (average_diagonal == 0.)
          average_diagonal = 1.;
      }
    for (std::size_t i = 0; i < n; ++i)
      if (constrained[dofs_[i]])
        {
          const double diagonal = std::abs(local(i, i));
          row_values_[m][dofs_[i]][position_[i * n + i]] += diagonal != 0. ? diagonal : average_diagonal;
        }
  }
} // namespace dermatwin::fem::internal
