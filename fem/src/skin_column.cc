// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/fem/skin_column.h>

#include <deal.II/base/quadrature_lib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <memory>
#include <numeric>
#include <stdexcept>

namespace dermatwin::fem
{
  namespace
  {
    double dot(const std::vector<double> &a, const double *b)
    {
      double sum = 0;
      for (std::size_t i = 0; i < a.size(); ++i)
        sum += a[i] * b[i];
      return sum;
    }

    void check_setup(const ColumnSetup &setup)
    {
      setup.layers.validate();
      if (setup.initial_concentration_mg_per_cm3.size() != setup.layers.n_layers())
        throw std::invalid_argument("column: one initial concentration per layer needed");
      for (const double c : setup.initial_concentration_mg_per_cm3)
        if (!std::isfinite(c) || c < 0)
          throw std::invalid_argument("column: initial concentration must be finite and >= 0");
      if (setup.fixed_top_concentration &&
          !(std::isfinite(setup.donor_concentration_mg_per_cm3) &&
            setup.donor_concentration_mg_per_cm3 >= 0 &&
            setup.donor_vehicle_partition_coeff > 0))
        throw std::invalid_argument("column: donor concentration must be finite and >= 0");
      if (!(setup.dispersed_mg_per_cm2 >= 0) || !std::isfinite(setup.dispersed_mg_per_cm2))
        throw std::invalid_argument("column: dispersed drug must be finite and >= 0");
      if (setup.dispersed_mg_per_cm2 > 0 &&
          (!setup.layers.has_role(LayerRole::patch) ||
           !(setup.patch_solubility_mg_per_cm3 > 0) || !(setup.dissolution_rate_per_h > 0)))
        throw std::invalid_argument(
          "column: dispersed drug needs a patch layer, a solubility > 0 and a dissolution rate > 0");
      if (setup.fe_degree < 1 || setup.fe_degree > 4)
        throw std::invalid_argument("column: fe_degree must be 1..4");
    }

    /// FE_Q(1..4), built once per process: constructing a FE_Q costs as
    /// much as the rest of a small column's set-up, and populations build
    /// thousands of columns. Finite elements are immutable after
    /// construction, so threads may share them.
    const dealii::FE_Q<1> &shared_fe_q(const unsigned int degree)
    {
      static const std::array<std::unique_ptr<const dealii::FE_Q<1>>, 4> elements = [] {
        std::array<std::unique_ptr<const dealii::FE_Q<1>>, 4> fe;
        for (unsigned int p = 1; p <= 4; ++p)
          fe[p - 1] = std::make_unique<const dealii::FE_Q<1>>(p);
        return fe;
      }();
      return *elements.at(degree - 1);
    }
  } // namespace

  SkinColumn::SkinColumn(const ColumnSetup &setup)
    : setup_((check_setup(setup), setup))
    , mesh_(setup_.layers, setup_.mesh)
    , fe_(shared_fe_q(setup_.fe_degree))
  {
    n_dofs_ = mesh_.n_cells() * fe_.degree + 1;
    compute_dof_depths();
    top_dof_    = std::min_element(depths_.begin(), depths_.end()) - depths_.begin();
    bottom_dof_ = std::max_element(depths_.begin(), depths_.end()) - depths_.begin();

    dissolving_ = setup_.dispersed_mg_per_cm2 > 0;
    assemble_layers();
    update_configuration();
  }

  void SkinColumn::cell_dofs(const unsigned int c, std::vector<unsigned int> &dofs) const
  {
    const unsigned int p = fe_.degree;
    dofs.resize(p + 1);
    dofs[0] = c * p;
    dofs[1] = (c + 1) * p;
    for (unsigned int i = 2; i <= p; ++i)
      dofs[i] = c * p + i - 1;
  }

  void SkinColumn::compute_dof_depths()
  {
    // The cells are intervals [x_c, x_{c+1}]: DoF i of cell c sits at
    // x_c + xi_i h. FE_Q numbers the interior points of a line from its
    // first vertex on, so the numbering of cell_dofs() follows depth.
    const std::vector<dealii::Point<1>> &unit_points = fe_.get_unit_support_points();
    for (unsigned int i = 3; i < unit_points.size(); ++i)
      if (!(unit_points[i][0] > unit_points[i - 1][0]))
        throw std::logic_error("SkinColumn: FE_Q interior points not in increasing order");
    const std::vector<double> &x = mesh_.vertex_depths_cm();
    depths_.resize(n_dofs_);
    std::vector<unsigned int> dofs;
    for (unsigned int c = 0; c < mesh_.n_cells(); ++c)
      {
        cell_dofs(c, dofs);
        for (unsigned int i = 0; i < dofs.size(); ++i)
          depths_[dofs[i]] = x[c] + unit_points[i][0] * (x[c + 1] - x[c]);
      }
  }

  void SkinColumn::assemble_layers()
  {
    const unsigned int n_layers = setup_.layers.n_layers();
    const unsigned int p        = fe_.degree;
    mass_.assign(n_layers, BandedMatrix(n_dofs_, p));
    stiffness_.assign(n_layers, BandedMatrix(n_dofs_, p));
    uptake_.assign(n_layers, BandedMatrix(n_dofs_, p));
    load_.assign(n_layers, std::vector<double>(n_dofs_, 0.));
    dof_in_layer_.assign(n_layers, std::vector<bool>(n_dofs_, false));

    // Cells are intervals (an affine map), so the shape values and
    // gradients on the reference cell, scaled by the cell length h, are what
    // FEValues would compute: phi_i(x_q), phi_i'(x_q) = dphi_i/dxi / h,
    // JxW = w_q h.
    const dealii::QGauss<1> quadrature(p + 1);
    const unsigned int      n_local = fe_.n_dofs_per_cell(), n_q = quadrature.size();
    std::vector<double>     value(n_q * n_local), slope(n_q * n_local);
    for (unsigned int q = 0; q < n_q; ++q)
      for (unsigned int i = 0; i < n_local; ++i)
        {
          value[q * n_local + i] = fe_.shape_value(i, quadrature.point(q));
          slope[q * n_local + i] = fe_.shape_grad(i, quadrature.point(q))[0];
        }
    std::vector<unsigned int> dofs(n_local);
    const std::vector<double> &x = mesh_.vertex_depths_cm();

    for (unsigned int c = 0; c < mesh_.n_cells(); ++c)
      {
        const double h = x[c + 1] - x[c];
        auto shape_value = [&](const unsigned int i, const unsigned int q) { return value[q * n_local + i]; };
        auto shape_grad  = [&](const unsigned int i, const unsigned int q) { return slope[q * n_local + i] / h; };
        cell_dofs(c, dofs);
        const unsigned int l     = mesh_.cell_layers()[c];
        const Layer       &layer = setup_.layers[l];
        const double       K = layer.partition_coefficient, D = layer.diffusivity_cm2_per_h,
                     k = layer.blood_uptake_rate_per_h;
        for (unsigned int q = 0; q < n_q; ++q)
          for (unsigned int i = 0; i < dofs.size(); ++i)
            {
              const double phi_i = shape_value(i, q), JxW = quadrature.weight(q) * h;
              load_[l][dofs[i]] += phi_i * JxW;
              for (unsigned int j = 0; j < dofs.size(); ++j)
                {
                  const double mass = K * phi_i * shape_value(j, q) * JxW;
                  mass_[l].add(dofs[i], dofs[j], mass);
                  uptake_[l].add(dofs[i], dofs[j], k * mass);
                  stiffness_[l].add(dofs[i], dofs[j], K * D * shape_grad(i, q) * shape_grad(j, q) * JxW);
                }
            }
        for (const auto dof : dofs)
          dof_in_layer_[l][dof] = true;
      }
    amount_weights_.resize(n_layers);
    for (unsigned int l = 0; l < n_layers; ++l)
      amount_weights_[l] = mass_[l].column_sums();
  }

  void SkinColumn::update_configuration()
  {
    const unsigned int n_layers = setup_.layers.n_layers();
    const unsigned int p        = fe_.degree;
    mass_now_                   = BandedMatrix(n_dofs_, p);
    operator_now_               = BandedMatrix(n_dofs_, p);
    source_now_.assign(n_dofs_, 0.);
    BandedMatrix         uptake(n_dofs_, p);
    std::vector<bool>    active(n_dofs_, false);
    uptake_functional_.assign(n_dofs_, 0.);
    dissolution_functional_.assign(n_dofs_, 0.);

    for (unsigned int l = 0; l < n_layers; ++l)
      {
        const bool is_patch = setup_.layers[l].role == LayerRole::patch;
        if (is_patch && !patch_attached_)
          continue;
        const double d_scale = scales_.diffusivity_factor(l);
        const double k_scale = scales_.blood_uptake_factor(l);
        mass_now_.add(1., mass_[l]);
        operator_now_.add(d_scale, stiffness_[l]);
        operator_now_.add(k_scale, uptake_[l]);
        uptake.add(k_scale, uptake_[l]);
        for (unsigned int i = 0; i < n_dofs_; ++i)
          active[i] = active[i] || dof_in_layer_[l][i];
        if (is_patch && dissolving_)
          {
            const double rate = setup_.dissolution_rate_per_h;
            operator_now_.add(rate, mass_[l]);
            for (unsigned int i = 0; i < n_dofs_; ++i)
              {
                source_now_[i] += rate * setup_.patch_solubility_mg_per_cm3 * load_[l][i];
                dissolution_functional_[i] += rate * amount_weights_[l][i];
              }
          }
      }
    uptake_functional_ = uptake.column_sums();
    source_total_      = std::accumulate(source_now_.begin(), source_now_.end(), 0.);

    row_kind_.assign(n_dofs_, 0);
    for (unsigned int i = 0; i < n_dofs_; ++i)
      if (!active[i])
        row_kind_[i] = 2;
    if (setup_.fixed_top_concentration)
      row_kind_[top_dof_] = 1;
    if (setup_.sink_bottom)
      row_kind_[bottom_dof_] = 1;
    top_potential_ = setup_.fixed_top_concentration ?
                       setup_.donor_concentration_mg_per_cm3 / setup_.donor_vehicle_partition_coeff :
                       0.;
    fixed_rows_.clear();
    dirichlet_rows_.clear();
    for (unsigned int i = 0; i < n_dofs_; ++i)
      if (row_kind_[i] != 0)
        fixed_rows_.push_back(i);
    for (unsigned int i = 0; i < n_dofs_; ++i)
      if (row_kind_[i] == 1)
        dirichlet_rows_.emplace_back(
          i, i == top_dof_ && setup_.fixed_top_concentration ? top_potential_ : 0.);

    factors_.clear();
    last_factor_ = nullptr;
    last_h_      = -1;
    mass_factor_.factorize(constrained_matrix(0.));
    state_scale_ = compute_state_scale();
    work_rhs_.resize(n_dofs_);
    work_residual_.resize(n_dofs_);
  }

  void SkinColumn::detach_patch()
  {
    if (!setup_.layers.has_role(LayerRole::patch))
      throw std::logic_error("detach_patch: the column has no patch layer");
    patch_attached_ = false;
    dissolving_     = false;
    update_configuration();
  }

  void CoefficientScales::validate(const unsigned int n_layers, const std::string &who) const
  {
    for (const std::vector<double> *factors : {&diffusivity, &blood_uptake})
      {
        if (!factors->empty() && factors->size() != n_layers)
          throw std::invalid_argument(who + ": one factor per layer needed (" + std::to_string(n_layers) + ")");
        for (const double f : *factors)
          if (!(std::isfinite(f) && f > 0))
            throw std::invalid_argument(who + ": factors must be finite and > 0");
      }
  }

  void SkinColumn::set_coefficient_scales(const CoefficientScales &scales)
  {
    scales.validate(setup_.layers.n_layers(), "set_coefficient_scales");
    scales_ = scales;
    update_configuration();
  }

  void SkinColumn::stop_dissolution()
  {
    dissolving_ = false;
    update_configuration();
  }

  std::vector<double> SkinColumn::initial_state() const
  {
    std::vector<double> y(state_size(), 0.);
    if (setup_.fixed_top_concentration)
      y[top_dof_] = top_potential_;
    else
      {
        // (K u0, v) = (c0, v): the projection keeps the initial amount exact.
        for (unsigned int l = 0; l < setup_.layers.n_layers(); ++l)
          for (unsigned int i = 0; i < n_dofs_; ++i)
            y[i] += setup_.initial_concentration_mg_per_cm3[l] * load_[l][i];
        mass_factor_.solve(y.data());
      }
    y[n_dofs_ + dispersed] = setup_.dispersed_mg_per_cm2;
    // Imposing the donor concentration on the surface node puts drug into
    // the skin at t = 0: count it as entered, so the balance closes.
    if (setup_.fixed_top_concentration)
      for (unsigned int l = 0; l < setup_.layers.n_layers(); ++l)
        y[n_dofs_ + entered] += dot(amount_weights_[l], y.data());
    return y;
  }

  BandedMatrix SkinColumn::constrained_matrix(const double h_h) const
  {
    BandedMatrix matrix = mass_now_;
    matrix.add(h_h, operator_now_);
    const unsigned int b = matrix.bandwidth();
    for (const unsigned int d : fixed_rows_)
      {
        for (unsigned int j = (d > b ? d - b : 0); j <= std::min(n_dofs_ - 1, d + b); ++j)
          {
            matrix.entry(d, j) = 0.;
            matrix.entry(j, d) = 0.;
          }
        matrix.entry(d, d) = 1.;
      }
    return matrix;
  }

  const BandedLU &SkinColumn::system_factor(const double h_h) const
  {
    if (last_factor_ && h_h == last_h_)
      return *last_factor_;
    auto found = factors_.find(h_h);
    if (found == factors_.end())
      {
        // Step sizes come from a ladder, so few distinct ones occur; the
        // bound only guards against unbounded growth.
        if (factors_.size() > 64)
          factors_.clear();
        found = factors_.emplace(h_h, BandedLU(constrained_matrix(h_h))).first;
      }
    last_factor_ = &found->second;
    last_h_      = h_h;
    return found->second;
  }

  void SkinColumn::implicit_euler_step(const double h_h, const double *y_old, double *y_new) const
  {
    const BandedLU     &lu    = system_factor(h_h);
    const unsigned int  b     = mass_now_.bandwidth();
    const double       *u_old = y_old;
    std::vector<double> &rhs  = work_rhs_;

    mass_now_.vmult(u_old, rhs.data());
    for (unsigned int i = 0; i < n_dofs_; ++i)
      rhs[i] += h_h * source_now_[i];
    for (const unsigned int d : fixed_rows_)
      rhs[d] = u_old[d];
    // Symmetric elimination of the Dirichlet values.
    for (const auto &[d, value] : dirichlet_rows_)
      {
        rhs[d] = value;
        for (unsigned int i = (d > b ? d - b : 0); i <= std::min(n_dofs_ - 1, d + b); ++i)
          if (row_kind_[i] == 0)
            rhs[i] -= (mass_now_(i, d) + h_h * operator_now_(i, d)) * value;
      }
    lu.solve(rhs);
    const double *u_new = rhs.data();

    // Boundary fluxes as residuals of the unconstrained equations at the
    // Dirichlet rows: this makes the amount balance exact. (y_new is written
    // only at the end, so it may alias y_old.)
    auto boundary_inflow = [&](const unsigned int d) {
      return mass_now_.row_times(d, u_new) - mass_now_.row_times(d, u_old) +
             h_h * (operator_now_.row_times(d, u_new) - source_now_[d]);
    };
    double scalars[n_scalars];
    std::copy(y_old + n_dofs_, y_old + n_dofs_ + n_scalars, scalars);
    scalars[absorbed] += h_h * dot(uptake_functional_, u_new);
    if (dissolving_)
      scalars[dispersed] -= h_h * (source_total_ - dot(dissolution_functional_, u_new));
    if (setup_.fixed_top_concentration)
      scalars[entered] += boundary_inflow(top_dof_);
    if (setup_.sink_bottom)
      scalars[permeated] -= boundary_inflow(bottom_dof_);

    std::copy(rhs.begin(), rhs.end(), y_new);
    std::copy(scalars, scalars + n_scalars, y_new + n_dofs_);
  }

  double SkinColumn::amount(const double *y, const LayerRole role) const
  {
    if (role == LayerRole::patch && !patch_attached_)
      return 0.;
    double sum = 0;
    for (unsigned int l = 0; l < setup_.layers.n_layers(); ++l)
      if (setup_.layers[l].role == role)
        sum += dot(amount_weights_[l], y);
    return sum;
  }

  double SkinColumn::to_blood_mg_per_cm2_per_h(const double *y) const
  {
    return dot(uptake_functional_, y);
  }

  const std::vector<double> &SkinColumn::time_derivative(const double *y) const
  {
    std::vector<double> &du = work_rhs_, &residual_base = work_residual_;
    for (unsigned int i = 0; i < n_dofs_; ++i)
      {
        residual_base[i] = operator_now_.row_times(i, y) - source_now_[i];
        du[i]            = -residual_base[i];
      }
    for (const unsigned int d : fixed_rows_)
      du[d] = 0.;
    mass_factor_.solve(du);
    return du;
  }

  double SkinColumn::to_blood_rate_of_change(const double *y) const
  {
    return dot(uptake_functional_, time_derivative(y).data());
  }

  SkinColumn::Rates SkinColumn::rates(const double *y) const
  {
    const std::vector<double> &du = time_derivative(y), &residual_base = work_residual_;

    Rates rates;
    rates.to_blood = to_blood_mg_per_cm2_per_h(y);
    auto inflow    = [&](const unsigned int d) {
      return mass_now_.row_times(d, du.data()) + residual_base[d];
    };
    const double dissolution = dissolving_ ? source_total_ - dot(dissolution_functional_, y) : 0.;
    if (setup_.fixed_top_concentration)
      rates.into_skin = inflow(top_dof_);
    else
      for (unsigned int l = 0; l < setup_.layers.n_layers(); ++l)
        {
          const LayerRole role = setup_.layers[l].role;
          if ((role == LayerRole::patch && patch_attached_) || role == LayerRole::donor)
            rates.into_skin -= dot(amount_weights_[l], du.data());
        }
    if (patch_attached_)
      rates.into_skin += dissolution;
    if (setup_.sink_bottom)
      rates.out = -inflow(bottom_dof_);
    else
      for (unsigned int l = 0; l < setup_.layers.n_layers(); ++l)
        if (setup_.layers[l].role == LayerRole::receptor)
          rates.out += dot(amount_weights_[l], du.data());
    return rates;
  }

  std::vector<double> SkinColumn::compute_state_scale() const
  {
    double u_scale = top_potential_, amount_scale = 0;
    for (unsigned int l = 0; l < setup_.layers.n_layers(); ++l)
      {
        const Layer &layer = setup_.layers[l];
        const double c0    = setup_.initial_concentration_mg_per_cm3[l];
        u_scale            = std::max(u_scale, c0 / layer.partition_coefficient);
        amount_scale += c0 * layer.thickness_cm;
      }
    if (dissolving_)
      u_scale = std::max(u_scale, setup_.patch_solubility_mg_per_cm3 /
                                    setup_.layers[setup_.layers.first_with_role(LayerRole::patch)]
                                      .partition_coefficient);
    amount_scale += setup_.dispersed_mg_per_cm2;
    if (setup_.fixed_top_concentration)
      amount_scale = std::max(amount_scale, setup_.donor_concentration_mg_per_cm3 *
                                              setup_.layers.total_thickness_cm());
    if (!(u_scale > 0))
      u_scale = 1.;
    if (!(amount_scale > 0))
      amount_scale = 1.;
    std::vector<double> scale(state_size(), u_scale);
    std::fill(scale.begin() + n_dofs_, scale.end(), amount_scale);
    return scale;
  }

  double SkinColumn::concentration_at(const double *y, const double x_cm, const bool upper_side) const
  {
    std::vector<unsigned int>  dofs;
    const std::vector<double> &x = mesh_.vertex_depths_cm();
    const unsigned int         n_cells = mesh_.n_cells();
    for (unsigned int c = 0; c < n_cells; ++c)
      {
        const double x0 = x[c], x1 = x[c + 1];
        const bool   inside = upper_side ? (x_cm > x0 && x_cm <= x1) : (x_cm >= x0 && x_cm < x1);
        const bool   last   = x_cm >= x1 && c + 1 == n_cells;
        if (!inside && !last && !(x_cm <= x0 && c == 0))
          continue;
        cell_dofs(c, dofs);
        const double xi = std::clamp((x_cm - x0) / (x1 - x0), 0., 1.);
        double       u  = 0;
        for (unsigned int i = 0; i < dofs.size(); ++i)
          u += y[dofs[i]] * fe_.shape_value(i, dealii::Point<1>(xi));
        return setup_.layers[mesh_.cell_layers()[c]].partition_coefficient * u;
      }
    return 0.;
  }
} // namespace dermatwin::fem
