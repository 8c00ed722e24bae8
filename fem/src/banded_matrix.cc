// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/fem/banded_matrix.h>

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace dermatwin::fem
{
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

  void BandedMatrix::vmult(const std::vector<double> &x, std::vector<double> &y) const
  {
    y.resize(n_);
    for (unsigned int i = 0; i < n_; ++i)
      y[i] = row_times(i, x.data());
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
    const double      *a = lu_.data();
    for (unsigned int i = 0; i < n; ++i)
      {
        const double *row = a + (std::size_t(i) * (2 * b + 1) + b) - i; // row[k] = (i, k)
        double        sum = x[i];
        for (unsigned int k = (i > b ? i - b : 0); k < i; ++k)
          sum -= row[k] * x[k];
        x[i] = sum;
      }
    for (unsigned int i = n; i-- > 0;)
      {
        const double *row = a + (std::size_t(i) * (2 * b + 1) + b) - i;
        double        sum = x[i];
        const unsigned int last = std::min(n - 1, i + b);
        for (unsigned int j = i + 1; j <= last; ++j)
          sum -= row[j] * x[j];
        x[i] = sum / row[i];
      }
  }
} // namespace dermatwin::fem
