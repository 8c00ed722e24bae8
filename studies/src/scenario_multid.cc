// SPDX-License-Identifier: LGPL-2.1-or-later
// The time loop of a multi-D scenario (simulation.geometry axisymmetric or
// 3d): in 3d one fem::SkinBlock carrying every patch; axisymmetric, one disc
// of skin per application (they do not interact, as the 1D columns; a Franz
// cell is one disc). Crank-Nicolson steps of max_step_h, after an event
// started with implicit-Euler half steps (Rannacher 1984) and after an
// application with a ladder of smaller steps (see ramp_levels); the PK model
// driven by the absorbed amount of each step (one-way coupling: the blood is
// a sink for the skin). Dispersed drug dissolves while it lasts; the step
// that uses it up is shortened to end there (an event like a removal).
// Output rows and summary mean what they mean in 1D.
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
    /// Start-up after an event. Crank-Nicolson alone lets the stiff modes of
    /// a non-smooth start oscillate with an amplification near -1 once the
    /// step outgrows them, so the first steps after an event are taken as
    /// two implicit-Euler half steps each (Rannacher 1984; Luskin & Rannacher
    /// 1982). A half step uses the matrix M + h/2 A of the Crank-Nicolson
    /// step of the same size h, so it costs no extra factorisation, and a
    /// fixed number of them keeps the scheme second-order.
    ///
    /// A patch put on fresh skin (or a Franz donor at t = 0) is discontinuous
    /// data: there the first max_step_h interval is resolved by a ladder of
    /// smaller implicit-Euler steps, h/64, 3h/64, 3h/16, 3h/4, which lands
    /// exactly on h (so the later steps stay on the max_step_h grid of the
    /// output rows and need no other size); the steps after the ladder are
    /// Crank-Nicolson. Removals, temperature changes and the end of
    /// dissolution leave the field continuous: for them the first step as two
    /// half steps is enough. Each step size costs one factorisation of the
    /// axisymmetric block (about 25 steps' worth): 4 + 1 per application,
    /// 1 per other event. On axisymmetric fentanyl (refinement 1) this moves
    /// Cmax by -3.4e-7 and the delivered amount by -1.6e-6 relative to 0.025
    /// h steps; the former ladder (h/64, h/16, h/4, then the rest of the
    /// interval, at every event) gave +1.8e-6 / -1.3e-6 with 10 instead of
    /// 6 factorisations, and the lowest Franz-cell concentration improves
    /// (-0.18 % instead of -0.29 % of the donor on franz_explicit_layers).
    constexpr unsigned int ramp_factor = 4;
    constexpr unsigned int ramp_levels = 3;
    /// Adaptive refinement (SkinBlock::adapt_mesh, fixed fraction of the
    /// summed indicators): refine the cells carrying the top 60 %, coarsen
    /// those carrying the bottom 5 %.
    constexpr double refine_fraction  = 0.6;
    constexpr double coarsen_fraction = 0.05;

    /// The block of skin carrying footprint @p footprint alone (axisymmetric,
    /// in vivo), or every footprint (@p footprint < 0: 3d, or a Franz cell).
    fem::BlockSetup block_setup(const ScenarioPlan &plan, const MPI_Comm comm, const int footprint)
    {
      const MultiDPlan &m     = plan.multid;
      const auto        first = std::find_if(plan.columns.begin(), plan.columns.end(), [&](const ColumnPlan &c) {
        return footprint < 0 || c.footprint == unsigned(footprint);
      });
      fem::BlockSetup   b;
      b.layers                           = first->setup.layers;
      b.initial_concentration_mg_per_cm3 = first->setup.initial_concentration_mg_per_cm3;
      b.footprints = footprint < 0 ? m.footprints : std::vector<fem::PatchFootprint>{m.footprints.at(footprint)};
      b.fixed_top_concentration          = first->setup.fixed_top_concentration;
      b.donor_concentration_mg_per_cm3   = first->setup.donor_concentration_mg_per_cm3;
      b.donor_vehicle_partition_coeff    = first->setup.donor_vehicle_partition_coeff;
      b.sink_bottom                      = first->setup.sink_bottom;
      b.domain_radius_cm = footprint < 0 ? m.domain_radius_cm : m.domain_radii_cm.at(footprint);
      b.domain_size_x_cm                 = m.domain_size_x_cm;
      b.domain_size_y_cm                 = m.domain_size_y_cm;
      b.fe_degree                        = first->setup.fe_degree;
      b.depth_mesh                       = first->setup.mesh;
      b.lateral_mesh                     = m.lateral_mesh;
      b.global_refinements               = m.global_refinements;
      b.communicator                     = comm;
      return b;
    }

    /// Dissolved concentration and dispersed drug of a patch of @p volume_cm3
    /// as meshed holding the column's load: dissolved up to the solubility.
    std::pair<double, fem::DispersedDrug> patch_contents(const ColumnPlan &column, const double volume_cm3)
    {
      const fem::ColumnSetup &c          = column.setup;
      const double            per_volume = column.load_mg / volume_cm3;
      fem::DispersedDrug      dispersed;
      if (c.dispersed_mg_per_cm2 > 0 && per_volume > c.patch_solubility_mg_per_cm3)
        {
          dispersed.amount_mg              = column.load_mg - c.patch_solubility_mg_per_cm3 * volume_cm3;
          dispersed.solubility_mg_per_cm3  = c.patch_solubility_mg_per_cm3;
          dispersed.dissolution_rate_per_h = c.dissolution_rate_per_h;
          return {c.patch_solubility_mg_per_cm3, dispersed};
        }
      return {per_volume, dispersed};
    }

    template <int dim>
    class BlockRunner
    {
    public:
      BlockRunner(const ScenarioPlan &plan, const MPI_Comm comm)
        : plan_(plan)
        , placement_(plan.columns.size())
        , applied_(plan.columns.size(), false)
        , attached_(plan.columns.size(), false)
      {
        const bool disc_per_patch = dim == 2 && !plan.in_vitro;
        if (!disc_per_patch)
          {
            blocks_.push_back(std::make_unique<fem::SkinBlock<dim>>(block_setup(plan, comm, -1)));
            block_labels_.push_back("");
            for (unsigned int c = 0; c < plan.columns.size(); ++c)
              placement_[c] = {0, plan.columns[c].footprint};
          }
        else
          {
            // One disc per footprint that is ever applied, in footprint order.
            std::map<unsigned int, unsigned int> block_of;
            for (const ColumnPlan &c : plan.columns)
              if (block_of.emplace(c.footprint, block_of.size()).second)
                {
                  blocks_.push_back(std::make_unique<fem::SkinBlock<dim>>(block_setup(plan, comm, c.footprint)));
                  block_labels_.push_back("application_" + std::to_string(c.footprint) + "/");
                }
            for (unsigned int c = 0; c < plan.columns.size(); ++c)
              placement_[c] = {block_of.at(plan.columns[c].footprint), 0};
            if (blocks_.size() == 1)
              block_labels_[0].clear();
          }
        field_times_.resize(blocks_.size());
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
        apply_pending_patches();
        finish_fields();
        summarise();
        result_.summary.wall_time_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        result_.in_vitro = plan_.in_vitro;
        return std::move(result_);
      }

      /// Step size after an event: on the ladder of an application,
      /// h/4^levels, then 3 h/4^levels, 3 h/4^(levels-1), ..., 3 h/4 (ending
      /// exactly at max_step_h after the event), then max_step_h.
      double ladder_step() const { return ladder_step(steps_since_event_); }
      /// The same for step @p k after the event.
      double ladder_step(const unsigned int k) const
      {
        const double h_max = plan_.multid.max_step_h;
        if (k >= ladder_steps())
          return h_max;
        const double shortest = h_max / std::pow(double(ramp_factor), double(ladder_levels_));
        if (k == 0)
          return shortest;
        return shortest * (ramp_factor - 1) * std::pow(double(ramp_factor), double(k - 1));
      }

      /// Number of steps on the ladder of the current event.
      unsigned int ladder_steps() const { return ladder_levels_ == 0 ? 0 : ladder_levels_ + 1; }

      /// The ladder steps, or without a ladder the first step, are split into
      /// two implicit-Euler halves.
      bool on_ramp() const { return steps_since_event_ < std::max(1u, ladder_steps()); }

      void advance_to(const double t_stop)
      {
        apply_pending_patches();
        // Field output times are stops too.
        while (t_ < t_stop - 1e-12 * std::max(1., t_stop))
          {
            const double field_h = next_field_time();
            const double stop    = field_h > t_ + 1e-12 && field_h < t_stop ? field_h : t_stop;
            double       h    = ladder_step();
            if (t_ + h > stop - 0.01 * h)
              h = stop - t_;
            // A step that would use up dispersed drug ends where it is used up
            // (predicted from the current dissolution rate; the small rest,
            // of either sign, is settled by stop_dissolution).
            const double depletion_h = time_to_depletion_h();
            const bool   depletes    = depletion_h <= 1.1 * h;
            h                        = std::min(h, depletion_h);
            if (h > 0)
              take_step(h);
            // Periodic adaptation, not during the start-up ramp after an event.
            if (plan_.multid.adaptive_levels > 0 && !on_ramp() &&
                t_ >= next_adapt_h_ - 1e-9 * std::max(1., t_))
              {
                adapt(1);
                next_adapt_h_ = t_ + plan_.multid.adapt_every_h;
              }
            if (depletes || any_overrun())
              end_used_up_dissolution(h);
            if (std::abs(t_ - next_field_time()) <= 1e-9 * std::max(1., t_))
              write_fields();
          }
        t_ = t_stop;
      }

      void take_step(const double h)
      {
        // Each ladder step has its own size, hence its own matrix: let the
        // blocks factorise them ahead (axisymmetric: on a second core).
        if (steps_since_event_ == 0 && ladder_steps() > 0)
          {
            std::vector<std::pair<double, bool>> steps;
            for (unsigned int k = 0; k < ladder_steps(); ++k)
              steps.emplace_back(ladder_step(k) / 2, true); // two implicit-Euler halves
            steps.emplace_back(plan_.multid.max_step_h, false);
            for (auto &block : blocks_)
              block->prepare_steps(steps);
          }
        if (on_ramp() || damp_next_step_)
          {
            damp_next_step_ = false;
            advance_blocks(h / 2, true);
            advance_blocks(h / 2, true);
            // A passed rung of the ladder does not come again (its
            // factorisation's memory goes to the next rung's).
            if (steps_since_event_ < ladder_steps() && h / 2 != plan_.multid.max_step_h / 2)
              for (auto &block : blocks_)
                block->release_step(h / 2, true);
          }
        else
          advance_blocks(h, false);
        ++steps_since_event_;
      }

      /// One step of the skin blocks and of the blood they feed.
      void advance_blocks(const double h, const bool implicit_euler)
      {
        const double before = absorbed_mg(), rate_before = to_blood_mg_per_h();
        for (auto &block : blocks_)
          block->step(h, implicit_euler);
        if (pk_)
          {
            auto found = propagators_.find(h);
            if (found == propagators_.end())
              {
                if (propagators_.size() > 64)
                  propagators_.clear();
                found = propagators_.emplace(h, pk::LinearInputStepPropagator(*pk_, h)).first;
              }
            // The blood receives exactly the absorbed amount of the step.
            const double mean = (absorbed_mg() - before) / h;
            const double r0 = implicit_euler ? mean : rate_before, r1 = implicit_euler ? mean : 2 * mean - r0;
            const Eigen::VectorXd start = amounts_;
            amounts_ = found->second.step(start, r0, r1);
            track_peak(start, h, r0, r1);
          }
        t_ += h;
        ++result_.summary.time_steps;
        if (implicit_euler)
          ++result_.summary.euler_substeps;
      }

      /// d(central amount)/dt [mg/h] at amounts @p a with input @p r.
      double central_rate(const Eigen::VectorXd &a, const double r) const
      {
        return pk_->rate_matrix().row(0).dot(a) + r;
      }

      /// Cmax over the step from t_ that starts at @p start with input rate
      /// r0 -> r1: the step end, or, if the plasma level turns inside the
      /// step, the root of its derivative (Illinois method).
      void track_peak(const Eigen::VectorXd &start, const double h, const double r0, const double r1)
      {
        auto consider = [&](const Eigen::VectorXd &a, const double t) {
          const double c = pk_->plasma_concentration_ng_per_mL(a);
          if (c > peak_ng_per_mL_)
            peak_ng_per_mL_ = c, peak_h_ = t;
        };
        consider(amounts_, t_ + h);
        const double g0 = central_rate(start, r0), g1 = central_rate(amounts_, r1);
        if (!(g0 > 0 && g1 < 0))
          return;
        auto at = [&](const double s) { return pk_->propagate_linear_input(start, s, r0, r0 + (r1 - r0) * s / h); };
        auto slope = [&](const double s) { return central_rate(at(s), r0 + (r1 - r0) * s / h); };
        double a = 0, b = h, ga = g0, gb = g1, s = h, previous = 0;
        int    side = 0;
        for (int it = 0; it < 60 && std::abs(s - previous) > 1e-10 * h; ++it)
          {
            previous        = s;
            s               = (a * gb - b * ga) / (gb - ga);
            const double gs = slope(s);
            if (gs > 0)
              {
                a = s, ga = gs;
                if (side == 1)
                  gb /= 2;
                side = 1;
              }
            else
              {
                b = s, gb = gs;
                if (side == -1)
                  ga /= 2;
                side = -1;
              }
            if (gs == 0)
              break;
          }
        consider(at(s), t_ + s);
      }

      double to_blood_mg_per_h() const
      {
        double sum = 0;
        for (const auto &block : blocks_)
          sum += block->to_blood_mg_per_h();
        return sum;
      }

      /// Applications and removals wait until the events at this time are
      /// all in (apply_pending_patches): patches put on or taken off together
      /// cost one assembly of their block, not one each.
      void handle(const Event &event)
      {
        if (event.kind != Event::coefficients)
          {
            pending_.push_back(event);
            return;
          }
        apply_pending_patches();
        // One skin temperature per block (the study parser makes every
        // application of a 3d block share one history).
        const ColumnPlan &column = plan_.columns[event.column];
        blocks_[placement_[event.column].block]->set_coefficient_scales(
          column.coefficient_changes[event.change].scales);
        restart(false);
      }

    private:
      /// The waiting applications and removals (handle): per block the
      /// removals first (at equal times the schedule has a removal before the
      /// next application), then the applications.
      void apply_pending_patches()
      {
        if (pending_.empty())
          return;
        std::vector<std::vector<unsigned int>>          removals(blocks_.size());
        std::vector<std::vector<fem::PatchApplication>> applications(blocks_.size());
        bool                                            applied_now = false;
        for (const Event &event : pending_)
          {
            const ColumnPlan  &column = plan_.columns[event.column];
            const unsigned int b = placement_[event.column].block, patch = placement_[event.column].footprint;
            if (event.kind == Event::apply)
              {
                // The temperature from apply_h on is part of the application
                // (schedule() lists only the later changes).
                for (const CoefficientChange &change : column.coefficient_changes)
                  if (change.t_h <= column.apply_h)
                    blocks_[b]->set_coefficient_scales(change.scales);
                if (!plan_.in_vitro)
                  {
                    const auto [dissolved, dispersed] = patch_contents(column, blocks_[b]->patch_volume_cm3(patch));
                    applications[b].push_back({patch, dissolved, dispersed});
                  }
                loaded_mg_ += column.load_mg;
                applied_[event.column] = attached_[event.column] = true;
                applied_now                                       = true;
              }
            else
              {
                removals[b].push_back(patch);
                attached_[event.column] = false;
              }
          }
        pending_.clear();
        for (unsigned int b = 0; b < blocks_.size(); ++b)
          {
            for (const double mg : blocks_[b]->remove_patches(removals[b]))
              removed_mg_ += mg;
            blocks_[b]->apply_patches(applications[b]);
          }
        // New patch edges: refine them to the finest level at once.
        if (applied_now && !plan_.in_vitro)
          adapt(plan_.multid.adaptive_levels);
        restart(applied_now);
      }

      /// Up to @p rounds adaptations of every block (stops early when no
      /// cell is flagged). The state interpolated to a new mesh is not smooth
      /// on it: Crank-Nicolson would let those stiff modes oscillate (seen as
      /// a concentration flipping sign every step), so the next step is taken
      /// as two implicit-Euler half steps.
      void adapt(const unsigned int rounds)
      {
        for (auto &block : blocks_)
          for (unsigned int r = 0; r < rounds; ++r)
            if (block->adapt_mesh(plan_.multid.adaptive_levels, refine_fraction, coarsen_fraction))
              damp_next_step_ = true;
            else
              break;
        record_dofs();
      }

      /// The largest DoF count of the run (adaptive meshes change it).
      void record_dofs()
      {
        std::size_t dofs = 0;
        for (const auto &block : blocks_)
          dofs += block->n_dofs();
        most_dofs_ = std::max(most_dofs_, dofs);
      }

      /// After an event: the steps start again with implicit-Euler halves,
      /// after an application (@p discontinuous) on the ladder.
      void restart(const bool discontinuous)
      {
        steps_since_event_ = 0;
        ladder_levels_     = discontinuous ? ramp_levels : 0;
        last_event_h_      = t_;
      }

      double absorbed_mg() const
      {
        double sum = 0;
        for (const auto &block : blocks_)
          sum += block->absorbed_mg();
        return sum;
      }

      /// Shortest time until a dissolving patch runs out of dispersed drug
      /// at its current dissolution rate [h] (infinity if none).
      double time_to_depletion_h() const
      {
        double shortest = std::numeric_limits<double>::infinity();
        for (const auto &block : blocks_)
          for (unsigned int p = 0; p < block->setup().footprints.size(); ++p)
            if (block->dissolving(p))
              {
                const double rate = block->dissolution_rate_mg_per_h(p);
                if (rate > 0)
                  shortest = std::min(shortest, std::max(0., block->dispersed_mg(p)) / rate);
              }
        return shortest;
      }

      bool any_overrun() const
      {
        for (const auto &block : blocks_)
          for (unsigned int p = 0; p < block->setup().footprints.size(); ++p)
            if (block->dissolving(p) && block->dispersed_mg(p) <= 0)
              return true;
        return false;
      }

      /// Ends dissolution in the patches whose dispersed drug is used up:
      /// overrun, or what is left would dissolve within a tenth of the step
      /// @p h_h just taken.
      void end_used_up_dissolution(const double h_h)
      {
        bool ended = false;
        for (auto &block : blocks_)
          for (unsigned int p = 0; p < block->setup().footprints.size(); ++p)
            if (block->dissolving(p))
              {
                const double rate = block->dissolution_rate_mg_per_h(p);
                if (block->dispersed_mg(p) <= 0.1 * h_h * std::max(rate, 0.))
                  {
                    block->stop_dissolution(p);
                    ended = true;
                  }
              }
        if (ended)
          restart(false);
      }

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
        typename fem::SkinBlock<dim>::Rates rates;
        for (const auto &block : blocks_)
          {
            const typename fem::SkinBlock<dim>::Rates r = block->rates();
            rates.into_skin += r.into_skin, rates.out += r.out, rates.to_blood += r.to_blood;
            s.patch += block->amount_mg(fem::LayerRole::patch) + block->amount_mg(fem::LayerRole::donor);
            for (unsigned int p = 0; p < block->setup().footprints.size(); ++p)
              s.patch += block->dispersed_mg(p);
            s.skin += block->amount_mg(fem::LayerRole::skin);
            s.delivered_out += plan_.in_vitro ?
                                 block->permeated_mg() + block->amount_mg(fem::LayerRole::receptor) :
                                 block->absorbed_mg();
            s.entered += block->entered_mg();
          }
        s.input_mg_per_h = rates.to_blood;
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
        apply_pending_patches();
        const Snapshot s  = snapshot();
        TimeSeries    &ts = result_.series;
        append_output_row(ts, t_, plasma_ng_per_mL(), s, removed_mg_, plan_.donor_concentration_mg_per_mL > 0);
        if (t_ > last_event_h_)
          {
            for (const auto &block : blocks_)
              {
                const auto [lo, hi] = block->u_range();
                lowest_u_           = std::min(lowest_u_, lo);
                highest_u_          = std::max(highest_u_, hi);
              }
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

      /// fields/ (one block) or fields/application_N/ (a disc per application).
      void write_fields()
      {
        char base[32];
        std::snprintf(base, sizeof base, "fields_%05u", fields_written_);
        for (unsigned int b = 0; b < blocks_.size(); ++b)
          {
            for (auto &[name, text] : blocks_[b]->field_files(base))
              result_.field_files.emplace_back("fields/" + block_labels_[b] + name, std::move(text));
            field_times_[b].emplace_back(t_, std::string(base) + ".pvtu");
          }
        ++fields_written_;
      }

      void finish_fields()
      {
        if (fields_written_ == 0 || result_.field_files.empty())
          return; // nothing, or not rank 0
        for (unsigned int b = 0; b < blocks_.size(); ++b)
          {
            std::ostringstream pvd;
            dealii::DataOutBase::write_pvd_record(pvd, field_times_[b]);
            result_.field_files.emplace_back("fields/" + block_labels_[b] + "fields.pvd", pvd.str());
          }
      }

      void summarise()
      {
        const TimeSeries &ts  = result_.series;
        Summary          &s   = result_.summary;
        const Snapshot    end = snapshot();
        summarise_amounts(s, end, loaded_mg_, removed_mg_, plan_.donor_concentration_mg_per_mL > 0);
        s.linear_iterations = 0;
        for (const auto &block : blocks_)
          s.linear_iterations += block->total_iterations();
        record_dofs();
        s.dof_count = static_cast<unsigned int>(most_dofs_);
        s.min_concentration_relative = highest_u_ > 0 ? std::min(0., lowest_u_) / highest_u_ : 0.;
        if (pk_)
          {
            const auto  &c   = ts.plasma_ng_per_mL;
            const size_t top = std::max_element(c.begin(), c.end()) - c.begin();
            s.cmax_ng_per_mL = std::max(c[top], peak_ng_per_mL_);
            s.tmax_h         = peak_ng_per_mL_ >= c[top] ? peak_h_ : ts.time_h[top];
            // Linear PK: eliminated = absorbed - in the body = CL * AUC.
            const double eliminated_mg = absorbed_mg() - amounts_.sum();
            s.auc_0_last_ng_h_per_mL =
              eliminated_mg / plan_.disposition->clearance_L_per_h * mg_to_ug;
            s.apparent_half_life_after_removal_h = half_life_after_removal(plan_, ts);
          }
        else
          fit_steady_permeation(ts, plan_.donor_concentration_mg_per_mL, s);
      }

      /// Which block carries a column's patch, and which footprint of it.
      struct Placement
      {
        unsigned int block = 0, footprint = 0;
      };

      const ScenarioPlan                                 &plan_;
      std::vector<std::unique_ptr<fem::SkinBlock<dim>>>  blocks_;
      std::vector<std::string>                           block_labels_; ///< field subfolder ("" or ".../")
      std::vector<Placement>                             placement_;    ///< per column
      std::optional<pk::CompartmentModel>                pk_;
      Eigen::VectorXd                                    amounts_;
      std::map<double, pk::LinearInputStepPropagator>    propagators_;
      std::vector<bool>                                  applied_, attached_;
      std::vector<Event>                                 pending_; ///< applications and removals not yet made
      double       t_ = 0, loaded_mg_ = 0, removed_mg_ = 0, last_event_h_ = 0, next_adapt_h_ = 0;
      std::size_t  most_dofs_ = 0;
      bool         damp_next_step_ = false; ///< after a new mesh
      double       peak_ng_per_mL_ = -1, peak_h_ = 0, lowest_u_ = 0, highest_u_ = 0;
      unsigned int steps_since_event_ = 0, fields_written_ = 0;
      /// Ladder levels of the current event (at the start: a Franz donor on
      /// fresh skin; in vivo the applications are events).
      unsigned int ladder_levels_ = ramp_levels;
      std::vector<std::vector<std::pair<double, std::string>>> field_times_; ///< per block
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
