// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_scenario_h
#define dermatwin_studies_scenario_h

#include <dermatwin/fem/extrapolated_euler.h>
#include <dermatwin/fem/block_geometry.h>
#include <dermatwin/fem/skin_column.h>
#include <dermatwin/pk/compartment_model.h>
#include <dermatwin/studies/study.h>

#include <functional>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dermatwin::studies
{
  /// From t_h on (absolute study time), the column's layer coefficients are
  /// the setup's times these factors (e.g. from the skin temperature).
  struct CoefficientChange
  {
    double                 t_h = 0;
    fem::CoefficientScales scales;
  };

  /// One patch application (or the donor of a Franz cell) on its own piece
  /// of skin, in solver units.
  struct ColumnPlan
  {
    std::string     label;
    fem::ColumnSetup setup;
    double          area_cm2 = 1;
    double          apply_h  = 0;
    double          remove_h = std::numeric_limits<double>::infinity();
    double          load_mg  = 0; ///< drug put on the skin at apply_h (0 for an infinite donor)
    /// In time order, the first at apply_h; each is an integrator event.
    /// Empty: the setup's coefficients throughout (reference temperature).
    std::vector<CoefficientChange> coefficient_changes;
    /// Multi-D: index of the patch footprint this application uses
    /// (MultiDPlan::footprints); repeats of one application share it.
    unsigned int    footprint = 0;
  };

  /// The multi-dimensional model of a study with simulation.geometry
  /// axisymmetric or 3d (fem::SkinBlock); unused for 1d.
  struct MultiDPlan
  {
    std::string                       geometry = "1d";
    std::vector<fem::PatchFootprint>  footprints; ///< one per application entry (in vivo)
    /// Axisymmetric: radius of the skin disc (in vivo: of application 0's).
    double                            domain_radius_cm = 1;
    /// Axisymmetric in vivo: every application is a round patch on its own
    /// disc of skin (as the 1D columns, applications do not interact); the
    /// radius of each disc, one per footprint.
    std::vector<double>               domain_radii_cm;
    double                            domain_size_x_cm = 1, domain_size_y_cm = 1; ///< 3d
    fem::LateralMeshOptions           lateral_mesh;
    unsigned int                      global_refinements = 0;
    /// Adaptive refinement (fem::SkinBlock::adapt_mesh): levels above the
    /// initial mesh (0 = off), interval [h]; also after every application.
    unsigned int                      adaptive_levels = 0;
    double                            adapt_every_h   = 1;
    double                            max_step_h     = 0.5; ///< Crank-Nicolson step far from events
    double                            fields_every_h = 0;   ///< 0 = no field output
    /// Run on all ranks of MPI_COMM_WORLD (the CLI under mpirun); otherwise
    /// each run is on its own process (MPI_COMM_SELF), safe in threads.
    bool                              mpi_world = false;
  };

  /// Everything a run needs, resolved from the study and the library.
  struct ScenarioPlan
  {
    bool                                  in_vitro = false;
    std::vector<ColumnPlan>               columns;
    std::optional<pk::DispositionParameters> disposition;
    double                                donor_concentration_mg_per_mL = 0; ///< infinite donor
    double                                end_h = 120, output_every_h = 0.5;
    fem::IntegratorOptions                integrator;
    /// Depth profiles: samples per skin layer at every output time (0 = none,
    /// the default; the CLI records none). See DepthProfiles.
    unsigned int profile_points_per_layer = 0;
    /// The resolved study (YAML text): every default and library value
    /// filled in with its source.
    std::string resolved_yaml;
    MultiDPlan  multid;
  };

  /// Output table (STUDY_FORMAT.md section 3), one entry per output time.
  struct TimeSeries
  {
    std::vector<double> time_h, plasma_ng_per_mL, input_rate_ug_per_h,
      flux_into_skin_ug_per_cm2_per_h, flux_out_ug_per_cm2_per_h,
      cumulative_permeated_ug_per_cm2, amount_in_patch_ug, amount_in_skin_ug,
      cumulative_absorbed_ug, removed_with_patches_ug;
  };

  struct Summary
  {
    std::optional<double> cmax_ng_per_mL, tmax_h, auc_0_last_ng_h_per_mL,
      apparent_half_life_after_removal_h;
    std::optional<double> steady_state_flux_ug_per_cm2_per_h, lag_time_h,
      permeability_coefficient_cm_per_h;
    double delivered_ug = 0, amount_left_in_patch_ug = 0, amount_in_skin_at_end_ug = 0,
           cumulative_absorbed_ug = 0, total_load_ug = 0, mass_balance_relative_error = 0;
    /// Most negative nodal concentration in the skin columns (and plasma) at
    /// any output time after the solver advanced from an application (the
    /// projected initial step itself undershoots), relative to the largest
    /// one; 0 when none is negative.
    /// Exact solutions are >= 0: a value below -(solver tolerance) flags an
    /// under-resolved front (docs/reliability.md).
    double min_concentration_relative = 0;
    unsigned int dof_count = 0, time_steps = 0, euler_substeps = 0;
    /// Multi-D: CG iterations of all linear solves (0 in 1D).
    unsigned long linear_iterations = 0;
    double       wall_time_s = 0;
  };

  /**
   * Concentration across the skin of one column (one patch application) at
   * every output time, recorded when ScenarioPlan::profile_points_per_layer
   * is > 0. Each skin layer is sampled at evenly spaced depths including both
   * of its faces, so an interface appears twice (once per side: the
   * concentration jumps there by the partition ratio). Depth is measured from
   * the skin surface (top of the outermost skin layer).
   *   amount in the skin [ug] = 1000 * area_cm2 * integral c dz,
   * c in mg/mL (= mg/cm^3), z in cm (trapezoid rule per layer).
   */
  struct DepthProfiles
  {
    std::string              label;
    double                   area_cm2 = 1;
    std::vector<std::string> layer_names;   ///< skin layers, outermost first
    std::vector<double>      layer_top_um;  ///< depth of each layer's top face
    double                   skin_thickness_um = 0;
    std::vector<double>      depth_um;      ///< sample depths
    std::vector<unsigned int> layer_of_sample;
    /// [output row][sample], mg/mL; zero before the application.
    std::vector<std::vector<double>> concentration_mg_per_mL;

    /// Drug in this column's skin at output row @p row [ug].
    double amount_in_skin_ug(std::size_t row) const;
  };

  struct Result
  {
    bool       in_vitro = false;
    TimeSeries series;
    Summary    summary;
    std::vector<DepthProfiles> profiles; ///< one per column, if requested
    /// Multi-D with fields_every_h > 0: {path under the output folder
    /// ("fields/..."), content} of the VTU/PVTU pieces and fields.pvd.
    std::vector<std::pair<std::string, std::string>> field_files;
  };

  /// Factors of each layer's D and blood uptake k at skin temperature
  /// @p temperature_C: the patch layer, a layer named stratum_corneum and the
  /// other (viable) layers each by its kind (materials::SkinTemperatureScaling).
  /// All 1 at the reference temperature.
  fem::CoefficientScales thermal_coefficient_scales(const fem::LayerStack &layers, double temperature_C,
                                                    const materials::SkinTemperatureScaling &scaling);

  /// Whether plan_scenario() writes ScenarioPlan::resolved_yaml.
  enum class ResolvedText
  {
    write,
    skip ///< for the runs of a batch, whose resolved text nobody reads
  };

  /// Builds the columns, PK model and solver settings of a checked study.
  ScenarioPlan plan_scenario(const Study &study, ResolvedText resolved_text = ResolvedText::write);

  /// Called after each output time with the fraction done (0..1); return
  /// false to cancel (the run then throws std::runtime_error("cancelled")).
  using Progress = std::function<bool(double fraction)>;

  /// Runs the plan: skin columns and PK in one implicit system, restarting
  /// the integrator at every application, removal and depletion event.
  Result run_scenario(const ScenarioPlan &plan, const Progress &progress = {});

  /// Apparent elimination half-life from a log-linear least-squares fit of
  /// (t, c) with c > 0; empty if fewer than 3 points or no decline.
  std::optional<double> log_linear_half_life(const std::vector<double> &t_h,
                                             const std::vector<double> &c);
} // namespace dermatwin::studies

#endif
