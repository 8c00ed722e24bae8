// SPDX-License-Identifier: LGPL-2.1-or-later
// The time loop of a scenario: events (application, removal, depletion of
// dispersed drug), output rows, and the summary metrics.
#include <dermatwin/fem/modal_integrator.h>
#include <dermatwin/fem/transdermal_body.h>
#include <dermatwin/studies/scenario.h>

#include "scenario_summary.h"

#include <algorithm>
#include <limits>
#include <chrono>
#include <cmath>
#include <stdexcept>

namespace dermatwin::studies
{
  namespace
  {
    constexpr double mg_to_ug = 1000.;
    const double     nan      = std::numeric_limits<double>::quiet_NaN();

    /// Smallest dispersed amount among the columns still dissolving, scaled
    /// by its initial value (+1 when none): the depletion event function.
    double depletion_margin(const fem::TransdermalBody &body, const std::vector<double> &y)
    {
      double margin = 1;
      for (unsigned int c = 0; c < body.n_columns(); ++c)
        if (body.active(c) && body.column(c).dissolving())
          {
            const fem::SkinColumn &col = body.column(c);
            margin = std::min(margin, y[body.offset(c) + col.n_dofs() + fem::SkinColumn::dispersed] /
                                        col.setup().dispersed_mg_per_cm2);
          }
      return margin;
    }

    /// Drives the integrator and the events, and records the output rows.
    class Runner
    {
    public:
      Runner(const ScenarioPlan &plan)
        : plan_(plan)
        , body_(plan.disposition ? std::optional<pk::CompartmentModel>(*plan.disposition)
                                 : std::nullopt)
        , integrator_(plan.integrator)
      {
        for (const ColumnPlan &c : plan.columns)
          {
            auto column = std::make_unique<fem::SkinColumn>(c.setup);
            if (!c.coefficient_changes.empty() && c.coefficient_changes.front().t_h <= c.apply_h)
              column->set_coefficient_scales(c.coefficient_changes.front().scales);
            body_.add_column(std::move(column), c.area_cm2);
          }
        y_ = body_.zero_state();
        if (plan.profile_points_per_layer > 0)
          for (unsigned int c = 0; c < plan.columns.size(); ++c)
            result_.profiles.push_back(profile_layout(c));
      }

      Result run(const Progress &progress)
      {
        const auto start = std::chrono::steady_clock::now();
        run_events_and_outputs(plan_, *this, t_, progress);
        summarise();
        result_.summary.wall_time_s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        return result_;
      }

      void advance_to(const double t_target)
      {
        while (t_ < t_target)
          if (integrator_.advance(body_, t_, t_target, y_,
                                  [this](const std::vector<double> &y) {
                                    return depletion_margin(body_, y);
                                  }))
            {
              for (unsigned int c = 0; c < body_.n_columns(); ++c)
                if (body_.active(c) && body_.column(c).dissolving() &&
                    depletion_margin_of(c) <= 1e-9)
                  body_.column(c).stop_dissolution();
              integrator_.restart();
            }
        t_ = t_target;
      }

      double depletion_margin_of(const unsigned int c) const
      {
        const fem::SkinColumn &col = body_.column(c);
        return y_[body_.offset(c) + col.n_dofs() + fem::SkinColumn::dispersed] /
               col.setup().dispersed_mg_per_cm2;
      }

      void handle(const Event &event)
      {
        const unsigned int c = event.column;
        if (event.kind == Event::apply)
          {
            body_.activate(c, y_);
            loaded_mg_ += plan_.columns[c].load_mg;
          }
        else if (event.kind == Event::coefficients)
          body_.column(c).set_coefficient_scales(
            plan_.columns[c].coefficient_changes[event.change].scales);
        else
          {
            fem::SkinColumn &col       = body_.column(c);
            double          &dispersed = y_[body_.offset(c) + col.n_dofs() + fem::SkinColumn::dispersed];
            removed_mg_ += body_.area_cm2(c) *
                           (col.amount(y_.data() + body_.offset(c), fem::LayerRole::patch) + dispersed);
            dispersed = 0;
            col.detach_patch();
          }
        integrator_.restart();
        last_event_h_ = t_;
      }

    private:
      Snapshot snapshot(const std::vector<double> &y) const
      {
        Snapshot s;
        for (unsigned int c = 0; c < body_.n_columns(); ++c)
          {
            if (!body_.active(c))
              continue;
            const fem::SkinColumn &col = body_.column(c);
            const double          *yc  = y.data() + body_.offset(c);
            const double           A   = body_.area_cm2(c);
            const fem::SkinColumn::Rates rates = col.rates(yc);
            const double *scalars = yc + col.n_dofs();
            s.input_mg_per_h += A * rates.to_blood;
            if (col.patch_attached() || col.setup().layers.has_role(fem::LayerRole::donor) ||
                col.setup().fixed_top_concentration)
              {
                s.flux_in += A * rates.into_skin;
                s.area_in += A;
              }
            s.flux_out += A * (plan_.in_vitro ? rates.out : rates.to_blood);
            s.area_all += A;
            s.patch += A * (col.amount(yc, fem::LayerRole::patch) + col.amount(yc, fem::LayerRole::donor) +
                            (col.patch_attached() ? scalars[fem::SkinColumn::dispersed] : 0.));
            s.skin += A * col.amount(yc, fem::LayerRole::skin);
            s.delivered_out += A * (plan_.in_vitro ? scalars[fem::SkinColumn::permeated] +
                                                       col.amount(yc, fem::LayerRole::receptor) :
                                                     scalars[fem::SkinColumn::absorbed]);
            s.entered += A * scalars[fem::SkinColumn::entered];
          }
        if (s.area_in > 0)
          s.flux_in /= s.area_in;
        if (s.area_all > 0)
          s.flux_out /= s.area_all;
        return s;
      }

    public:
      void record()
      {
        const Snapshot s = snapshot(y_);
        TimeSeries    &ts = result_.series;
        append_output_row(ts, t_, body_.has_pk() ? body_.plasma_ng_per_mL(y_) : nan, s, removed_mg_,
                          plan_.donor_concentration_mg_per_mL > 0);
        record_profiles();
        // Not at the instant of an application: the amount-exact L2 projection
        // of the step from patch to empty skin undershoots there by design.
        if (t_ > last_event_h_)
          track_concentration_range(ts.plasma_ng_per_mL.back());
        refine_peak_if_found();
        states_.push_back(y_);
        if (states_.size() > 2)
          states_.erase(states_.begin());
        state_times_.push_back(t_);
        if (state_times_.size() > 2)
          state_times_.erase(state_times_.begin());
      }

    private:
      /// Sample depths of column @p c: evenly spaced over each skin layer,
      /// both faces included.
      DepthProfiles profile_layout(const unsigned int c) const
      {
        const fem::LayerStack &layers = plan_.columns[c].setup.layers;
        DepthProfiles          p;
        p.label    = plan_.columns[c].label;
        p.area_cm2 = plan_.columns[c].area_cm2;
        const unsigned int first = layers.first_with_role(fem::LayerRole::skin);
        const unsigned int n     = std::max(2u, plan_.profile_points_per_layer);
        for (unsigned int i = first; i < layers.n_layers(); ++i)
          {
            if (layers[i].role != fem::LayerRole::skin)
              continue;
            const double top_um = (layers.top_depth_cm(i) - layers.top_depth_cm(first)) * 1e4;
            const double h_um   = layers[i].thickness_cm * 1e4;
            p.layer_names.push_back(layers[i].name);
            p.layer_top_um.push_back(top_um);
            for (unsigned int k = 0; k < n; ++k)
              {
                p.depth_um.push_back(top_um + h_um * k / (n - 1));
                p.layer_of_sample.push_back(p.layer_names.size() - 1);
              }
            p.skin_thickness_um = top_um + h_um;
          }
        return p;
      }

      void record_profiles()
      {
        for (unsigned int c = 0; c < result_.profiles.size(); ++c)
          {
            DepthProfiles         &p      = result_.profiles[c];
            const fem::SkinColumn &col    = body_.column(c);
            const fem::LayerStack &layers = plan_.columns[c].setup.layers;
            const unsigned int     first  = layers.first_with_role(fem::LayerRole::skin);
            const double           top_cm = layers.top_depth_cm(first);
            const double          *yc     = y_.data() + body_.offset(c);
            std::vector<double>    row(p.depth_um.size(), 0.);
            for (std::size_t k = 0; body_.active(c) && k < row.size(); ++k)
              {
                // Keep each sample inside its own layer (a face belongs to
                // both layers): nudge it inwards by a negligible 1e-9 of the
                // layer thickness against round-off.
                const double layer_top_cm = top_cm + p.layer_top_um[p.layer_of_sample[k]] * 1e-4;
                const double h_cm   = layers[first + p.layer_of_sample[k]].thickness_cm;
                const double x_cm   = std::clamp(top_cm + p.depth_um[k] * 1e-4, layer_top_cm + 1e-9 * h_cm,
                                                 layer_top_cm + (1 - 1e-9) * h_cm);
                row[k] = col.concentration_at(yc, x_cm);
              }
            p.concentration_mg_per_mL.push_back(std::move(row));
          }
      }

      /// Smallest and largest nodal concentration of the active columns, and
      /// plasma (in its own units, so only its sign matters for the minimum).
      void track_concentration_range(const double plasma)
      {
        for (unsigned int c = 0; c < body_.n_columns(); ++c)
          if (body_.active(c))
            for (unsigned int i = 0; i < body_.column(c).n_dofs(); ++i)
              {
                const double v = y_[body_.offset(c) + i];
                lowest_concentration_  = std::min(lowest_concentration_, v);
                highest_concentration_ = std::max(highest_concentration_, v);
              }
        if (plasma < 0)
          lowest_concentration_ = std::min(lowest_concentration_, plasma);
      }

      /// Cmax and Tmax between output times: when the previous row is a
      /// new local maximum and no event lies in the bracket [t0, t0 + span]
      /// of the last two rows, find the peak from the stored state at t0:
      /// the root of d(plasma)/dt (Illinois regula falsi, a handful of
      /// re-integrations) when it changes sign over the bracket, otherwise a
      /// golden-section search of the plasma level.
      void refine_peak_if_found()
      {
        const auto &c = result_.series.plasma_ng_per_mL;
        const std::size_t k = c.size() - 1;
        if (!body_.has_pk() || k < 2 || states_.size() < 2)
          return;
        if (!(c[k - 1] >= c[k - 2] && c[k - 1] > c[k] && c[k - 1] > peak_ng_per_mL_))
          return;
        peak_ng_per_mL_ = c[k - 1];
        peak_h_         = result_.series.time_h[k - 1];
        const double t0 = state_times_[0];
        if (last_event_h_ > t0 + 1e-12 || depletion_margin(body_, states_[0]) < 1)
          return; // configuration changed inside the bracket: keep the grid value
        const auto [tau, plasma] = peak_in_bracket(t_ - t0);
        if (plasma > peak_ng_per_mL_)
          peak_ng_per_mL_ = plasma, peak_h_ = t0 + tau;
      }

      /// State at t0 + tau from the stored state at t0 (start of the bracket).
      std::vector<double> state_after(const double tau)
      {
        return integrator_.state_after(body_, states_[0], state_times_[0], tau);
      }

      /// (tau, plasma) of the highest plasma level in [t0, t0 + span].
      std::pair<double, double> peak_in_bracket(const double span)
      {
        double a = 0, b = span;
        const double ga = body_.plasma_rate_ng_per_mL_per_h(states_[0]);
        const double gb = body_.plasma_rate_ng_per_mL_per_h(y_);
        if (ga > 0 && gb < 0)
          {
            // Root of g = d(plasma)/dt: Newton with g' = d^2(plasma)/dt^2
            // from the state, kept inside the bracket [a, b] (bisection when
            // a Newton step would leave it); from the secant point.
            double              tau    = (a * gb - b * ga) / (gb - ga);
            std::vector<double> y_root = state_after(tau);
            for (int it = 0; it < 60; ++it)
              {
                const double g = body_.plasma_rate_ng_per_mL_per_h(y_root);
                if (g == 0)
                  break;
                (g > 0 ? a : b) = tau;
                const double slope = body_.plasma_acceleration_ng_per_mL_per_h2(y_root);
                double       next  = slope < 0 ? tau - g / slope : 0.5 * (a + b);
                if (!(next > a && next < b))
                  next = 0.5 * (a + b);
                const bool converged = std::abs(next - tau) <= 1e-9 * span || b - a <= 1e-9 * span;
                tau    = next;
                y_root = state_after(tau);
                if (converged)
                  break;
              }
            return {tau, body_.plasma_ng_per_mL(y_root)};
          }
        auto plasma_at = [&](const double t) { return body_.plasma_ng_per_mL(state_after(t)); };
        const double g  = 0.5 * (std::sqrt(5.) - 1.);
        double       x1 = b - g * (b - a), x2 = a + g * (b - a);
        double       f1 = plasma_at(x1), f2 = plasma_at(x2);
        for (int it = 0; it < 40 && b - a > 1e-5 * span; ++it)
          if (f1 > f2)
            b = x2, x2 = x1, f2 = f1, x1 = b - g * (b - a), f1 = plasma_at(x1);
          else
            a = x1, x1 = x2, f1 = f2, x2 = a + g * (b - a), f2 = plasma_at(x2);
        return f1 > f2 ? std::pair{x1, f1} : std::pair{x2, f2};
      }

      void summarise()
      {
        const TimeSeries &ts = result_.series;
        Summary          &s  = result_.summary;
        const Snapshot    end = snapshot(y_);
        summarise_amounts(s, end, loaded_mg_, removed_mg_, plan_.donor_concentration_mg_per_mL > 0);
        const double input = loaded_mg_ + end.entered;
        if (body_.has_pk())
          {
            // The PK balance closes too: absorbed = in body + eliminated.
            const double body_balance = std::abs(body_.amount_in_body_mg(y_) +
                                                 body_.eliminated_mg(y_) - end.delivered_out);
            if (input > 0)
              s.mass_balance_relative_error =
                std::max(s.mass_balance_relative_error, body_balance / input);
          }
        for (unsigned int c = 0; c < body_.n_columns(); ++c)
          s.dof_count += body_.column(c).n_dofs();
        s.min_concentration_relative =
          highest_concentration_ > 0 ? std::min(0., lowest_concentration_) / highest_concentration_ : 0.;
        s.time_steps     = integrator_.statistics().accepted_steps;
        s.euler_substeps = integrator_.statistics().euler_substeps;

        if (body_.has_pk())
          summarise_plasma(ts, s);
        else
          summarise_permeation(ts, s);
      }

      void summarise_plasma(const TimeSeries &ts, Summary &s) const
      {
        const auto  &c   = ts.plasma_ng_per_mL;
        const size_t top = std::max_element(c.begin(), c.end()) - c.begin();
        s.cmax_ng_per_mL = std::max(c[top], peak_ng_per_mL_);
        s.tmax_h         = peak_ng_per_mL_ >= c[top] ? peak_h_ : ts.time_h[top];
        // AUC exactly: eliminated = CL * integral of C.
        const auto &p = body_.disposition().parameters();
        s.auc_0_last_ng_h_per_mL = body_.eliminated_mg(y_) / p.clearance_L_per_h * mg_to_ug;

        s.apparent_half_life_after_removal_h = half_life_after_removal(plan_, ts);
      }

      void summarise_permeation(const TimeSeries &ts, Summary &s) const
      {
        fit_steady_permeation(ts, plan_.donor_concentration_mg_per_mL, s);
      }

      const ScenarioPlan     &plan_;
      fem::TransdermalBody    body_;
      fem::BodyIntegrator     integrator_;
      std::vector<double>     y_;
      double                  t_ = 0, loaded_mg_ = 0, removed_mg_ = 0, last_event_h_ = 0;
      double                  peak_ng_per_mL_ = -1, peak_h_ = 0;
      double                  lowest_concentration_ = 0, highest_concentration_ = 0;
      std::vector<std::vector<double>> states_;
      std::vector<double>     state_times_;
      Result                  result_;
    };
  } // namespace

  void fit_steady_permeation(const TimeSeries &ts, const double donor_mg_per_mL, Summary &s)
  {
    // Linear part of the cumulative curve: the last third of the run,
    // accepted as steady when the flux there changes by < 2 %.
    const std::size_t n = ts.time_h.size();
    if (n < 6)
      return;
    const std::size_t first = (2 * n) / 3;
    const double f_mid = ts.flux_out_ug_per_cm2_per_h[first], f_end = ts.flux_out_ug_per_cm2_per_h[n - 1];
    if (!(f_end > 0) || std::abs(f_end - f_mid) > 0.02 * f_end)
      return;
    double st = 0, sq = 0, stt = 0, stq = 0, m = 0;
    for (std::size_t i = first; i < n; ++i)
      {
        const double t = ts.time_h[i], q = ts.cumulative_permeated_ug_per_cm2[i];
        st += t, sq += q, stt += t * t, stq += t * q, m += 1;
      }
    const double slope = (m * stq - st * sq) / (m * stt - st * st);
    const double icpt  = (sq - slope * st) / m;
    s.steady_state_flux_ug_per_cm2_per_h = slope;
    s.lag_time_h                         = -icpt / slope;
    if (donor_mg_per_mL > 0)
      s.permeability_coefficient_cm_per_h = slope / (donor_mg_per_mL * mg_to_ug);
  }

  std::optional<double> half_life_after_removal(const ScenarioPlan &plan, const TimeSeries &ts)
  {
    // Defined only when every patch is off before the end.
    double last_removal = -1;
    bool   all_removed  = !plan.columns.empty();
    for (const ColumnPlan &col : plan.columns)
      {
        all_removed  = all_removed && col.remove_h < plan.end_h;
        last_removal = std::max(last_removal, col.remove_h);
      }
    if (!all_removed)
      return std::nullopt;
    std::vector<double> t, v;
    const auto         &c = ts.plasma_ng_per_mL;
    for (std::size_t i = 0; i < ts.time_h.size(); ++i)
      if (ts.time_h[i] >= last_removal - 1e-12 && c[i] > 0)
        t.push_back(ts.time_h[i]), v.push_back(c[i]);
    return log_linear_half_life(t, v);
  }

  void summarise_amounts(Summary &s, const Snapshot &end, const double loaded_mg, const double removed_mg,
                         const bool infinite_donor)
  {
    s.total_load_ug            = loaded_mg * mg_to_ug;
    s.amount_left_in_patch_ug  = (end.patch + removed_mg) * mg_to_ug;
    s.amount_in_skin_at_end_ug = end.skin * mg_to_ug;
    s.cumulative_absorbed_ug   = end.delivered_out * mg_to_ug;
    s.delivered_ug = infinite_donor ? end.entered * mg_to_ug : s.total_load_ug - s.amount_left_in_patch_ug;
    const double input     = loaded_mg + end.entered;
    const double accounted = end.patch + removed_mg + end.skin + end.delivered_out;
    s.mass_balance_relative_error = input > 0 ? std::abs(accounted - input) / input : 0.;
  }

  void append_output_row(TimeSeries &ts, const double t_h, const double plasma_ng_per_mL, const Snapshot &s,
                         const double removed_mg, const bool infinite_donor)
  {
    ts.time_h.push_back(t_h);
    ts.plasma_ng_per_mL.push_back(plasma_ng_per_mL);
    ts.input_rate_ug_per_h.push_back(s.input_mg_per_h * mg_to_ug);
    ts.flux_into_skin_ug_per_cm2_per_h.push_back(s.flux_in * mg_to_ug);
    ts.flux_out_ug_per_cm2_per_h.push_back(s.flux_out * mg_to_ug);
    ts.cumulative_permeated_ug_per_cm2.push_back(s.area_all > 0 ? s.delivered_out / s.area_all * mg_to_ug : 0.);
    ts.amount_in_patch_ug.push_back(infinite_donor ? std::numeric_limits<double>::quiet_NaN() : s.patch * mg_to_ug);
    ts.amount_in_skin_ug.push_back(s.skin * mg_to_ug);
    ts.cumulative_absorbed_ug.push_back(s.delivered_out * mg_to_ug);
    ts.removed_with_patches_ug.push_back(removed_mg * mg_to_ug);
  }

  std::vector<Event> schedule(const ScenarioPlan &plan)
  {
    std::vector<Event> events;
    for (unsigned int c = 0; c < plan.columns.size(); ++c)
      {
        const ColumnPlan &column = plan.columns[c];
        events.push_back({column.apply_h, c, Event::apply});
        // The change at apply_h is set when the column is built.
        for (unsigned int k = 0; k < column.coefficient_changes.size(); ++k)
          if (column.coefficient_changes[k].t_h > column.apply_h && column.coefficient_changes[k].t_h < plan.end_h)
            events.push_back({column.coefficient_changes[k].t_h, c, Event::coefficients, k});
        if (column.remove_h < plan.end_h)
          events.push_back({column.remove_h, c, Event::remove});
      }
    std::stable_sort(events.begin(), events.end(),
                     [](const Event &a, const Event &b) { return a.t_h < b.t_h; });
    return events;
  }

  Result run_scenario(const ScenarioPlan &plan, const Progress &progress)
  {
    if (plan.multid.geometry != "1d")
      return run_multid_scenario(plan, progress);
    Runner runner(plan);
    Result result   = runner.run(progress);
    result.in_vitro = plan.in_vitro;
    return result;
  }

  double DepthProfiles::amount_in_skin_ug(const std::size_t row) const
  {
    const std::vector<double> &c   = concentration_mg_per_mL.at(row);
    double                     sum = 0;
    for (std::size_t k = 0; k + 1 < c.size(); ++k)
      if (layer_of_sample[k + 1] == layer_of_sample[k])
        sum += 0.5 * (c[k] + c[k + 1]) * (depth_um[k + 1] - depth_um[k]) * 1e-4;
    return sum * area_cm2 * mg_to_ug;
  }

  std::optional<double> log_linear_half_life(const std::vector<double> &t_h,
                                             const std::vector<double> &c)
  {
    if (t_h.size() < 3 || t_h.size() != c.size())
      return std::nullopt;
    double st = 0, sy = 0, stt = 0, sty = 0, m = 0;
    for (std::size_t i = 0; i < t_h.size(); ++i)
      {
        if (!(c[i] > 0))
          continue;
        const double y = std::log(c[i]);
        st += t_h[i], sy += y, stt += t_h[i] * t_h[i], sty += t_h[i] * y, m += 1;
      }
    if (m < 3)
      return std::nullopt;
    const double slope = (m * sty - st * sy) / (m * stt - st * st);
    if (!(slope < 0))
      return std::nullopt;
    return std::log(2.) / -slope;
  }
} // namespace dermatwin::studies
