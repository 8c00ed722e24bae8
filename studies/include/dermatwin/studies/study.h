// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_study_h
#define dermatwin_studies_study_h

#include <dermatwin/materials/skin_temperature.h>

#include <limits>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace dermatwin::studies
{
  /// A problem with a study file: FILE:LINE: KEY: message (allowed: ...).
  class StudyError : public std::runtime_error
  {
  public:
    StudyError(const std::string &file, int line, const std::string &key,
               const std::string &message);
    std::string file, key;
    int         line;
  };

  /// One explicit layer (study section 2), in study units.
  struct LayerSpec
  {
    std::string name;
    double      thickness_um             = 0;
    double      diffusivity_cm2_per_s    = 0;
    double      partition_coefficient    = 1;
    double      blood_uptake_rate_per_h  = 0;
  };

  /// An explicit patch (study section 4) instead of a product id.
  struct PatchSpec
  {
    double area_cm2 = 0, drug_load_mg = 0, thickness_um = 0, diffusivity_cm2_per_s = 0;
    double solubility_mg_per_mL = std::numeric_limits<double>::infinity();
    /// Patch-matrix / water partition; 1 when the skin partition
    /// coefficients are given relative to the patch (the contract's default).
    double partition_coefficient_to_water = 1;
    bool   partition_given                = false;
    double dissolution_rate_per_h         = 10; ///< of dispersed drug
  };

  struct ApplicationSpec
  {
    std::string              product;  ///< library id, or empty with `patch`
    std::optional<PatchSpec> patch;
    std::string              site, acupoint;
    double                   apply_h  = 0;
    std::optional<double>    remove_h;       ///< default: product wear time, else never
    std::optional<double>    repeat_every_h; ///< with repeats
    unsigned int             repeats = 1;
    std::vector<LayerSpec>   skin_layers; ///< explicit layers for this patch (added key)
    /// Skin temperature under the patch, hours after each application
    /// (added key temperature_C; piecewise constant). Empty: 32 °C.
    std::vector<materials::TemperatureStep> temperature;
    // Multi-D geometry (added keys, docs/study-format.md).
    std::optional<std::vector<double>> position_cm; ///< 3d: patch centre [x, y], block centre = 0
    std::string                        shape = "round"; ///< round | rectangle
    std::vector<double>                size_cm; ///< rectangle: [a, b] (a along x)
  };

  struct DrugSpec
  {
    std::string id; ///< library id, or the inline name
    bool        inline_mapping = false;
    double      molecular_weight_g_per_mol = 0, log_kow = 0;
  };

  struct PkSpec
  {
    bool        from_library = true;
    std::string model;
    double      clearance_L_per_h = 0, v1_L = 0, v2_L = 0, q_L_per_h = 0, v3_L = 0,
           q3_L_per_h = 0;
  };

  struct SimulationSpec
  {
    std::string  geometry = "1d";
    double       end_h = 120, output_every_h = 0.5;
    std::string  accuracy = "default";
    // Added keys (docs/study-format.md): override the accuracy preset.
    std::optional<unsigned int> fe_degree, cells_per_layer;
    std::optional<double>       relative_tolerance;
    /// 1D time integration (added key): "auto" (exact modal solution where
    /// it applies, fem::BodyIntegrator), "exponential" or "extrapolation".
    std::string                 time_integrator = "auto";
    // Multi-D geometry (added keys): skin disc radius (axisymmetric), block
    // size [x, y] (3d), field output interval (0 = none), in-plane mesh and
    // time-step overrides of the accuracy preset.
    std::optional<double>              domain_radius_cm;
    std::optional<std::vector<double>> domain_size_cm;
    double                             fields_every_h = 0;
    std::optional<double>              edge_cell_um, max_lateral_cell_um, max_step_h;
    std::optional<unsigned int>        global_refinements;
    /// Adaptive refinement: levels above the initial mesh (0 = off) and how
    /// often the mesh is adapted [h] (also right after every application).
    unsigned int                       adaptive_levels = 0;
    double                             adapt_every_h   = 1;
  };

  struct Study
  {
    std::string file; ///< where it was read from
    std::string text; ///< the YAML text as read (before --set overrides)
    std::vector<std::string> overrides; ///< the --set overrides applied to it
    std::string study_type; ///< type of the `study:` block, empty if none
    std::string format = "dermatwin-study/1", name, experiment = "in_vivo";
    // in vivo
    bool        has_patient = false;
    /// Individual multipliers (added keys patient.skin_factors, patient.pk_factors):
    /// stratum_corneum_thickness, viable_epidermis_thickness, dermis_thickness,
    /// perfusion, sc_permeability; clearance, volumes. Absent = 1.
    std::map<std::string, double> skin_factors, pk_factors;
    double      age_years = 45, body_weight_kg = 70;
    std::string sex = "female";
    DrugSpec    drug;
    std::vector<ApplicationSpec> applications;
    PkSpec      pk;
    // Franz cell
    double                 skin_area_cm2 = 1;
    std::vector<LayerSpec> skin_layers;
    std::string            site, preparation = "full_thickness";
    double                 dermatomed_thickness_um = 500;
    std::string            donor_type = "infinite";
    double                 donor_concentration_mg_per_mL = 0, donor_volume_uL_per_cm2 = 0;
    std::string            receptor_type = "sink";
    double                 receptor_volume_mL = 0, receptor_partition_coefficient = 1;

    SimulationSpec simulation;

    bool in_vitro() const { return experiment == "franz_cell"; }
  };

  /// Reads, applies the `--set key.path=value` overrides and checks a study
  /// completely (types, ranges, library ids, consistency). Throws StudyError.
  Study load_study(const std::string &file, const std::vector<std::string> &overrides = {});
  /// The same from YAML text (file is only used in messages).
  Study parse_study(const std::string &yaml_text, const std::string &file,
                    const std::vector<std::string> &overrides = {});
} // namespace dermatwin::studies

#endif
