// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_fem_transdermal_body_h
#define dermatwin_fem_transdermal_body_h

#include <dermatwin/fem/extrapolated_euler.h>
#include <dermatwin/fem/skin_column.h>
#include <dermatwin/pk/compartment_model.h>

#include <map>
#include <memory>
#include <optional>
#include <vector>

namespace dermatwin::fem
{
  /**
   * Several skin columns (one per patch application, each with its area)
   * feeding one body, described by a linear compartment model. Skin and PK
   * form one implicit system, block lower-triangular: the columns do not see
   * the plasma (one-way coupling), the central compartment receives
   *   input(t) = sum_c area_c * d(absorbed_c)/dt   [mg/h].
   * Within each implicit-Euler step the PK input is the exact absorbed amount
   * of that step divided by h, so the absorbed drug and the PK amounts
   * (including the eliminated amount) balance to round-off.
   *
   * State: [column 0 | column 1 | ... | PK amounts (mg) | eliminated (mg)].
   */
  class TransdermalBody : public ImplicitEulerSystem
  {
  public:
    explicit TransdermalBody(std::optional<pk::CompartmentModel> disposition);

    /// Adds an inactive column; returns its index.
    unsigned int add_column(std::unique_ptr<SkinColumn> column, double area_cm2);
    unsigned int n_columns() const { return columns_.size(); }
    SkinColumn &column(unsigned int c) { return *columns_[c].model; }
    const SkinColumn &column(unsigned int c) const { return *columns_[c].model; }
    double area_cm2(unsigned int c) const { return columns_[c].area_cm2; }
    bool active(unsigned int c) const { return columns_[c].active; }
    unsigned int offset(unsigned int c) const { return columns_[c].offset; }

    /// Zero state of the right size (all columns inactive and empty).
    std::vector<double> zero_state() const;
    /// Applies column c: writes its initial state into y and activates it.
    void activate(unsigned int c, std::vector<double> &y);

    bool has_pk() const { return disposition_.has_value(); }
    const pk::CompartmentModel &disposition() const { return *disposition_; }
    unsigned int pk_offset() const { return pk_offset_; }
    double plasma_ng_per_mL(const std::vector<double> &y) const;
    /// d(plasma)/dt [ng/(mL h)] = ((K A)_1 + sum_c area_c * to_blood_c) / V1:
    /// its root is a plasma peak.
    double plasma_rate_ng_per_mL_per_h(const std::vector<double> &y) const;
    /// d^2(plasma)/dt^2 [ng/(mL h^2)] = (K A' + e1 input')_1 / V1 with
    /// A' = K A + e1 input: Newton's derivative for the plasma peak.
    double plasma_acceleration_ng_per_mL_per_h2(const std::vector<double> &y) const;
    double eliminated_mg(const std::vector<double> &y) const;
    double amount_in_body_mg(const std::vector<double> &y) const;

    // ImplicitEulerSystem
    unsigned int state_size() const override { return size_; }
    void implicit_euler_step(double h_h, const std::vector<double> &y_old,
                             std::vector<double> &y_new) override;
    std::vector<double> error_floor() const override;

  private:
    struct Column
    {
      std::unique_ptr<SkinColumn> model;
      double                      area_cm2 = 0;
      unsigned int                offset   = 0;
      bool                        active   = false;
    };
    void layout();

    std::optional<pk::CompartmentModel>               disposition_;
    std::vector<Column>                               columns_;
    unsigned int                                      pk_offset_ = 0, size_ = 0;
    /// (I - h K)^{-1} per step size, built from pk::ImplicitEulerStep.
    std::map<double, std::vector<double>> pk_inverse_;
    const std::vector<double>            *last_inverse_ = nullptr;
    double                                last_h_       = -1;
  };
} // namespace dermatwin::fem

#endif
