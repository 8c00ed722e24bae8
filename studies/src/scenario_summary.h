// SPDX-License-Identifier: LGPL-2.1-or-later
// Pieces shared by the 1D runner (scenario_run.cc) and the multi-D runner
// (scenario_multid.cc): the event/output loop and summary metrics.
#ifndef dermatwin_studies_scenario_summary_h
#define dermatwin_studies_scenario_summary_h

#include <dermatwin/studies/scenario.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <stdexcept>
#include <vector>

namespace dermatwin::studies
{
  /// Steady-state flux, lag time and kp from a linear fit of the cumulative
  /// permeated amount over the last third of the run, when the flux there
  /// changes by < 2 % (Franz cell).
  void fit_steady_permeation(const TimeSeries &ts, double donor_mg_per_mL, Summary &s);

  /// Log-linear half-life of plasma after the last removal, defined only
  /// when every patch is off before the end.
  std::optional<double> half_life_after_removal(const ScenarioPlan &plan, const TimeSeries &ts);

  /// Amounts [mg], rates [mg/h] and areas [cm^2] of a run's current state,
  /// summed over the patches (both runners fill one per output row).
  struct Snapshot
  {
    double patch = 0, skin = 0, delivered_out = 0, entered = 0;
    double input_mg_per_h = 0, flux_in = 0, flux_out = 0, area_in = 0, area_all = 0;
  };

  /// Appends the output row at @p t_h (STUDY_FORMAT.md section 3 units) to
  /// @p ts; plasma is NaN without PK, the patch amount NaN with an infinite donor.
  void append_output_row(TimeSeries &ts, double t_h, double plasma_ng_per_mL, const Snapshot &s,
                         double removed_mg, bool infinite_donor);

  /// The amount figures of @p s from the final state: load, left in the
  /// patches (incl. removed), in skin, absorbed, delivered and the relative
  /// mass balance error (input = load + drug entered from an infinite donor).
  void summarise_amounts(Summary &s, const Snapshot &end, double loaded_mg, double removed_mg, bool infinite_donor);

  /// An application, removal or coefficient change (skin temperature) of
  /// column @p column at @p t_h.
  struct Event
  {
    enum Kind
    {
      apply,
      remove,
      coefficients ///< the column's coefficient_changes[change] starts
    };
    double       t_h;
    unsigned int column;
    Kind         kind;
    unsigned int change = 0;
  };

  /// Every application, coefficient change and removal before end_h, in time
  /// order (stable: at equal times in column order, a removal before the next
  /// application).
  std::vector<Event> schedule(const ScenarioPlan &plan);

  /**
   * The loop both runners share: events at their times, an output row at
   * t = 0, every output_every_h and end_h (after the events at that time).
   * @p runner provides handle(Event), advance_to(t_h), record() and the
   * current time in @p t_h. Throws std::runtime_error("cancelled") when
   * @p progress returns false.
   */
  template <class Runner>
  void run_events_and_outputs(const ScenarioPlan &plan, Runner &runner, const double &t_h,
                              const Progress &progress)
  {
    const std::vector<Event> events = schedule(plan);
    const double             dt     = plan.output_every_h;
    const unsigned int       n_out  = std::max(1., std::ceil(plan.end_h / dt - 1e-9));
    std::size_t              next   = 0;
    auto process_events_at = [&](const double t) {
      while (next < events.size() && events[next].t_h <= t + 1e-12)
        runner.handle(events[next++]);
    };
    process_events_at(0.);
    runner.record();
    for (unsigned int k = 1; k <= n_out; ++k)
      {
        const double t_out = std::min(k * dt, plan.end_h);
        while (next < events.size() && events[next].t_h < t_out - 1e-12)
          {
            runner.advance_to(events[next].t_h);
            process_events_at(t_h);
          }
        runner.advance_to(t_out);
        process_events_at(t_out);
        runner.record();
        if (progress && !progress(t_h / plan.end_h))
          throw std::runtime_error("cancelled");
      }
  }

  /// run_scenario() for simulation.geometry axisymmetric or 3d.
  Result run_multid_scenario(const ScenarioPlan &plan, const Progress &progress);
} // namespace dermatwin::studies

#endif
