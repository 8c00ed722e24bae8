// SPDX-License-Identifier: LGPL-2.1-or-later
// Start vectors for a sequence of solves S x = b with one symmetric positive
// definite matrix S and changing right-hand sides (the time steps between two
// events), internal to dermatwin_fem.
//
// The start for the next b is the S-orthogonal projection of the unknown
// S^{-1} b onto the span of the last solutions x_1 .. x_k (Fischer 1998,
// "Projection techniques for iterative solution of Ax = b with successive
// right-hand sides", Comput. Methods Appl. Mech. Engrg. 163, 193-204):
//     x0 = sum_i c_i x_i,   G c = beta,   G_ij = x_i^T S x_j,  beta_i = x_i . b,
// the best vector of that span in the energy norm, computed from b alone.
// It contains every extrapolation from the last steps (2 x_k - x_{k-1}, ...)
// and is as good as any of them in that norm. Fischer keeps an S-orthonormal
// basis and restarts it when full; here the window slides (the last k
// solutions and G are kept; dropping the oldest solution keeps G of the
// rest), and G c = beta is solved by Cholesky from the newest solution back,
// leaving out a solution that is (to 1e-12 of its S-norm^2) a combination of
// newer ones: nearly parallel increments are expected. The solver's stopping
// test is relative to b, not to the start, so the answer is as accurate as
// from zero. Cost per solve: one product with S, 2k dot products in two
// reductions, k vector updates.
#ifndef dermatwin_fem_projected_start_h
#define dermatwin_fem_projected_start_h

#include <deal.II/lac/trilinos_sparse_matrix.h>
#include <deal.II/lac/trilinos_vector.h>

#include <deque>
#include <vector>

namespace dermatwin::fem::internal
{
  class ProjectedStart
  {
  public:
    using Vector = dealii::TrilinosWrappers::MPI::Vector;

    /// Keeps the last @p max_size solutions (0: always start from 0).
    explicit ProjectedStart(unsigned int max_size);

    /// Forgets the solutions (a new matrix).
    void clear();

    unsigned int size() const { return solutions_.size(); }

    /// x0 = the projection of S^{-1} b onto the span of the kept solutions
    /// (0 if there are none).
    void start(const Vector &b, Vector &x0) const;

    /// Keeps the solution @p x of S x = b (dropping the oldest beyond max_size).
    void add(const dealii::TrilinosWrappers::SparseMatrix &S, const Vector &x);

  private:
    struct Solution
    {
      Vector x, s_x; ///< x and S x
    };
    unsigned int                     max_size_;
    std::deque<Solution>             solutions_; ///< oldest first
    std::deque<std::vector<double>>  gram_;      ///< gram_[i][j] = x_i^T S x_j
  };
} // namespace dermatwin::fem::internal

#endif
