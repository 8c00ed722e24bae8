// SPDX-License-Identifier: LGPL-2.1-or-later
#include "sparse_cholesky.h"

#include <Epetra_Comm.h>
#include <Epetra_Map.h>
#include <cholmod.h>

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace dermatwin::fem::internal
{
  struct SparseCholesky::Cholmod
  {
    cholmod_common  common;
    cholmod_factor *factor = nullptr;
    Cholmod()
    {
      cholmod_start(&common);
      common.supernodal = CHOLMOD_SIMPLICIAL;
      // Nested dissection: less fill than the default AMD on these 2D
      // meshes (axisymmetric fentanyl, 76k DOFs: 5.3-6.1 s instead of
      // 7.8 s per run; METIS 6.2 s). The supernodal variant was slower with
      // Debian's reference BLAS and no faster with OpenBLAS.
      common.nmethods           = 1;
      common.method[0].ordering = CHOLMOD_NESDIS;
    }
    ~Cholmod()
    {
      if (factor != nullptr)
        cholmod_free_factor(&factor, &common);
      cholmod_finish(&common);
    }
  };

  namespace
  {
    /// The lower triangle of A in compressed columns. A symmetric matrix's
    /// row i is its column i, so the CSR rows of A give the columns directly.
    cholmod_sparse *lower_triangle(const Epetra_CrsMatrix &A, cholmod_common &common)
    {
      if (A.Comm().NumProc() != 1 || !A.RowMap().LinearMap() || A.RowMap().MinAllGID() != 0)
        throw std::logic_error("SparseCholesky: the matrix must live on one rank with rows 0..n-1");
      const int n = A.NumMyRows();
      std::vector<std::vector<std::pair<int, double>>> columns(n);
      std::size_t                                      nnz = 0;
      for (int row = 0; row < n; ++row)
        {
          int     count   = 0;
          double *values  = nullptr;
          int    *indices = nullptr;
          A.ExtractMyRowView(row, count, values, indices);
          for (int e = 0; e < count; ++e)
            {
              const int col = A.ColMap().GID(indices[e]);
              if (col >= row) // stored zeros too: the pattern must not depend on the values
                columns[row].emplace_back(col, values[e]);
            }
          std::sort(columns[row].begin(), columns[row].end());
          nnz += columns[row].size();
        }
      cholmod_sparse *L = cholmod_allocate_sparse(n, n, nnz, /*sorted*/ 1, /*packed*/ 1,
                                                  /*stype: lower*/ -1, CHOLMOD_REAL, &common);
      if (L == nullptr)
        throw std::runtime_error("SparseCholesky: out of memory");
      int    *p = static_cast<int *>(L->p), *i = static_cast<int *>(L->i);
      double *x = static_cast<double *>(L->x);
      p[0]      = 0;
      for (int c = 0; c < n; ++c)
        {
          for (const auto &[r, v] : columns[c])
            *i++ = r, *x++ = v;
          p[c + 1] = p[c] + int(columns[c].size());
        }
      return L;
    }
  } // namespace

  SparseCholesky::SparseCholesky(const Epetra_CrsMatrix &A, const SparseCholesky *same_pattern)
    : cholmod_(std::make_unique<Cholmod>())
  {
    cholmod_common &c = cholmod_->common;
    cholmod_sparse *L = lower_triangle(A, c);
    cholmod_->factor  = same_pattern ? cholmod_copy_factor(same_pattern->cholmod_->factor, &c) :
                                       cholmod_analyze(L, &c);
    if (cholmod_->factor != nullptr)
      cholmod_factorize(L, cholmod_->factor, &c);
    const int status = c.status;
    cholmod_free_sparse(&L, &c);
    if (cholmod_->factor == nullptr || status != CHOLMOD_OK)
      throw std::runtime_error("SparseCholesky: factorisation failed (CHOLMOD status " +
                               std::to_string(status) + "; matrix not positive definite?)");
  }

  SparseCholesky::~SparseCholesky() = default;

  void SparseCholesky::solve(const Epetra_MultiVector &b, Epetra_MultiVector &x) const
  {
    cholmod_common &c = cholmod_->common;
    const int       n = b.MyLength();
    cholmod_dense  *B = cholmod_allocate_dense(n, 1, n, CHOLMOD_REAL, &c);
    if (B == nullptr)
      throw std::runtime_error("SparseCholesky: out of memory");
    std::copy(b[0], b[0] + n, static_cast<double *>(B->x));
    cholmod_dense *X = cholmod_solve(CHOLMOD_A, cholmod_->factor, B, &c);
    cholmod_free_dense(&B, &c);
    if (X == nullptr)
      throw std::runtime_error("SparseCholesky: solve failed (CHOLMOD status " + std::to_string(c.status) + ")");
    const double *solution = static_cast<const double *>(X->x);
    std::copy(solution, solution + n, x[0]);
    cholmod_free_dense(&X, &c);
  }
} // namespace dermatwin::fem::internal
