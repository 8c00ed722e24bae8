// SPDX-License-Identifier: LGPL-2.1-or-later
// Sparse Cholesky factorisation of a symmetric positive definite Trilinos
// matrix held on one MPI rank (internal to fem).
#ifndef dermatwin_fem_sparse_cholesky_h
#define dermatwin_fem_sparse_cholesky_h

#include <Epetra_CrsGraph.h>
#include <Epetra_CrsMatrix.h>
#include <Epetra_MultiVector.h>

#include <array>
#include <memory>
#include <vector>

namespace dermatwin::fem::internal
{
  /// The lower triangle of a matrix in CHOLMOD's compressed columns, copied
  /// on the calling thread (Epetra is only touched there), so that analysis
  /// and factorisation can run on another one.
  class LowerTriangle
  {
  public:
    /// A on one rank with rows 0..n-1; stored zeros are kept (the pattern
    /// must not depend on the values).
    explicit LowerTriangle(const Epetra_CrsMatrix &A);
    /// The pattern alone (values zero): enough for CholeskyAnalysis.
    explicit LowerTriangle(const Epetra_CrsGraph &pattern);
    /// a + factor b, for a and b of one sparsity pattern.
    LowerTriangle(const LowerTriangle &a, double factor, const LowerTriangle &b);
    ~LowerTriangle();
    LowerTriangle(const LowerTriangle &) = delete;
    LowerTriangle &operator=(const LowerTriangle &) = delete;

  private:
    friend class CholeskyAnalysis;
    friend class SparseCholesky;
    friend std::vector<int> geometric_nested_dissection(const LowerTriangle &,
                                                        const std::vector<std::array<double, 2>> &);
    struct Cholmod;
    std::unique_ptr<Cholmod> cholmod_;
    /// Copies the lower triangle of @p graph, with the values of @p A if given.
    void copy(const Epetra_CrsGraph &graph, const Epetra_CrsMatrix *A);
  };

  /// Fill-reducing ordering (nested dissection) and symbolic analysis of a
  /// sparsity pattern: the expensive part of the first factorisation, shared
  /// by every later one of a matrix with the same pattern. The ordering is
  /// then regrouped for SparseCholesky's two-thread solves.
  class CholeskyAnalysis
  {
  public:
    /// Ordering by CHOLMOD's nested dissection (METIS).
    explicit CholeskyAnalysis(const LowerTriangle &A);
    /// Ordering by geometric nested dissection of the unknowns at
    /// @p points (2D: one point per row of A).
    CholeskyAnalysis(const LowerTriangle &A, const std::vector<std::array<double, 2>> &points);
    /// Entries of the factor L the ordering gives (its fill).
    double factor_entries() const;
    /// Whether @p A has the pattern analysed.
    bool analysed(const LowerTriangle &A) const;
    ~CholeskyAnalysis();
    CholeskyAnalysis(const CholeskyAnalysis &) = delete;
    CholeskyAnalysis &operator=(const CholeskyAnalysis &) = delete;

  private:
    friend class SparseCholesky;
    struct Cholmod;
    std::unique_ptr<Cholmod> cholmod_;
  };

  /**
   * A fill-reducing ordering of the symmetric matrix with lower triangle
   * @p A, whose unknowns sit at @p points in the plane (a finite-element
   * matrix: couplings are local): nested dissection by straight cuts.
   * Each set of unknowns is cut across one coordinate axis where the
   * separator (the unknowns on one side coupled to the other side) is
   * smallest among cuts that leave 30-70 % on each side; the two parts are
   * ordered recursively, then the separator. On the layered skin meshes the
   * cuts fall on grid lines, so the fill is that of METIS's ordering or
   * less, at a tenth of its time, and with no random numbers involved.
   * Returns perm: position -> row.
   */
  std::vector<int> geometric_nested_dissection(const LowerTriangle &A,
                                               const std::vector<std::array<double, 2>> &points);

  /**
   * P A P^T = L D L^T by CHOLMOD (SuiteSparse), simplicial (measured faster
   * than the supernodal one with Debian's reference BLAS on the
   * axisymmetric skin block). Throws if A is not positive definite.
   *
   * The triangular solves, one per time step, are memory bound; they run on
   * two threads. The elimination tree of a nested-dissection ordering splits
   * below its top separators into independent subtrees; these are dealt to
   * two groups of about equal work, and CholeskyAnalysis orders the
   * unknowns as [group 0 | group 1 | top] (a topological reordering of the
   * tree: same fill). CHOLMOD's factor is solved from in place. Forward
   * substitution runs the two groups concurrently (their updates to the top rows go to one buffer each,
   * added in a fixed order), then the top; back substitution runs the top
   * first, then the two groups concurrently. The arithmetic does not depend
   * on the number of threads, so results are bit-identical on one core.
   * One solve at a time per object (it owns its work arrays).
   */
  class SparseCholesky
  {
  public:
    /// Factorise A (thread safe: A and @p analysis are only read); with
    /// @p two_threads the rows of the two groups are factorised concurrently
    /// (each row needs only the rows below it in the elimination tree: its
    /// own group), then the top part. The arithmetic is the same either way.
    SparseCholesky(const LowerTriangle &A, const CholeskyAnalysis &analysis, bool two_threads = false);
    ~SparseCholesky();
    SparseCholesky(const SparseCholesky &) = delete;
    SparseCholesky &operator=(const SparseCholesky &) = delete;

    /// x = A^{-1} b (single vectors with A's row map).
    void solve(const Epetra_MultiVector &b, Epetra_MultiVector &x) const;

  private:
    /// CHOLMOD's factor, solved from in place.
    struct Cholmod;
    std::unique_ptr<Cholmod> cholmod_;
    /// Its arrays: column j starts with D_jj at column_start_[j], followed
    /// by its strictly lower rows, ascending (in a group column: the rows in
    /// its group, then from top_begin_[j] those in the top part).
    const int    *column_start_ = nullptr, *column_count_ = nullptr, *row_ = nullptr;
    const double *value_        = nullptr;
    /// position -> row of A.
    const int          *original_ = nullptr;
    std::vector<int>    top_begin_;
    std::vector<double> diagonal_;
    int                 n_ = 0;
    std::size_t         entries_ = 0; ///< strictly lower entries
    /// First position of group 1 and of the top part.
    int group1_ = 0, top_ = 0;
    mutable std::vector<double> work_, buffer_[2];

    void factorise_in_two_threads(const LowerTriangle &A);
    void index_factor();
    void forward_group(int group) const;
    void backward_range(int begin, int end) const;
  };
} // namespace dermatwin::fem::internal

#endif
