// SPDX-License-Identifier: LGPL-2.1-or-later
#include "csr_product.h"

#include "two_threads.h"

#include <Epetra_BlockMap.h>
#include <Epetra_Comm.h>
#include <Epetra_CrsGraph.h>

#include <algorithm>
#include <stdexcept>

namespace dermatwin::fem::internal
{
  bool CsrProduct::applicable(const Epetra_CrsMatrix &A)
  {
    int    *offsets = nullptr, *columns = nullptr;
    double *values  = nullptr;
    // The maps through the graph (Epetra_CrsMatrix::RowMap() downcasts a
    // BlockMap to Epetra_Map, which UBSan reports).
    const Epetra_CrsGraph &graph = A.Graph();
    return A.Comm().NumProc() == 1 && A.Filled() && A.Importer() == nullptr && A.Exporter() == nullptr &&
           graph.ColMap().SameAs(graph.RowMap()) &&
           const_cast<Epetra_CrsMatrix &>(A).ExtractCrsDataPointers(offsets, columns, values) == 0;
  }

  CsrProduct::CsrProduct(const Epetra_CrsMatrix &A)
    : CsrProduct(applicable(A) ? A :
                                 throw std::logic_error(
                                   "CsrProduct: the matrix must live on one rank in contiguous CSR storage"),
                 Checked{})
  {}

  std::unique_ptr<CsrProduct> CsrProduct::create(const Epetra_CrsMatrix &A)
  {
    if (!applicable(A))
      return nullptr;
    return std::unique_ptr<CsrProduct>(new CsrProduct(A, Checked{}));
  }

  CsrProduct::CsrProduct(const Epetra_CrsMatrix &A, Checked)
  {
    int    *offsets = nullptr, *columns = nullptr;
    double *values  = nullptr;
    const_cast<Epetra_CrsMatrix &>(A).ExtractCrsDataPointers(offsets, columns, values);
    n_rows_ = A.NumMyRows();
    start_  = offsets;
    column_ = columns;
    value_  = values;
    // The arithmetic is the same on one thread or two.
    two_threads_ = two_threads_pay(std::size_t(start_[n_rows_]));
    split_       = int(std::lower_bound(start_, start_ + n_rows_, start_[n_rows_] / 2) - start_);
  }

  void CsrProduct::rows(const int begin, const int end, const double *x, double *y) const
  {
    for (int i = begin; i < end; ++i)
      {
        double sum = 0;
        for (int k = start_[i]; k < start_[i + 1]; ++k)
          sum += value_[k] * x[column_[k]];
        y[i] = sum;
      }
  }

  void CsrProduct::multiply(const Epetra_MultiVector &x, Epetra_MultiVector &y) const
  {
    if (x.MyLength() != n_rows_ || y.MyLength() != n_rows_ || x[0] == y[0])
      throw std::logic_error("CsrProduct::multiply: vectors must be distinct and of the matrix's size");
    const double *in  = x[0];
    double       *out = y[0];
    run_in_two_parts(two_threads_, [&](const int part) {
      part == 0 ? rows(0, split_, in, out) : rows(split_, n_rows_, in, out);
    });
  }
} // namespace dermatwin::fem::internal
