// SPDX-License-Identifier: LGPL-2.1-or-later
#include "csr_product.h"

#include <Epetra_BlockMap.h>
#include <Epetra_Comm.h>
#include <Epetra_CrsGraph.h>

#include <algorithm>
#include <stdexcept>
#include <thread>

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
  {
    if (!applicable(A))
      throw std::logic_error("CsrProduct: the matrix must live on one rank in contiguous CSR storage");
    int    *offsets = nullptr, *columns = nullptr;
    double *values  = nullptr;
    const_cast<Epetra_CrsMatrix &>(A).ExtractCrsDataPointers(offsets, columns, values);
    n_rows_ = A.NumMyRows();
    start_  = offsets;
    column_ = columns;
    value_  = values;
    // Two threads pay only on large matrices (a thread start costs tens of
    // microseconds); the arithmetic is the same either way.
    two_threads_ = start_[n_rows_] > 200000 && std::thread::hardware_concurrency() > 1;
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
    if (two_threads_)
      {
        std::thread other([&] { rows(split_, n_rows_, in, out); });
        rows(0, split_, in, out);
        other.join();
      }
    else
      rows(0, n_rows_, in, out);
  }
} // namespace dermatwin::fem::internal
