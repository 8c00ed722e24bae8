// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/fem/transdermal_body.h>

#include <algorithm>
#include <stdexcept>

namespace dermatwin::fem
{
  TransdermalBody::TransdermalBody(std::optional<pk::CompartmentModel> disposition)
    : disposition_(std::move(disposition))
  {
    layout();
  }

  unsigned int TransdermalBody::add_column(std::unique_ptr<SkinColumn> column, const double area_cm2)
  {
    if (!(area_cm2 > 0))
      throw std::invalid_argument("column area must be > 0");
    columns_.push_back({std::move(column), area_cm2, 0, false});
    layout();
    return columns_.size() - 1;
  }

  void TransdermalBody::layout()
  {
    unsigned int offset = 0;
    for (Column &c : columns_)
      {
        c.offset = offset;
        offset += c.model->state_size();
      }
    pk_offset_ = offset;
    size_      = offset + (disposition_ ? disposition_->n_compartments() + 1 : 0);
  }

  std::vector<double> TransdermalBody::zero_state() const
  {
    return std::vector<double>(size_, 0.);
  }

  void TransdermalBody::activate(const unsigned int c, std::vector<double> &y)
  {
    const std::vector<double> y0 = columns_[c].model->initial_state();
    std::copy(y0.begin(), y0.end(), y.begin() + columns_[c].offset);
    columns_[c].active = true;
  }

  double TransdermalBody::plasma_ng_per_mL(const std::vector<double> &y) const
  {
    if (!disposition_)
      return 0.;
    const unsigned int n = disposition_->n_compartments();
    return disposition_->plasma_concentration_ng_per_mL(
      Eigen::Map<const Eigen::VectorXd>(y.data() + pk_offset_, n));
  }

  double TransdermalBody::plasma_rate_ng_per_mL_per_h(const std::vector<double> &y) const
  {
    if (!disposition_)
      return 0.;
    const unsigned int n = disposition_->n_compartments();
    double input_mg_per_h = 0;
    for (const Column &c : columns_)
      if (c.active)
        input_mg_per_h += c.area_cm2 * c.model->to_blood_mg_per_cm2_per_h(y.data() + c.offset);
    const Eigen::Map<const Eigen::VectorXd> amounts(y.data() + pk_offset_, n);
    Eigen::VectorXd rate = Eigen::VectorXd::Zero(n);
    rate(0) = disposition_->rate_matrix().row(0).dot(amounts) + input_mg_per_h;
    return disposition_->plasma_concentration_ng_per_mL(rate);
  }

  double TransdermalBody::plasma_acceleration_ng_per_mL_per_h2(const std::vector<double> &y) const
  {
    if (!disposition_)
      return 0.;
    const unsigned int n = disposition_->n_compartments();
    double input_mg_per_h = 0, input_change_mg_per_h2 = 0;
    for (const Column &c : columns_)
      if (c.active)
        {
          input_mg_per_h += c.area_cm2 * c.model->to_blood_mg_per_cm2_per_h(y.data() + c.offset);
          input_change_mg_per_h2 += c.area_cm2 * c.model->to_blood_rate_of_change(y.data() + c.offset);
        }
    const Eigen::MatrixXd                  &K = disposition_->rate_matrix();
    const Eigen::Map<const Eigen::VectorXd> amounts(y.data() + pk_offset_, n);
    Eigen::VectorXd rate = K * amounts;
    rate(0) += input_mg_per_h;
    Eigen::VectorXd acceleration = K * rate;
    acceleration(0) += input_change_mg_per_h2;
    return disposition_->plasma_concentration_ng_per_mL(acceleration);
  }

  double TransdermalBody::eliminated_mg(const std::vector<double> &y) const
  {
    return disposition_ ? y[pk_offset_ + disposition_->n_compartments()] : 0.;
  }

  double TransdermalBody::amount_in_body_mg(const std::vector<double> &y) const
  {
    double sum = 0;
    if (disposition_)
      for (unsigned int i = 0; i < disposition_->n_compartments(); ++i)
        sum += y[pk_offset_ + i];
    return sum;
  }

  void TransdermalBody::implicit_euler_step(const double h_h, const std::vector<double> &y_old,
                                            std::vector<double> &y_new)
  {
    y_new.resize(size_);
    double input_mg = 0; // absorbed by blood in this step, all columns
    for (const Column &c : columns_)
      {
        const double *old_c = y_old.data() + c.offset;
        double       *new_c = y_new.data() + c.offset;
        if (!c.active)
          {
            std::copy(old_c, old_c + c.model->state_size(), new_c);
            continue;
          }
        c.model->implicit_euler_step(h_h, old_c, new_c);
        const unsigned int a = c.model->n_dofs() + SkinColumn::absorbed;
        input_mg += c.area_cm2 * (new_c[a] - old_c[a]);
      }
    if (!disposition_)
      return;

    const unsigned int n = disposition_->n_compartments();
    if (!last_inverse_ || h_h != last_h_)
      {
        if (pk_inverse_.size() > 64)
          pk_inverse_.clear();
        auto &inverse = pk_inverse_[h_h];
        if (inverse.empty())
          {
            // Columns of (I - h K)^{-1}: implicit-Euler steps from unit amounts.
            const pk::ImplicitEulerStep step(*disposition_, h_h);
            inverse.resize(n * n);
            for (unsigned int j = 0; j < n; ++j)
              {
                const Eigen::VectorXd column = step.solve(Eigen::VectorXd::Unit(n, j), 0.);
                for (unsigned int i = 0; i < n; ++i)
                  inverse[i * n + j] = column[i];
              }
          }
        last_inverse_ = &inverse, last_h_ = h_h;
      }
    // A_new = (I - h K)^{-1} (A_old + e1 * drug absorbed in this step)
    double rhs[3] = {0, 0, 0}, x_new[3] = {0, 0, 0};
    for (unsigned int i = 0; i < n; ++i)
      rhs[i] = y_old[pk_offset_ + i];
    rhs[0] += input_mg;
    for (unsigned int i = 0; i < n; ++i)
      for (unsigned int j = 0; j < n; ++j)
        x_new[i] += (*last_inverse_)[i * n + j] * rhs[j];
    std::copy(x_new, x_new + n, y_new.begin() + pk_offset_);
    const auto &p = disposition_->parameters();
    y_new[pk_offset_ + n] =
      y_old[pk_offset_ + n] + h_h * p.clearance_L_per_h / p.v1_L * x_new[0];
  }

  std::vector<double> TransdermalBody::error_floor() const
  {
    std::vector<double> floor(size_, 1e-300);
    double              total_scale = 0;
    for (const Column &c : columns_)
      {
        std::vector<double> scale = c.model->state_scale();
        for (double &s : scale)
          s *= 1e-3;
        std::copy(scale.begin(), scale.end(), floor.begin() + c.offset);
        total_scale += c.area_cm2 * scale.back();
      }
    for (unsigned int i = pk_offset_; i < size_; ++i)
      floor[i] = std::max(1e-300, 0.1 * total_scale);
    return floor;
  }
} // namespace dermatwin::fem
