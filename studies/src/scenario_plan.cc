// SPDX-License-Identifier: LGPL-2.1-or-later
// From a checked study and the library to solver-ready columns (solver units:
// cm, h, mg) and a resolved study file in which every value carries its source.
#include <dermatwin/materials/library.h>
#include <dermatwin/materials/skin_temperature.h>
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/skin_resolver.h>

#include "study_geometry.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <optional>
#include <set>
#include <sstream>

namespace dermatwin::studies
{
  namespace
  {
    using materials::Library;
    using materials::Quantity;
    using materials::Record;

    constexpr double um_to_cm     = 1e-4;
    constexpr double per_s_to_per_h = 3600.;

    /// Accuracy presets: mesh, element degree, time tolerance.
    void apply_accuracy(const SimulationSpec &sim, fem::ColumnSetup &setup,
                        fem::IntegratorOptions &integrator)
    {
      unsigned int cells = 2;
      double       rtol  = 1e-5;
      if (sim.accuracy == "coarse")
        cells = 1, rtol = 1e-3;
      else if (sim.accuracy == "fine")
        cells = 8, rtol = 1e-8;
      // Multi-D: Q1 on twice as many cells (the same nodes as Q2): with the
      // laterally lumped quadrature of fem::SkinBlock, Q1 on these
      // rectangular meshes keeps concentrations non-negative, whereas Q2 dips
      // by up to 0.7 % of the maximum next to a patch edge (docs/physics.md
      // section 12).
      const bool multid          = sim.geometry != "1d";
      setup.fe_degree            = sim.fe_degree.value_or(multid ? 1 : 2);
      setup.mesh.cells_per_layer = sim.cells_per_layer.value_or(multid ? 2 * cells : cells);
      integrator.relative_tolerance = sim.relative_tolerance.value_or(rtol);
      integrator.first_step_h       = 1e-4;
    }

    /// Writes the resolved study and collects the sources used. When the
    /// text is not wanted (ResolvedText::skip: a subject of a batch), every
    /// write is dropped: formatting the YAML costs more than planning.
    struct Emitter
    {
      explicit Emitter(const bool enabled)
        : out{enabled, {}}
      {}

      /// YAML::Emitter that forwards only when enabled.
      struct Output
      {
        bool          enabled;
        YAML::Emitter yaml;
        template <typename T>
        Output &operator<<(const T &value)
        {
          if (enabled)
            yaml << value;
          return *this;
        }
      } out;
      std::set<std::string> sources;

      void quantity(const std::string &key, const Quantity &q, const double factor = 1)
      {
        if (!out.enabled)
          return;
        out << YAML::Key << key << YAML::Value << q.value * factor;
        out << YAML::Comment(q.source + ", " + q.confidence);
        sources.insert(q.source);
      }
      void number(const std::string &key, const double value, const std::string &comment = "")
      {
        out << YAML::Key << key << YAML::Value << value;
        if (!comment.empty())
          out << YAML::Comment(comment);
      }
    };

    fem::Layer skin_layer(const std::string &name, const double thickness_um,
                          const double diffusivity_cm2_per_s, const double partition,
                          const double uptake_per_h)
    {
      fem::Layer layer;
      layer.name                    = name;
      layer.role                    = fem::LayerRole::skin;
      layer.thickness_cm            = thickness_um * um_to_cm;
      layer.diffusivity_cm2_per_h   = diffusivity_cm2_per_s * per_s_to_per_h;
      layer.partition_coefficient   = partition;
      layer.blood_uptake_rate_per_h = uptake_per_h;
      return layer;
    }

    /// Library skin (SkinResolver), partition coefficients divided by
    /// @p reference_partition (the patch/water partition in vivo, 1 in vitro).
    std::vector<fem::Layer> library_skin(const SkinResolver &resolver, const std::string &site,
                                         const std::string &acupoint,
                                         const std::optional<Person> &person,
                                         const std::string &preparation, const double dermatomed_um,
                                         const double reference_partition, Emitter &e)
    {
      const std::vector<ResolvedLayer> resolved =
        resolver.layers(site, acupoint, person, preparation, dermatomed_um);
      for (const std::string &key : resolver.sources())
        e.sources.insert(key);
      std::vector<fem::Layer> layers;
      e.out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
      for (const ResolvedLayer &r : resolved)
        {
          e.out << YAML::BeginMap;
          e.out << YAML::Key << "name" << YAML::Value << r.name;
          e.number("thickness_um", r.thickness_um, r.thickness_from);
          e.number("diffusivity_cm2_per_s", r.diffusivity_cm2_per_s, r.diffusivity_from);
          e.number("partition_coefficient", r.partition_coefficient / reference_partition,
                   r.partition_from + (reference_partition != 1. ? " / patch-water partition" : ""));
          if (preparation == "in_vivo" && r.name == "dermis")
            e.number("blood_uptake_rate_per_h", r.blood_uptake_rate_per_h, r.uptake_from);
          e.out << YAML::EndMap;
          layers.push_back(skin_layer(r.name, r.thickness_um, r.diffusivity_cm2_per_s,
                                      r.partition_coefficient / reference_partition,
                                      r.blood_uptake_rate_per_h));
        }
      e.out << YAML::EndSeq;
      return layers;
    }

    std::vector<fem::Layer> explicit_skin(const std::vector<LayerSpec> &specs, Emitter &e)
    {
      std::vector<fem::Layer> layers;
      e.out << YAML::Key << "layers" << YAML::Value << YAML::BeginSeq;
      for (const LayerSpec &s : specs)
        {
          layers.push_back(skin_layer(s.name, s.thickness_um, s.diffusivity_cm2_per_s,
                                      s.partition_coefficient, s.blood_uptake_rate_per_h));
          e.out << YAML::Flow << YAML::BeginMap << YAML::Key << "name" << YAML::Value << s.name
                << YAML::Key << "thickness_um" << YAML::Value << s.thickness_um << YAML::Key
                << "diffusivity_cm2_per_s" << YAML::Value << s.diffusivity_cm2_per_s
                << YAML::Key << "partition_coefficient" << YAML::Value
                << s.partition_coefficient << YAML::Key << "blood_uptake_rate_per_h"
                << YAML::Value << s.blood_uptake_rate_per_h << YAML::EndMap;
        }
      e.out << YAML::EndSeq;
      return layers;
    }

    /// The patch of one application, from the product or the inline mapping.
    PatchSpec resolve_patch(const ApplicationSpec &a, const Library &library, Emitter &e,
                            double &wear_h)
    {
      PatchSpec patch;
      e.out << YAML::Key << "patch" << YAML::Value << YAML::BeginMap;
      if (a.patch)
        {
          patch = *a.patch;
          e.number("area_cm2", patch.area_cm2, "study");
          e.number("drug_load_mg", patch.drug_load_mg, "study");
          e.number("thickness_um", patch.thickness_um, "study");
          e.number("diffusivity_cm2_per_s", patch.diffusivity_cm2_per_s, "study");
          if (std::isfinite(patch.solubility_mg_per_mL))
            e.number("solubility_mg_per_mL", patch.solubility_mg_per_mL, "study");
        }
      else
        {
          const Record &product = library.product(a.product);
          e.out << YAML::Comment("product " + a.product + ": " + product.text_or("name", ""));
          patch.area_cm2              = product.value("area_cm2");
          patch.drug_load_mg          = product.value("drug_load_mg");
          patch.thickness_um          = product.value("patch.thickness_um");
          patch.diffusivity_cm2_per_s = product.value("patch.diffusivity_cm2_per_s");
          patch.solubility_mg_per_mL  = product.value("patch.solubility_mg_per_mL");
          patch.partition_coefficient_to_water = product.value("patch.partition_coefficient_to_water");
          e.quantity("area_cm2", product.quantity("area_cm2"));
          e.quantity("drug_load_mg", product.quantity("drug_load_mg"));
          e.quantity("thickness_um", product.quantity("patch.thickness_um"));
          e.quantity("diffusivity_cm2_per_s", product.quantity("patch.diffusivity_cm2_per_s"));
          e.quantity("solubility_mg_per_mL", product.quantity("patch.solubility_mg_per_mL"));
          if (product.has("wear_time_h"))
            wear_h = product.value("wear_time_h");
        }
      // Skin partition coefficients in the resolved file are relative to the
      // patch matrix, so the patch itself has K = 1 there.
      e.number("partition_coefficient", 1, "reference phase");
      e.number("dissolution_rate_per_h", patch.dissolution_rate_per_h, "default");
      e.out << YAML::EndMap;
      return patch;
    }

    void emit_footprint(const ApplicationSpec &a, Emitter &e)
    {
      if (a.position_cm)
        e.out << YAML::Key << "position_cm" << YAML::Value << YAML::Flow << *a.position_cm;
      e.out << YAML::Key << "shape" << YAML::Value << a.shape;
      if (a.shape == "rectangle")
        e.out << YAML::Key << "size_cm" << YAML::Value << YAML::Flow << a.size_cm;
    }

    /// The patch matrix is the reference phase (K = 1): skin partition
    /// coefficients are relative to it.
    ColumnPlan patch_column(const PatchSpec &patch, const std::vector<fem::Layer> &skin)
    {
      ColumnPlan c;
      c.area_cm2 = patch.area_cm2;
      c.load_mg  = patch.drug_load_mg;
      fem::Layer matrix;
      matrix.name                  = "patch";
      matrix.role                  = fem::LayerRole::patch;
      matrix.thickness_cm          = patch.thickness_um * um_to_cm;
      matrix.diffusivity_cm2_per_h = patch.diffusivity_cm2_per_s * per_s_to_per_h;
      matrix.partition_coefficient = 1.;
      const double load_per_volume = patch.drug_load_mg / (patch.area_cm2 * matrix.thickness_cm);
      const double dissolved = std::min(load_per_volume, patch.solubility_mg_per_mL);
      std::vector<fem::Layer> layers{matrix};
      layers.insert(layers.end(), skin.begin(), skin.end());
      c.setup.layers = fem::LayerStack(layers);
      c.setup.initial_concentration_mg_per_cm3.assign(layers.size(), 0.);
      c.setup.initial_concentration_mg_per_cm3[0] = dissolved;
      if (load_per_volume > patch.solubility_mg_per_mL)
        {
          c.setup.dispersed_mg_per_cm2 = (load_per_volume - dissolved) * matrix.thickness_cm;
          c.setup.patch_solubility_mg_per_cm3 = patch.solubility_mg_per_mL;
          c.setup.dissolution_rate_per_h      = patch.dissolution_rate_per_h;
        }
      return c;
    }

    /// One coefficient change per row of the temperature history, at
    /// apply_h + t_h.
    std::vector<CoefficientChange> thermal_changes(const ColumnPlan                        &column,
                                                   const std::vector<materials::TemperatureStep> &steps,
                                                   const materials::SkinTemperatureScaling &scaling)
    {
      std::vector<CoefficientChange> changes;
      for (const materials::TemperatureStep &step : steps)
        changes.push_back({column.apply_h + step.t_h,
                           thermal_coefficient_scales(column.setup.layers, step.temperature_C, scaling)});
      return changes;
    }

    /// The application's temperature_C (number or table) and, as comments,
    /// the temperature model's parameters with their sources.
    void emit_temperature(const std::vector<materials::TemperatureStep> &steps, const Library &library,
                          Emitter &e)
    {
      if (steps.size() == 1)
        e.number("temperature_C", steps[0].temperature_C, "study");
      else
        {
          e.out << YAML::Key << "temperature_C" << YAML::Value << YAML::BeginSeq;
          for (const materials::TemperatureStep &step : steps)
            e.out << YAML::Flow << YAML::BeginMap << YAML::Key << "t_h" << YAML::Value << step.t_h
                  << YAML::Key << "temperature_C" << YAML::Value << step.temperature_C << YAML::EndMap;
          e.out << YAML::EndSeq;
        }
      const Record &model = library.model("skin_temperature");
      std::string   comment = "piecewise constant; Arrhenius D and blood-flow factor (model skin_temperature):";
      for (const auto &[key, q] : model.quantities)
        {
          std::ostringstream value;
          value << q.value;
          comment += " " + key + " = " + value.str() + " " + q.unit + " (" + q.source + ");";
          e.sources.insert(q.source);
        }
      e.out << YAML::Comment(comment);
    }

    void emit_pk(const Study &s, const Library &library, ScenarioPlan &plan, Emitter &e)
    {
      pk::DispositionParameters p;
      e.out << YAML::Key << "pk" << YAML::Value << YAML::BeginMap;
      if (s.pk.from_library)
        {
          const Record &drug = library.drug(s.drug.id);
          const std::string model = drug.text_or("pk.model", "");
          p.kind                  = pk::model_kind_from_string(model);
          e.out << YAML::Key << "model" << YAML::Value << model;
          auto take = [&](const char *key, double &into) {
            const std::string path = std::string("pk.") + key;
            if (drug.has(path))
              {
                into = drug.value(path);
                e.quantity(key, drug.quantity(path));
              }
          };
          take("clearance_L_per_h", p.clearance_L_per_h);
          take("v1_L", p.v1_L);
          take("v2_L", p.v2_L);
          take("q_L_per_h", p.q2_L_per_h);
          take("v3_L", p.v3_L);
          take("q3_L_per_h", p.q3_L_per_h);
        }
      else
        {
          p.kind              = pk::model_kind_from_string(s.pk.model);
          p.clearance_L_per_h = s.pk.clearance_L_per_h;
          p.v1_L = s.pk.v1_L, p.v2_L = s.pk.v2_L, p.q2_L_per_h = s.pk.q_L_per_h;
          p.v3_L = s.pk.v3_L, p.q3_L_per_h = s.pk.q3_L_per_h;
          e.out << YAML::Key << "model" << YAML::Value << s.pk.model;
          e.number("clearance_L_per_h", p.clearance_L_per_h, "study");
          e.number("v1_L", p.v1_L, "study");
          if (p.kind != pk::ModelKind::one_compartment)
            e.number("v2_L", p.v2_L, "study"), e.number("q_L_per_h", p.q2_L_per_h, "study");
          if (p.kind == pk::ModelKind::three_compartment)
            e.number("v3_L", p.v3_L, "study"), e.number("q3_L_per_h", p.q3_L_per_h, "study");
        }
      // Individual multipliers (virtual populations, calibrated twins).
      const auto clearance = s.pk_factors.find("clearance"), volumes = s.pk_factors.find("volumes");
      if (clearance != s.pk_factors.end())
        p.clearance_L_per_h *= clearance->second;
      if (volumes != s.pk_factors.end())
        p.v1_L *= volumes->second, p.v2_L *= volumes->second, p.v3_L *= volumes->second;
      e.out << YAML::EndMap;
      pk::CompartmentModel check(p); // throws on bad values
      plan.disposition = p;
    }

    /// Patch-matrix / water partition: the product's, the study's, or, for an
    /// inline patch without one, solubility in the patch / water solubility
    /// (equal activity at saturation).
    double patch_water_partition(const ApplicationSpec &a, const PatchSpec &patch, const Study &s,
                                 const Library &library, Emitter &e)
    {
      if (!a.patch || a.patch->partition_given)
        return patch.partition_coefficient_to_water;
      if (!s.drug.inline_mapping && library.drug(s.drug.id).has("water_solubility_mg_per_mL") &&
          std::isfinite(patch.solubility_mg_per_mL))
        {
          const Quantity &sw = library.drug(s.drug.id).quantity("water_solubility_mg_per_mL");
          e.out << YAML::Comment("patch/water partition = patch solubility / water solubility (" +
                                 sw.source + ")");
          e.sources.insert(sw.source);
          return patch.solubility_mg_per_mL / sw.value;
        }
      return 1.;
    }

    void plan_in_vivo(const Study &s, const Library &library, ScenarioPlan &plan, Emitter &e)
    {
      const SkinResolver resolver(library, molecule_of(s, library),
                                  s.drug.inline_mapping ? nullptr : &library.drug(s.drug.id));
      e.out << YAML::Key << "patient" << YAML::Value << YAML::BeginMap;
      e.number("age_years", s.age_years);
      e.out << YAML::Key << "sex" << YAML::Value << s.sex;
      e.number("body_weight_kg", s.body_weight_kg);
      if (!s.pk_factors.empty())
        {
          // Applied to the pk values below when the resolved study runs; the
          // skin factors are already in the resolved layers.
          e.out << YAML::Key << "pk_factors" << YAML::Value << YAML::BeginMap;
          for (const auto &[key, value] : s.pk_factors)
            e.number(key, value);
          e.out << YAML::EndMap;
        }
      e.out << YAML::EndMap;

      e.out << YAML::Key << "application" << YAML::Value << YAML::BeginSeq;
      for (std::size_t i = 0; i < s.applications.size(); ++i)
        {
          const ApplicationSpec &a = s.applications[i];
          e.out << YAML::BeginMap;
          double          wear_h = std::numeric_limits<double>::infinity();
          const PatchSpec patch  = resolve_patch(a, library, e, wear_h);
          if (!a.site.empty())
            e.out << YAML::Comment("site " + a.site + ", resolved into skin.layers");

          // Library skin partition coefficients are relative to water; divide
          // by the patch/water partition to make them relative to the patch.
          const bool library_skin_used = a.skin_layers.empty();
          double     patch_partition   = 1.;
          if (library_skin_used)
            patch_partition = patch_water_partition(a, patch, s, library, e);
          e.out << YAML::Key << "skin" << YAML::Value << YAML::BeginMap;
          if (!a.acupoint.empty())
            e.out << YAML::Comment("acupoint " + a.acupoint + " on site " +
                                   library.acupoint(a.acupoint).text_or("site", ""));
          std::vector<fem::Layer> skin =
            library_skin_used ?
              library_skin(resolver, a.site, a.acupoint, Person{s.age_years, s.sex, s.skin_factors}, "in_vivo", 0,
                           patch_partition, e) :
              explicit_skin(a.skin_layers, e);
          e.out << YAML::EndMap;

          const double wear = a.remove_h ? *a.remove_h - a.apply_h : wear_h;
          e.number("apply_h", a.apply_h);
          if (std::isfinite(wear))
            e.number("remove_h", a.apply_h + wear, a.remove_h ? "study" : "product wear time");
          if (a.repeat_every_h)
            e.number("repeat_every_h", *a.repeat_every_h);
          e.number("repeats", a.repeats);
          std::optional<materials::SkinTemperatureScaling> scaling;
          if (!a.temperature.empty())
            {
              scaling = materials::SkinTemperatureScaling::from_library(library);
              emit_temperature(a.temperature, library, e);
            }
          if (s.simulation.geometry != "1d")
            emit_footprint(a, e);
          e.out << YAML::EndMap;

          for (unsigned int r = 0; r < a.repeats; ++r)
            {
              const double apply = a.apply_h + r * a.repeat_every_h.value_or(0.);
              if (apply >= plan.end_h)
                break;
              ColumnPlan column = patch_column(patch, skin);
              column.label      = "application " + std::to_string(i) + " #" + std::to_string(r + 1);
              column.footprint  = i;
              if (s.simulation.geometry != "1d")
                column.area_cm2 = internal::application_area_cm2(a, library);
              column.apply_h    = apply;
              column.remove_h   = apply + wear;
              if (scaling)
                column.coefficient_changes = thermal_changes(column, a.temperature, *scaling);
              plan.columns.push_back(column);
            }
        }
      e.out << YAML::EndSeq;
      emit_pk(s, library, plan, e);
    }

    void plan_franz(const Study &s, const Library &library, ScenarioPlan &plan, Emitter &e)
    {
      e.out << YAML::Key << "skin" << YAML::Value << YAML::BeginMap;
      e.number("area_cm2", s.skin_area_cm2);
      std::vector<fem::Layer> skin;
      if (s.skin_layers.empty())
        {
          const SkinResolver resolver(library, molecule_of(s, library),
                                      s.drug.inline_mapping ? nullptr : &library.drug(s.drug.id));
          const std::optional<Person> person =
            s.has_patient ? std::optional<Person>(Person{s.age_years, s.sex, s.skin_factors}) : std::nullopt;
          skin = library_skin(resolver, s.site, "", person, s.preparation, s.dermatomed_thickness_um,
                              1., e);
        }
      else
        skin = explicit_skin(s.skin_layers, e);
      e.out << YAML::EndMap;
      ColumnPlan column;
      column.label    = "Franz cell";
      column.area_cm2 = s.skin_area_cm2;
      std::vector<fem::Layer> layers;
      std::vector<double>     c0;
      // Well-mixed compartments: a layer whose mixing time L^2/D is 3.6 s.
      auto mixed = [](const std::string &name, const fem::LayerRole role, const double L_cm,
                      const double K) {
        fem::Layer layer;
        layer.name = name, layer.role = role, layer.thickness_cm = L_cm;
        layer.diffusivity_cm2_per_h = L_cm * L_cm / 1e-3;
        layer.partition_coefficient = K;
        return layer;
      };
      e.out << YAML::Key << "donor" << YAML::Value << YAML::BeginMap;
      e.out << YAML::Key << "type" << YAML::Value << s.donor_type;
      e.number("concentration_mg_per_mL", s.donor_concentration_mg_per_mL);
      if (s.donor_type == "finite")
        {
          const double L_cm = s.donor_volume_uL_per_cm2 * 1e-3;
          layers.push_back(mixed("donor", fem::LayerRole::donor, L_cm, 1.));
          c0.push_back(s.donor_concentration_mg_per_mL);
          column.load_mg = s.donor_concentration_mg_per_mL * L_cm * s.skin_area_cm2;
          e.number("volume_uL_per_cm2", s.donor_volume_uL_per_cm2);
        }
      else
        {
          column.setup.fixed_top_concentration        = true;
          column.setup.donor_concentration_mg_per_cm3 = s.donor_concentration_mg_per_mL;
          plan.donor_concentration_mg_per_mL          = s.donor_concentration_mg_per_mL;
        }
      e.out << YAML::EndMap;
      for (const fem::Layer &layer : skin)
        layers.push_back(layer), c0.push_back(0.);

      e.out << YAML::Key << "receptor" << YAML::Value << YAML::BeginMap;
      e.out << YAML::Key << "type" << YAML::Value << s.receptor_type;
      if (s.receptor_type == "finite")
        {
          layers.push_back(mixed("receptor", fem::LayerRole::receptor,
                                 s.receptor_volume_mL / s.skin_area_cm2,
                                 s.receptor_partition_coefficient));
          c0.push_back(0.);
          e.number("volume_mL", s.receptor_volume_mL);
          e.number("partition_coefficient", s.receptor_partition_coefficient);
        }
      else
        column.setup.sink_bottom = true;
      e.out << YAML::EndMap;

      column.setup.layers                           = fem::LayerStack(layers);
      column.setup.initial_concentration_mg_per_cm3 = c0;
      plan.columns.push_back(column);
    }
    fem::PatchFootprint footprint_of(const ApplicationSpec &a, const Library &library)
    {
      fem::PatchFootprint f;
      if (a.position_cm)
        f.center_x_cm = (*a.position_cm)[0], f.center_y_cm = (*a.position_cm)[1];
      f.round = a.shape != "rectangle";
      if (f.round)
        f.radius_cm = std::sqrt(internal::application_area_cm2(a, library) / M_PI);
      else
        f.size_x_cm = a.size_cm[0], f.size_y_cm = a.size_cm[1];
      return f;
    }

    /// Block size, footprints, in-plane mesh and time step of a multi-D run
    /// (accuracy presets, overridden by the simulation keys).
    void plan_multid(const Study &s, const Library &library, ScenarioPlan &plan, Emitter &e)
    {
      const SimulationSpec &sim = s.simulation;
      MultiDPlan           &m   = plan.multid;
      m.geometry                = sim.geometry;
      // Crank-Nicolson steps: on the axisymmetric fentanyl study 0.5 h
      // changes Cmax by 1.1e-4 relative to 0.025 h (docs/physics.md section
      // 12, with the current implicit-Euler start-up ramp).
      // Lateral cells for Q1 elements (see apply_accuracy).
      double edge_um = 50, max_um = 500, step_h = 0.5;
      if (sim.accuracy == "coarse")
        edge_um = 100, max_um = 1000, step_h = 1;
      else if (sim.accuracy == "fine")
        edge_um = 12.5, max_um = 250, step_h = 0.1;
      m.lateral_mesh.edge_cell_cm = sim.edge_cell_um.value_or(edge_um) * um_to_cm;
      m.lateral_mesh.max_cell_cm  = std::max(sim.max_lateral_cell_um.value_or(max_um) * um_to_cm,
                                             m.lateral_mesh.edge_cell_cm);
      m.global_refinements        = sim.global_refinements.value_or(0);
      m.adaptive_levels           = sim.adaptive_levels;
      m.adapt_every_h             = sim.adapt_every_h;
      // Short wear times (a 4 h acupoint plaster) need shorter steps: at
      // least 32 / 16 / 100 steps per wear (default / coarse / fine). On the
      // 4 h sanfu plaster, 0.5 h steps missed Cmax by 0.6 %, 0.1 h by 5e-5.
      const double steps_per_wear = sim.accuracy == "coarse" ? 16 : sim.accuracy == "fine" ? 100 : 32;
      for (const ColumnPlan &c : plan.columns)
        if (std::isfinite(c.remove_h) && c.remove_h > c.apply_h)
          step_h = std::min(step_h, (c.remove_h - c.apply_h) / steps_per_wear);
      m.max_step_h                = std::min(sim.max_step_h.value_or(step_h), plan.output_every_h);
      m.fields_every_h            = sim.fields_every_h;
      const bool axisymmetric     = sim.geometry == "axisymmetric";
      if (s.in_vitro())
        {
          m.domain_radius_cm = std::sqrt(s.skin_area_cm2 / M_PI);
          m.domain_size_x_cm = m.domain_size_y_cm = std::sqrt(s.skin_area_cm2);
        }
      else
        {
          double half_x = 0, half_y = 0, margin = 0;
          for (const ApplicationSpec &a : s.applications)
            {
              m.footprints.push_back(footprint_of(a, library));
              const fem::PatchFootprint &f = m.footprints.back();
              half_x = std::max({half_x, std::abs(f.extent_cm(0).first), std::abs(f.extent_cm(0).second)});
              half_y = std::max({half_y, std::abs(f.extent_cm(1).first), std::abs(f.extent_cm(1).second)});
              margin = std::max({margin, 0.5 * (f.extent_cm(0).second - f.extent_cm(0).first),
                                 0.5 * (f.extent_cm(1).second - f.extent_cm(1).first)});
            }
          for (const fem::PatchFootprint &f : m.footprints)
            m.domain_radii_cm.push_back(sim.domain_radius_cm.value_or(2 * f.radius_cm));
          m.domain_radius_cm = m.domain_radii_cm[0];
          m.domain_size_x_cm = sim.domain_size_cm ? (*sim.domain_size_cm)[0] : 2 * (half_x + margin);
          m.domain_size_y_cm = sim.domain_size_cm ? (*sim.domain_size_cm)[1] : 2 * (half_y + margin);
        }
      if (s.in_vitro())
        e.out << YAML::Comment("the donor covers the whole skin: the domain is skin.area_cm2");
      else if (axisymmetric && (sim.domain_radius_cm || m.footprints.size() == 1))
        e.number("domain_radius_cm", m.domain_radius_cm);
      else if (axisymmetric)
        e.out << YAML::Comment("simulation.domain_radius_cm: 2 R of each application's own disc of skin");
      else
        e.out << YAML::Key << "domain_size_cm" << YAML::Value << YAML::Flow
              << std::vector<double>{m.domain_size_x_cm, m.domain_size_y_cm};
      e.number("edge_cell_um", m.lateral_mesh.edge_cell_cm / um_to_cm);
      e.number("max_lateral_cell_um", m.lateral_mesh.max_cell_cm / um_to_cm);
      e.number("max_step_h", m.max_step_h);
      e.number("global_refinements", m.global_refinements);
      e.number("adaptive_levels", m.adaptive_levels);
      if (m.adaptive_levels > 0)
        e.number("adapt_every_h", m.adapt_every_h);
      e.number("fields_every_h", m.fields_every_h);
    }
  } // namespace

  fem::CoefficientScales thermal_coefficient_scales(const fem::LayerStack &stack, const double temperature_C,
                                                    const materials::SkinTemperatureScaling &scaling)
  {
    fem::CoefficientScales scales;
    for (const fem::Layer &layer : stack.layers())
      {
        const materials::ThermalLayerFactors f = scaling.factors(
          materials::thermal_kind_of_layer(layer.name, layer.role == fem::LayerRole::patch),
          temperature_C);
        scales.diffusivity.push_back(f.diffusivity);
        scales.blood_uptake.push_back(f.blood_uptake);
      }
    return scales;
  }

  materials::qspr::Molecule molecule_of(const Study &s, const Library &library)
  {
    materials::qspr::Molecule m;
    if (s.drug.inline_mapping)
      {
        m.molecular_weight_g_per_mol = s.drug.molecular_weight_g_per_mol;
        m.log_kow                    = s.drug.log_kow;
        return m;
      }
    const Record &drug           = library.drug(s.drug.id);
    m.molecular_weight_g_per_mol = drug.value("molecular_weight_g_per_mol");
    m.log_kow                    = drug.value("log_kow");
    if (drug.has("pka"))
      m.pka = drug.value("pka");
    m.fraction_unbound_plasma = drug.value_or("fraction_unbound_plasma", 1.);
    return m;
  }

  ScenarioPlan plan_scenario(const Study &s, const ResolvedText resolved_text)
  {
    const Library &library = Library::standard();
    ScenarioPlan   plan;
    plan.in_vitro       = s.in_vitro();
    plan.end_h          = s.simulation.end_h;
    plan.output_every_h = s.simulation.output_every_h;

    Emitter e(resolved_text == ResolvedText::write);
    e.out.yaml.SetDoublePrecision(12);
    e.out << YAML::Comment("Resolved by DermaTwin: every default and library value filled in; "
                           "runs without the library");
    e.out << YAML::BeginMap;
    e.out << YAML::Key << "format" << YAML::Value << s.format;
    if (!s.name.empty())
      e.out << YAML::Key << "name" << YAML::Value << s.name;
    e.out << YAML::Key << "experiment" << YAML::Value << s.experiment;
    if (!s.drug.id.empty())
      {
        e.out << YAML::Key << "drug" << YAML::Value << YAML::BeginMap;
        e.out << YAML::Key << "name" << YAML::Value << s.drug.id;
        if (s.drug.inline_mapping)
          {
            e.number("molecular_weight_g_per_mol", s.drug.molecular_weight_g_per_mol, "study");
            e.number("log_kow", s.drug.log_kow, "study");
          }
        else
          {
            const Record &drug = library.drug(s.drug.id);
            e.quantity("molecular_weight_g_per_mol", drug.quantity("molecular_weight_g_per_mol"));
            e.quantity("log_kow", drug.quantity("log_kow"));
          }
        e.out << YAML::EndMap;
      }
    if (plan.in_vitro)
      plan_franz(s, library, plan, e);
    else
      plan_in_vivo(s, library, plan, e);

    e.out << YAML::Key << "simulation" << YAML::Value << YAML::BeginMap;
    e.out << YAML::Key << "geometry" << YAML::Value << s.simulation.geometry;
    e.number("end_h", s.simulation.end_h);
    e.number("output_every_h", s.simulation.output_every_h);
    e.out << YAML::Key << "accuracy" << YAML::Value << s.simulation.accuracy;
    fem::ColumnSetup preset;
    apply_accuracy(s.simulation, preset, plan.integrator);
    e.number("fe_degree", preset.fe_degree);
    e.number("cells_per_layer", preset.mesh.cells_per_layer);
    e.number("relative_tolerance", plan.integrator.relative_tolerance);
    e.out << YAML::Key << "time_integrator" << YAML::Value << s.simulation.time_integrator;
    plan.integrator.method = s.simulation.time_integrator == "exponential"   ? fem::TimeIntegration::exponential :
                            s.simulation.time_integrator == "extrapolation" ? fem::TimeIntegration::extrapolation :
                                                                              fem::TimeIntegration::automatic;
    if (s.simulation.geometry != "1d")
      plan_multid(s, library, plan, e);
    e.out << YAML::EndMap;
    for (ColumnPlan &c : plan.columns)
      {
        c.setup.fe_degree = preset.fe_degree;
        c.setup.mesh      = preset.mesh;
      }

    e.out << YAML::EndMap;
    if (resolved_text == ResolvedText::skip)
      return plan;
    plan.resolved_yaml = std::string(e.out.yaml.c_str()) + "\n# Sources\n";
    for (const std::string &key : e.sources)
      plan.resolved_yaml += "#   " + key + ": " + library.source(key).citation + "\n";
    return plan;
  }
} // namespace dermatwin::studies
