// SPDX-License-Identifier: LGPL-2.1-or-later
#include "projected_start.h"

#include <cmath>
#include <stdexcept>

namespace dermatwin::fem::internal
{
  namespace
  {
    using Vector = ProjectedStart::Vector;

    /// v . u_i for every u_i (the member @p of of each element of @p list),
    /// in one reduction over v's communicator.
    template <typename List, typename Member>
    std::vector<double> dots(const Vector &v, const List &list, Member of)
    {
      const unsigned int  n = v.locally_owned_size();
      const double       *a = v.trilinos_vector()[0];
      std::vector<double> local, global(list.size());
      for (const auto &item : list)
        {
          if ((item.*of).locally_owned_size() != n)
            throw std::logic_error("ProjectedStart: a kept solution is from another mesh (clear() was missed)");
          const double *b   = (item.*of).trilinos_vector()[0];
          double        sum = 0;
          for (unsigned int i = 0; i < n; ++i)
            sum += a[i] * b[i];
          local.push_back(sum);
        }
      if (!local.empty())
        MPI_Allreduce(local.data(), global.data(), int(local.size()), MPI_DOUBLE, MPI_SUM,
                      v.get_mpi_communicator());
      return global;
    }

    /// A solution whose S-norm^2 outside the span of the newer ones taken
    /// is below this fraction of its own adds nothing but round-off.
    constexpr double relative_cutoff = 1e-12;
  } // namespace

  ProjectedStart::ProjectedStart(const unsigned int max_size)
    : max_size_(max_size)
  {}

  void ProjectedStart::clear()
  {
    solutions_.clear();
    gram_.clear();
  }

  void ProjectedStart::start(const Vector &b, Vector &x0) const
  {
    x0                 = 0.;
    const unsigned int k = solutions_.size();
    if (k == 0)
      return;
    const std::vector<double> beta = dots(b, solutions_, &Solution::x);
    // G c = beta on the solutions that are not (nearly) combinations of
    // newer ones: Cholesky from the newest back, a solution whose pivot
    // (its S-norm^2 outside the span of the ones taken) is below
    // relative_cutoff of its own S-norm^2 is left out (c_i = 0).
    std::vector<unsigned int>        taken;
    std::vector<std::vector<double>> l; // rows of the Cholesky factor of G on `taken`
    for (unsigned int i = k; i-- > 0;)
      {
        std::vector<double> row(taken.size() + 1);
        for (unsigned int a = 0; a < taken.size(); ++a)
          {
            double sum = gram_[i][taken[a]];
            for (unsigned int c = 0; c < a; ++c)
              sum -= row[c] * l[a][c];
            row[a] = sum / l[a][a];
          }
        double pivot = gram_[i][i];
        for (unsigned int a = 0; a < taken.size(); ++a)
          pivot -= row[a] * row[a];
        if (!(pivot > relative_cutoff * gram_[i][i]))
          continue;
        row.back() = std::sqrt(pivot);
        taken.push_back(i);
        l.push_back(std::move(row));
      }
    const unsigned int  m = taken.size();
    std::vector<double> y(m), c(m);
    for (unsigned int a = 0; a < m; ++a) // L y = beta
      {
        double sum = beta[taken[a]];
        for (unsigned int b2 = 0; b2 < a; ++b2)
          sum -= l[a][b2] * y[b2];
        y[a] = sum / l[a][a];
      }
    for (unsigned int a = m; a-- > 0;) // L^T c = y
      {
        double sum = y[a];
        for (unsigned int b2 = a + 1; b2 < m; ++b2)
          sum -= l[b2][a] * c[b2];
        c[a] = sum / l[a][a];
      }
    for (unsigned int a = 0; a < m; ++a)
      x0.add(c[a], solutions_[taken[a]].x);
  }

  void ProjectedStart::add(const dealii::TrilinosWrappers::SparseMatrix &S, const Vector &x)
  {
    if (max_size_ == 0)
      return;
    if (solutions_.size() == max_size_) // the oldest one's storage takes the new one
      {
        solutions_.push_back(std::move(solutions_.front()));
        solutions_.pop_front();
        gram_.pop_front();
        for (std::vector<double> &row : gram_)
          row.erase(row.begin());
      }
    else
      solutions_.emplace_back();
    Solution &newest = solutions_.back();
    newest.x         = x;
    newest.s_x.reinit(x, true);
    if (S.trilinos_matrix().Multiply(false, newest.x.trilinos_vector(), newest.s_x.trilinos_vector()) != 0)
      throw std::runtime_error("ProjectedStart: Epetra matrix-vector product failed");
    const std::vector<double> row = dots(newest.s_x, solutions_, &Solution::x);
    for (unsigned int i = 0; i + 1 < row.size(); ++i)
      gram_[i].push_back(row[i]);
    gram_.push_back(row);
  }
} // namespace dermatwin::fem::internal
