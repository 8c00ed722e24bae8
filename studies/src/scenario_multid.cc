// SPDX-License-Identifier: LGPL-2.1-or-later
// The time loop of a multi-D scenario (simulation.geometry axisymmetric or
// 3d): one fem::SkinBlock carrying every patch, Crank-Nicolson steps with
// step sizes growing 4-fold from max_step_h / 4^3 up to max_step_h after every
// event, each of those ramp steps taken as two implicit-Euler half steps
// (Rannacher 1984), and the PK model
// driven by the absorbed amount of each step (one-way coupling: the blood is
// a sink for the skin). Output rows and summary mean what they mean in 1D.
#include <dermatwin/fem/skin_block.h>
#include <dermatwin/pk/compartment_model.h>

#include <deal.II/base/data_out_base.h>

#include "scenario_summary.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>

namespace dermatwin::studies
{
  namespace
  {
    constexpr double mg_to_ug = 1000.;
    const double     nan      = std::numeric_limits<double>::quiet_NaN();
    /// The first step after an event is max_step_h / ramp_factor^ramp_levels;
    /// each later one is ramp_factor times longer up to max_step_h. Every step
    /// of that ramp, the first max_step_h one included, is taken as two
    /// implicit-Euler half steps: Crank-Nicolson alone lets the stiff modes
    /// of the non-smooth start (patch on fresh skin, removal) oscillate with
    /// an amplification near -1 once the step outgrows them. The half steps
    /// use the matrix M + h/2 A of the Crank-Nicolson step of the same size,
    /// so they cost no extra factorisation; a fixed number of them keeps the
    /// scheme second-order (Rannacher 1984; Luskin & Rannacher 1982).
    /// (Factor 4 gives the same results as 2 to 1e-7 with half the distinct
    /// step sizes, i.e. half the factorisations of the axisymmetric block;
    /// 3 levels instead of 5 change Cmax by 2e-7 and save two.)
    constexpr unsigned int ramp_factor = 4;
    constexpr unsigned int ramp_levels = 3;

    fem::BlockSetup block_setup(const ScenarioPlan &plan, const MPI_Comm comm)
    {
      const ColumnPlan &first = plan.columns.at(0);
      const MultiDPlan &m     = plan.multid;
      fem::BlockSetup   b;
      b.layers                           = first.setup.layers;
      b.initial_concentration_mg_per_cm3 = first.setup.initial_concentration_mg_per_cm3;
      b.footprints                       = m.footprints;
      b.fixed_top_concentration          = first.setup.fixed_top_concentration;
      b.donor_concentration_mg_per_cm3   = first.setup.donor_concentration_mg_per_cm3;
      b.donor_vehicle_partition_coeff    = first.setup.donor_vehicle_partition_coeff;
      b.sink_bottom                      = first.setup.sink_bottom;
      b.domain_radius_cm                 = m.domain_radius_cm;
      b.domain_size_x_cm                 = m.domain_size_x_cm;
      b.domain_size_y_cm                 = m.domain_size_y_cm;
      b.fe_degree                        = first.setup.fe_degree;
      b.depth_mesh                       = first.setup.mesh;
      b.lateral_mesh                     = m.lateral_mesh;
      b.global_refinements               = m.global_refinements;
      b.communicator                     = comm;
      for (const ColumnPlan &c : plan.columns)
        if (c.setup.dispersed_mg_per_cm2 > 0)
          throw std::invalid_argument("dispersed drug is not available for geometry " + m.geometry);
      return b;
    }

    template <int dim>
    class BlockRunner
    {
    public:
      BlockRunner(const ScenarioPlan &plan, const MPI_Comm comm)
        : plan_(plan)
        , block_(block_setup(plan, comm))
        , applied_(plan.columns.size(), false)
        , attached_(plan.columns.size(), false)
      {
        if (plan.disposition)
          {
            pk_.emplace(*plan.disposition);
            amounts_ = Eigen::VectorXd::Zero(pk_->n_compartments());
          }
      }

      Result run(const Progress &progress)
      {
        const auto start = std::chrono::steady_clock::now();
        run_events_and_outputs(plan_, *this, t_, progress);
        finish_fields();
        summarise();
        result_.summary.wall_time_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        result_.in_vitro = plan_.in_vitro;
        return std::move(result_);
      }

      /// Step size ladder after an event: h0 = max_step_h / 4^ramp_levels,
      /// then 4 h0, 16 h0, ... up to max_step_h, so the steps land on
      /// max_step_h multiples after the event.
      double ladder_step() const
      {
        const double       h_max = plan_.multid.max_step_h;
        const unsigned int level = std::min(ramp_levels, steps_since_event_);
        return h_max / std::pow(double(ramp_factor), double(ramp_levels - level));
      }

      /// The ramp steps (up to and including the first max_step_h one) are
      /// split into two implicit-Euler halves.
      bool on_ramp() const { return steps_since_event_ <= ramp_levels; }

      void advance_to(const double t_stop)
      {
        // Field output times are stops too.
        while (t_ < t_stop - 1e-12 * std::max(1., t_stop))
          {
            const double field_h = next_field_time();
            const double stop    = field_h > t_ + 1e-12 && field_h < t_stop ? field_h : t_stop;
            double       h    = ladder_step();
            if (t_ + h > stop - 0.01 * h)
              h = stop - t_;
            take_step(h);
            if (std::abs(t_ - next_field_time()) <= 1e-9 * std::max(1., t_))
              write_fields();
          }
        t_ = t_stop;
      }

      void take_step(const double h)
      {
        if (on_ramp())
          {
            advance_block(h / 2, true);
            advance_block(h / 2, true);
          }
        else
          advance_block(h, false);
        ++steps_since_event_;
      }

      /// One step of the skin block and of the blood it feeds.
      void advance_block(const double h, const bool implicit_euler)
      {
        const double before = block_.absorbed_mg();
        block_.step(h, implicit_euler);
        if (pk_)
          {
            auto found = propagators_.find(h);
            if (found == propagators_.end())
              {
                if (propagators_.size() > 64)
                  propagators_.clear();
                found = propagators_.emplace(h, pk::ExactStepPropagator(*pk_, h)).first;
              }
            // The blood receives exactly the absorbed amount of the step.
            amounts_ = found->second.step(amounts_, (block_.absorbed_mg() - before) / h);
          }
        t_ += h;
        ++result_.summary.time_steps;
        if (implicit_euler)
          ++result_.summary.euler_substeps;
        if (pk_)
          {
            const double c = pk_->plasma_concentration_ng_per_mL(amounts_);
            if (c > peak_ng_per_mL_)
              peak_ng_per_mL_ = c, peak_h_ = t_;
          }
      }

      void handle(const Event &event)
      {
        const ColumnPlan &column = plan_.columns[event.column];
        if (event.kind == Event::coefficients)
          // One skin temperature for the whole block (the study parser
          // makes every application of a 3d block share one history).
          block_.set_coefficient_scales(column.coefficient_changes[event.change].scales);
        else if (event.kind == Event::apply)
          {
            // The temperature from apply_h on is part of the application
            // (schedule() lists only the later changes).
            for (const CoefficientChange &change : column.coefficient_changes)
              if (change.t_h <= column.apply_h)
                block_.set_coefficient_scales(change.scales);
            if (!plan_.in_vitro)
              block_.apply_patch(column.footprint,
                                 column.load_mg / block_.patch_volume_cm3(column.footprint));
            loaded_mg_ += column.load_mg;
            applied_[event.column] = attached_[event.column] = true;
          }
        else
          {
            removed_mg_ += block_.remove_patch(column.footprint);
            attached_[event.column] = false;
          }
        steps_since_event_ = 0;
        last_event_h_      = t_;
      }

    private:
      Snapshot snapshot() const
      {
        Snapshot s;
        for (unsigned int c = 0; c < plan_.columns.size(); ++c)
          {
            if (attached_[c])
              s.area_in += plan_.columns[c].area_cm2;
            if (applied_[c])
              s.area_all += plan_.columns[c].area_cm2;
          }
        if (plan_.in_vitro) // the donor stays on the whole skin
          s.area_in = s.area_all = plan_.columns[0].area_cm2;
        const typename fem::SkinBlock<dim>::Rates rates = block_.rates();
        s.input_mg_per_h = rates.to_blood;
        s.patch          = block_.amount_mg(fem::LayerRole::patch) + block_.amount_mg(fem::LayerRole::donor);
        s.skin           = block_.amount_mg(fem::LayerRole::skin);
        s.delivered_out  = plan_.in_vitro ?
                             block_.permeated_mg() + block_.amount_mg(fem::LayerRole::receptor) :
                             block_.absorbed_mg();
        s.entered        = block_.entered_mg();
        if (s.area_in > 0)
          s.flux_in = rates.into_skin / s.area_in;
        if (s.area_all > 0)
          s.flux_out = (plan_.in_vitro ? rates.out : rates.to_blood) / s.area_all;
        return s;
      }

      double plasma_ng_per_mL() const
      {
        return pk_ ? pk_->plasma_concentration_ng_per_mL(amounts_) : nan;
      }

    public:
      void record()
      {
        const Snapshot s  = snapshot();
        TimeSeries    &ts = result_.series;
        append_output_row(ts, t_, plasma_ng_per_mL(), s, removed_mg_, plan_.donor_concentration_mg_per_mL > 0);
        if (t_ > last_event_h_)
          {
            const auto [lo, hi] = block_.u_range();
            lowest_u_           = std::min(lowest_u_, lo);
            highest_u_          = std::max(highest_u_, hi);
            if (ts.plasma_ng_per_mL.back() < 0)
              lowest_u_ = std::min(lowest_u_, ts.plasma_ng_per_mL.back());
          }
        if (t_ == 0. && plan_.multid.fields_every_h > 0)
          write_fields();
      }

    private:
      double next_field_time() const
      {
        const double every = plan_.multid.fields_every_h;
        if (!(every > 0))
          return std::numeric_limits<double>::infinity();
        return (fields_written_) * every;
      }

      void write_fields()
      {
        char base[32];
        std::snprintf(base, sizeof base, "fields_%05u", fields_written_);
        for (auto &[name, text] : block_.field_files(base))
          result_.field_files.emplace_back("fields/" + name, std::move(text));
        field_times_.emplace_back(t_, std::string(base) + ".pvtu");
        ++fields_written_;
      }

      void finish_fields()
      {
        if (field_times_.empty() || result_.field_files.empty())
          return; // nothing, or not rank 0
        std::ostringstream pvd;
        dealii::DataOutBase::write_pvd_record(pvd, field_times_);
        result_.field_files.emplace_back("fields/fields.pvd", pvd.str());
      }

      void summarise()
      {
        const TimeSeries &ts  = result_.series;
        Summary          &s   = result_.summary;
        const Snapshot    end = snapshot();
        summarise_amounts(s, end, loaded_mg_, removed_mg_, plan_.donor_concentration_mg_per_mL > 0);
        s.dof_count         = block_.n_dofs();
        s.linear_iterations = block_.total_iterations();
        s.min_concentration_relative = highest_u_ > 0 ? std::min(0., lowest_u_) / highest_u_ : 0.;
        if (pk_)
          {
            const auto  &c   = ts.plasma_ng_per_mL;
            const size_t top = std::max_element(c.begin(), c.end()) - c.begin();
            s.cmax_ng_per_mL = std::max(c[top], peak_ng_per_mL_);
            s.tmax_h         = peak_ng_per_mL_ >= c[top] ? peak_h_ : ts.time_h[top];
            // Linear PK: eliminated = absorbed - in the body = CL * AUC.
            const double eliminated_mg = block_.absorbed_mg() - amounts_.sum();
            s.auc_0_last_ng_h_per_mL =
              eliminated_mg / plan_.disposition->clearance_L_per_h * mg_to_ug;
            s.apparent_half_life_after_removal_h = half_life_after_removal(plan_, ts);
          }
        else
          fit_steady_permeation(ts, plan_.donor_concentration_mg_per_mL, s);
      }

      const ScenarioPlan                     &plan_;
      fem::SkinBlock<dim>                     block_;
      std::optional<pk::CompartmentModel>     pk_;
      Eigen::VectorXd                         amounts_;
      std::map<double, pk::ExactStepPropagator> propagators_;
      std::vector<bool>                       applied_, attached_;
      double       t_ = 0, loaded_mg_ = 0, removed_mg_ = 0, last_event_h_ = 0;
      double       peak_ng_per_mL_ = -1, peak_h_ = 0, lowest_u_ = 0, highest_u_ = 0;
      unsigned int steps_since_event_ = 0, fields_written_ = 0;
      std::vector<std::pair<double, std::string>> field_times_;
      Result       result_;
    };
  } // namespace

  Result run_multid_scenario(const ScenarioPlan &plan, const Progress &progress)
  {
    fem::ensure_mpi_initialized();
    const MPI_Comm comm = plan.multid.mpi_world ? MPI_COMM_WORLD : MPI_COMM_SELF;
    if (plan.multid.geometry == "axisymmetric")
      return BlockRunner<2>(plan, comm).run(progress);
    if (plan.multid.geometry == "3d")
      return BlockRunner<3>(plan, comm).run(progress);
    throw std::invalid_argument("unknown geometry " + plan.multid.geometry);
  }
} // namespace dermatwin::studies
