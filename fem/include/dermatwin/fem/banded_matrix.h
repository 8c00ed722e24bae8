// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_banded_matrix_h
#define dermatwin_fem_banded_matrix_h

#include <cstddef>
#include <vector>

namespace dermatwin::fem
{
  /**
   * A square matrix with equal lower and upper bandwidth b, stored by
   * diagonals: entry (i, j) with |i - j| <= b lives at data[(j - i + b) + i (2b+1)].
   * 1D finite elements with DoFs sorted by depth give b = polynomial degree.
   */
  class BandedMatrix
  {
  public:
    BandedMatrix() = default;
    BandedMatrix(unsigned int n, unsigned int bandwidth);

    unsigned int n() const { return n_; }
    unsigned int bandwidth() const { return b_; }

    /// Entry (i, j); zero outside the band.
    double operator()(const unsigned int i, const unsigned int j) const
    {
      return (i > j ? i - j : j - i) > b_ ? 0. : data_[index(i, j)];
    }
    /// Reference to entry (i, j), which must lie in the band.
    double &entry(unsigned int i, unsigned int j);
    /// Storage position of (i, j) in the band (no check).
    std::size_t index(const unsigned int i, const unsigned int j) const
    {
      return (j + b_ - i) + std::size_t(i) * (2 * b_ + 1);
    }
    const double *data() const { return data_.data(); }
    double *data() { return data_.data(); }
    void    add(unsigned int i, unsigned int j, double value);
    /// this += factor * other (same shape).
    void add(double factor, const BandedMatrix &other);
    void set_zero();

    /// y = A x.
    void vmult(const std::vector<double> &x, std::vector<double> &y) const;
    /// y = A x for raw arrays of length n() (must not overlap).
    void vmult(const double *x, double *y) const;
    /// (A x)_i. Inline: it is the inner kernel of every time step.
    double row_times(const unsigned int i, const double *x) const
    {
      const unsigned int j0  = i > b_ ? i - b_ : 0;
      const unsigned int j1  = i + b_ < n_ ? i + b_ : n_ - 1;
      const double      *row = data_.data() + (std::size_t(i) * (2 * b_ + 1) + b_) - i; // row[j] = (i, j)
      double             sum = 0;
      for (unsigned int j = j0; j <= j1; ++j)
        sum += row[j] * x[j];
      return sum;
    }
    /// x^T A, i.e. column sums weighted by x; with x = 1 the column sums.
    std::vector<double> column_sums() const;

  private:
    unsigned int        n_ = 0, b_ = 0;
    std::vector<double> data_;
  };

  /**
   * LU factorisation of a banded matrix without pivoting. Used for matrices
   * of the form M + h S (M symmetric positive definite mass matrix, S
   * positive semi-definite) after symmetric elimination of Dirichlet rows,
   * for which elimination without pivoting is stable.
   */
  class BandedLU
  {
  public:
    BandedLU() = default;
    explicit BandedLU(const BandedMatrix &matrix);
    void factorize(const BandedMatrix &matrix);
    /// Overwrites @p rhs with the solution.
    void solve(double *rhs) const;
    void solve(std::vector<double> &rhs) const { solve(rhs.data()); }

  private:
    BandedMatrix lu_;
  };
} // namespace dermatwin::fem

#endif
