// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/fem/banded_matrix.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dermatwin::fem
{
  namespace
  {
    // The kernels below are instantiated for the bandwidths of FE_Q(1..4)
    // (B = 1..4), so that the loops over a full band have a trip count known
    // at compile time and are unrolled; B = 0 reads the bandwidth at run
    // time. Only the first and last b rows have a shorter band; they are
    // treated separately so that the interior loop has no branches. The
    // order of the floating-point operations is the same in every variant.

    /// y = A x for the band matrix with storage @p a (row i starts at
    /// a + i (2b+1) and holds the entries (i, i-b) ... (i, i+b)).
    template <unsigned int B>
    void band_vmult(const unsigned int n, const unsigned int b_run_time, const double *a,
                    const double *x, double *y)
    {
      const unsigned int b = B > 0 ? B : b_run_time;
      const unsigned int interior_begin = std::min(b, n), interior_end = std::max(n, b) - b;
      auto partial_row = [&](const unsigned int i) {
        const double *row = a + std::size_t(i) * (2 * b + 1) + b - i; // row[j] = (i, j)
        double        sum = 0;
        for (unsigned int j = (i > b ? i - b : 0); j <= std::min(n - 1, i + b); ++j)
          sum += row[j] * x[j];
        y[i] = sum;
      };
      for (unsigned int i = 0; i < interior_begin; ++i)
        partial_row(i);
      for (unsigned int i = interior_begin; i < interior_end; ++i)
        {
          const double *row = a + std::size_t(i) * (2 * b + 1), *x_row = x + (i - b);
          double        sum = 0;
          for (unsigned int k = 0; k <= 2 * b; ++k)
            sum += row[k] * x_row[k];
          y[i] = sum;
        }
      for (unsigned int i = std::max(interior_begin, interior_end); i < n; ++i)
        partial_row(i);
    }

    /// Forward and back substitution with the packed factors L (unit lower
    /// triangle) and U of a band matrix, in place.
    template <unsigned int B>
    void band_lu_solve(const unsigned int n, const unsigned int b_run_time, const double *a,
                       double *x)
    {
      const unsigned int b = B > 0 ? B : b_run_time;
      const unsigned int w = 2 * b + 1, full_band = std::max(n, b) - b;
      // L z = x, row i couples to x[i-b] ... x[i-1].
      for (unsigned int i = 0; i < n; ++i)
        {
          const double *row = a + std::size_t(i) * w + b; // row[-k] = (i, i - k)
          double        sum = x[i];
          if (i >= b)
            for (unsigned int k = b; k > 0; --k)
              sum -= row[-int(k)] * x[i - k];
          else
            for (unsigned int k = i; k > 0; --k)
              sum -= row[-int(k)] * x[i - k];
          x[i] = sum;
        }
      // U x = z, row i couples to x[i+1] ... x[i+b].
      for (unsigned int i = n; i-- > 0;)
        {
          const double *row = a + std::size_t(i) * w + b; // row[k] = (i, i + k)
          double        sum = x[i];
          if (i < full_band)
            for (unsigned int k = 1; k <= b; ++k)
              sum -= row[k] * x[i + k];
          else
            for (unsigned int k = 1; i + k < n; ++k)
              sum -= row[k] * x[i + k];
          x[i] = sum / row[0];
        }
    }
  } // namespace

  BandedMatrix::BandedMatrix(const unsigned int n, const unsigned int bandwidth)
    : n_(n)
    , b_(bandwidth)
    , data_(std::size_t(n) * (2 * bandwidth + 1), 0.)
  {}

  double &BandedMatrix::entry(const unsigned int i, const unsigned int j)
  {
    if ((i > j ? i - j : j - i) > b_)
      throw std::out_of_range("BandedMatrix: entry outside the band");
    return data_[(j + b_ - i) + std::size_t(i) * (2 * b_ + 1)];
  }

  void BandedMatrix::add(const unsigned int i, const unsigned int j, const double value)
  {
    entry(i, j) += value;
  }

  void BandedMatrix::add(const double factor, const BandedMatrix &other)
  {
    for (std::size_t k = 0; k < data_.size(); ++k)
      data_[k] += factor * other.data_[k];
  }

  void BandedMatrix::set_zero()
  {
    std::fill(data_.begin(), data_.end(), 0.);
  }

  void BandedMatrix::vmult(const double *x, double *y) const
  {
    switch (b_)
      {
        case 1: band_vmult<1>(n_, b_, data(), x, y); break;
        case 2: band_vmult<2>(n_, b_, data(), x, y); break;
        case 3: band_vmult<3>(n_, b_, data(), x, y); break;
        case 4: band_vmult<4>(n_, b_, data(), x, y); break;
        default: band_vmult<0>(n_, b_, data(), x, y);
      }
  }

  void BandedMatrix::vmult(const std::vector<double> &x, std::vector<double> &y) const
  {
    y.resize(n_);
    vmult(x.data(), y.data());
  }

  std::vector<double> BandedMatrix::column_sums() const
  {
    std::vector<double> sums(n_, 0.);
    for (unsigned int i = 0; i < n_; ++i)
      for (unsigned int j = (i > b_ ? i - b_ : 0); j <= std::min(n_ - 1, i + b_); ++j)
        sums[j] += (*this)(i, j);
    return sums;
  }

  BandedLU::BandedLU(const BandedMatrix &matrix)
  {
    factorize(matrix);
  }

  void BandedLU::factorize(const BandedMatrix &matrix)
  {
    lu_                  = matrix;
    const unsigned int n = lu_.n(), b = lu_.bandwidth();
    double            *a = lu_.data();
    for (unsigned int k = 0; k < n; ++k)
      {
        const double pivot = a[lu_.index(k, k)];
        if (!(std::abs(pivot) > 0) || !std::isfinite(pivot))
          throw std::runtime_error("BandedLU: zero or non-finite pivot");
        const unsigned int last = std::min(n - 1, k + b);
        for (unsigned int i = k + 1; i <= last; ++i)
          {
            const double factor = a[lu_.index(i, k)] / pivot;
            a[lu_.index(i, k)]  = factor;
            for (unsigned int j = k + 1; j <= last; ++j)
              a[lu_.index(i, j)] -= factor * a[lu_.index(k, j)];
          }
      }
  }

  void BandedLU::solve(double *x) const
  {
    const unsigned int n = lu_.n(), b = lu_.bandwidth();
    switch (b)
      {
        case 1: band_lu_solve<1>(n, b, lu_.data(), x); break;
        case 2: band_lu_solve<2>(n, b, lu_.data(), x); break;
        case 3: band_lu_solve<3>(n, b, lu_.data(), x); break;
        case 4: band_lu_solve<4>(n, b, lu_.data(), x); break;
        default: band_lu_solve<0>(n, b, lu_.data(), x);
      }
  }
} // namespace dermatwin::fem
