// SPDX-License-Identifier: LGPL-2.1-or-later
// Sparse Cholesky factorisation of a symmetric positive definite Trilinos
// matrix held on one MPI rank (internal to fem).
#ifndef dermatwin_fem_sparse_cholesky_h
#define dermatwin_fem_sparse_cholesky_h

#include <Epetra_CrsMatrix.h>
#include <Epetra_MultiVector.h>

#include <memory>

namespace dermatwin::fem::internal
{
  /**
   * A = L L^T by CHOLMOD (SuiteSparse): fill-reducing ordering (AMD),
   * simplicial factorisation (measured faster than the supernodal one with
   * Debian's reference BLAS on the axisymmetric skin block); every solve()
   * reuses it. Only the lower triangle of A is read; A must be symmetric
   * positive definite (throws otherwise). Factorising a matrix with the same
   * sparsity pattern as an earlier one reuses that one's ordering and
   * symbolic analysis.
   */
  class SparseCholesky
  {
  public:
    /// @p same_pattern: an earlier factorisation of a matrix with A's sparsity pattern, or null.
    SparseCholesky(const Epetra_CrsMatrix &A, const SparseCholesky *same_pattern);
    ~SparseCholesky();
    SparseCholesky(const SparseCholesky &) = delete;
    SparseCholesky &operator=(const SparseCholesky &) = delete;

    /// x = A^{-1} b (single vectors with A's row map).
    void solve(const Epetra_MultiVector &b, Epetra_MultiVector &x) const;

  private:
    struct Cholmod;
    std::unique_ptr<Cholmod> cholmod_;
  };
} // namespace dermatwin::fem::internal

#endif
