// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_csr_product_h
#define dermatwin_fem_csr_product_h

#include <Epetra_CrsMatrix.h>
#include <Epetra_MultiVector.h>

#include <memory>

namespace dermatwin::fem::internal
{
  /**
   * y = A x for an Epetra matrix on one rank, straight from its CSR arrays,
   * the rows in two blocks of about equal entries on two threads (Epetra's
   * product runs on one; at 110k DOFs it was a fifth of an axisymmetric
   * time step). Each row's sum is formed in the order of its entries, as
   * Epetra forms it, so y is bit for bit Epetra's. The matrix must keep its
   * pattern and storage while the product is used (its values may change).
   */
  class CsrProduct
  {
  public:
    /// Whether the product can serve @p A: one rank, contiguous CSR storage,
    /// columns in the order of the rows (no import of x needed).
    static bool applicable(const Epetra_CrsMatrix &A);
    /// Throws std::logic_error unless applicable(@p A).
    explicit CsrProduct(const Epetra_CrsMatrix &A);
    /// The product for @p A if applicable(@p A), else none (one check).
    static std::unique_ptr<CsrProduct> create(const Epetra_CrsMatrix &A);
    /// y = A x (x and y distinct, of the matrix's size).
    void multiply(const Epetra_MultiVector &x, Epetra_MultiVector &y) const;

  private:
    struct Checked
    {};
    /// For a matrix known to be applicable().
    CsrProduct(const Epetra_CrsMatrix &A, Checked);
    void rows(int begin, int end, const double *x, double *y) const;
    int           n_rows_ = 0;
    const int    *start_  = nullptr; ///< row offsets (n_rows_ + 1)
    const int    *column_ = nullptr;
    const double *value_  = nullptr;
    /// Rows [0, split_) on the calling thread, [split_, n_rows_) on another.
    int split_ = 0;
    bool two_threads_ = false;
  };
} // namespace dermatwin::fem::internal

#endif
