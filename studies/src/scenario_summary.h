// SPDX-License-Identifier: LGPL-2.1-or-later
// Pieces shared by the 1D runner (scenario_run.cc) and the multi-D runner
// (scenario_multid.cc): summary metrics from the output table.
#ifndef dermatwin_studies_scenario_summary_h
#define dermatwin_studies_scenario_summary_h

#include <dermatwin/studies/scenario.h>

#include <optional>

namespace dermatwin::studies
{
  /// Steady-state flux, lag time and kp from a linear fit of the cumulative
  /// permeated amount over the last third of the run, when the flux there
  /// changes by < 2 % (Franz cell).
  void fit_steady_permeation(const TimeSeries &ts, double donor_mg_per_mL, Summary &s);

  /// Log-linear half-life of plasma after the last removal, defined only
  /// when every patch is off before the end.
  std::optional<double> half_life_after_removal(const ScenarioPlan &plan, const TimeSeries &ts);

  /// run_scenario() for simulation.geometry axisymmetric or 3d.
  Result run_multid_scenario(const ScenarioPlan &plan, const Progress &progress);
} // namespace dermatwin::studies

#endif
