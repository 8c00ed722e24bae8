// SPDX-License-Identifier: LGPL-2.1-or-later
#include "study_geometry.h"

#include "yaml_reader.h"

#include <cmath>
#include <limits>

namespace dermatwin::studies::internal
{
  namespace
  {
    constexpr double pi = 3.14159265358979323846;

    std::vector<double> number_pair(const Reader &r, const YAML::Node &node, const std::string &key,
                                    const double min, const double max, const bool min_inclusive)
    {
      if (!node.IsSequence() || node.size() != 2)
        r.fail(node, key, "expected a list of two numbers [x, y]");
      return {r.number(node[0], key, min, max, min_inclusive),
              r.number(node[1], key, min, max, min_inclusive)};
    }

    bool multi_d(const Study &s) { return s.simulation.geometry != "1d"; }

    /// simulation.<key>, or an undefined node (a default YAML::Node is a
    /// defined null, which would read as given).
    YAML::Node sim_key(const YAML::Node &root, const char *key)
    {
      const YAML::Node sim = root["simulation"];
      return sim && sim.IsMap() ? sim[key] : YAML::Node(YAML::NodeType::Undefined);
    }

    /// In-plane half sizes of a footprint [cm] (x, y).
    std::pair<double, double> half_size_cm(const ApplicationSpec &a, const double area_cm2)
    {
      if (a.shape == "rectangle")
        return {0.5 * a.size_cm[0], 0.5 * a.size_cm[1]};
      const double R = std::sqrt(area_cm2 / pi);
      return {R, R};
    }

    /// The same skin temperature history in absolute time (a multi-D block
    /// has one temperature): none for both, or the same apply_h, repeats and
    /// temperature table.
    bool same_temperature(const ApplicationSpec &a, const ApplicationSpec &b)
    {
      if (a.temperature.empty() && b.temperature.empty())
        return true;
      if (a.apply_h != b.apply_h || a.repeats != b.repeats || a.repeat_every_h != b.repeat_every_h ||
          a.temperature.size() != b.temperature.size())
        return false;
      for (std::size_t i = 0; i < a.temperature.size(); ++i)
        if (a.temperature[i].t_h != b.temperature[i].t_h ||
            a.temperature[i].temperature_C != b.temperature[i].temperature_C)
          return false;
      return true;
    }

    /// The same patch material and skin (3d: all patches on one block).
    bool same_patch_and_skin(const ApplicationSpec &a, const ApplicationSpec &b)
    {
      if (a.product != b.product || a.site != b.site || a.acupoint != b.acupoint ||
          bool(a.patch) != bool(b.patch) || a.skin_layers.size() != b.skin_layers.size())
        return false;
      for (std::size_t i = 0; i < a.skin_layers.size(); ++i)
        {
          const LayerSpec &x = a.skin_layers[i], &y = b.skin_layers[i];
          if (x.thickness_um != y.thickness_um || x.diffusivity_cm2_per_s != y.diffusivity_cm2_per_s ||
              x.partition_coefficient != y.partition_coefficient ||
              x.blood_uptake_rate_per_h != y.blood_uptake_rate_per_h)
            return false;
        }
      return !a.patch || (a.patch->thickness_um == b.patch->thickness_um &&
                          a.patch->diffusivity_cm2_per_s == b.patch->diffusivity_cm2_per_s &&
                          a.patch->partition_coefficient_to_water == b.patch->partition_coefficient_to_water);
    }

    void reject_for_geometry(const Reader &r, const YAML::Node &node, const std::string &key,
                             const std::string &geometry, const std::string &hint)
    {
      if (node)
        r.fail(node, key, "not used with simulation.geometry: " + geometry + " (" + hint + ")");
    }

    void check_applications(const Reader &r, const YAML::Node &root, const Study &s,
                            const materials::Library &library)
    {
      const std::string &g    = s.simulation.geometry;
      const YAML::Node   apps = root["application"];
      std::vector<std::pair<double, double>> centre, half;
      for (std::size_t i = 0; i < s.applications.size(); ++i)
        {
          const ApplicationSpec &a = s.applications[i];
          const std::string      p = "application." + std::to_string(i) + ".";
          if (g == "axisymmetric")
            {
              reject_for_geometry(r, apps[i]["position_cm"], p + "position_cm", g, "the patch is on the axis; use 3d");
              if (a.shape != "round")
                r.fail(apps[i]["shape"], p + "shape", "axisymmetric needs a round patch (allowed: round; use 3d for rectangles)");
            }
          if (g == "3d" && i > 0 && !same_temperature(a, s.applications[0]))
            r.fail(apps[i]["temperature_C"] ? apps[i]["temperature_C"] : apps[i], p + "temperature_C",
                   "in geometry " + g + " the block of skin has one temperature: give every application "
                   "the same apply_h and temperature_C as application.0 (or none)");
          const double wear = a.remove_h ? *a.remove_h - a.apply_h :
                              (!a.patch && library.product(a.product).has("wear_time_h") ?
                                 library.product(a.product).value("wear_time_h") :
                                 std::numeric_limits<double>::infinity());
          if (a.repeats > 1 && !(*a.repeat_every_h >= wear))
            r.fail(apps[i]["repeat_every_h"], p + "repeat_every_h",
                   "in geometry " + g + " a repeated patch goes on the same spot, so it must be off "
                   "before the next one (allowed: >= the wear time, " + std::to_string(wear) + " h)");
          if (g == "3d" && i > 0 && !same_patch_and_skin(a, s.applications[0]))
            r.fail(apps[i], p + "product",
                   "in geometry 3d all patches sit on one block of skin: give the same product (or "
                   "patch) and site/acupoint/skin as application.0");
          const double area = application_area_cm2(a, library);
          half.push_back(half_size_cm(a, area));
          centre.push_back(a.position_cm ? std::make_pair((*a.position_cm)[0], (*a.position_cm)[1]) :
                                           std::make_pair(0., 0.));
        }
      if (g == "axisymmetric")
        {
          // Every application has its own disc of skin.
          for (const auto &[R, unused] : half)
            if (s.simulation.domain_radius_cm && *s.simulation.domain_radius_cm < R * (1 - 1e-6))
              r.fail(sim_key(root, "domain_radius_cm"), "simulation.domain_radius_cm",
                     "smaller than the patch radius " + std::to_string(R) +
                       " cm (allowed: >= R = sqrt(area/pi) of every patch)");
          return;
        }
      if (g != "3d")
        return;
      if (const auto &size = s.simulation.domain_size_cm)
        for (std::size_t i = 0; i < centre.size(); ++i)
          if (std::abs(centre[i].first) + half[i].first > 0.5 * (*size)[0] * (1 + 1e-12) ||
              std::abs(centre[i].second) + half[i].second > 0.5 * (*size)[1] * (1 + 1e-12))
            r.fail(apps[i]["position_cm"] ? apps[i]["position_cm"] : apps[i],
                   "application." + std::to_string(i) + ".position_cm",
                   "the patch reaches outside the block (allowed: inside simulation.domain_size_cm, "
                   "which is centred at [0, 0])");
      for (std::size_t i = 0; i < centre.size(); ++i)
        for (std::size_t j = 0; j < i; ++j)
          if (std::abs(centre[i].first - centre[j].first) < half[i].first + half[j].first &&
              std::abs(centre[i].second - centre[j].second) < half[i].second + half[j].second)
            r.fail(apps[i]["position_cm"] ? apps[i]["position_cm"] : apps[i],
                   "application." + std::to_string(i) + ".position_cm",
                   "overlaps application." + std::to_string(j) + " (give positions further apart)");
    }
  } // namespace

  void read_footprint(const Reader &r, const YAML::Node &node, const std::string &path,
                      ApplicationSpec &a)
  {
    const std::string p = path + ".";
    if (node["position_cm"])
      a.position_cm = number_pair(r, node["position_cm"], p + "position_cm", -1e3, 1e3, true);
    if (node["shape"])
      a.shape = r.choice(node["shape"], p + "shape", {"round", "rectangle"});
    if (node["size_cm"])
      {
        if (a.shape != "rectangle")
          r.fail(node["size_cm"], p + "size_cm", "only for shape: rectangle (a round patch takes its area from the product)");
        a.size_cm = number_pair(r, node["size_cm"], p + "size_cm", 0, 100, false);
      }
    else if (a.shape == "rectangle")
      r.fail(node["shape"], p + "size_cm", "a rectangle needs size_cm: [a, b] (cm, both > 0)");
  }

  void read_geometry_keys(const Reader &r, const YAML::Node &sim, SimulationSpec &out)
  {
    const std::string p = "simulation.";
    if (sim["domain_radius_cm"])
      out.domain_radius_cm = r.number(sim["domain_radius_cm"], p + "domain_radius_cm", 0, 100, false);
    if (sim["domain_size_cm"])
      out.domain_size_cm = number_pair(r, sim["domain_size_cm"], p + "domain_size_cm", 0, 200, false);
    out.fields_every_h = r.number_or(sim, "fields_every_h", p, 0, 0, 1e5);
    if (sim["edge_cell_um"])
      out.edge_cell_um = r.number(sim["edge_cell_um"], p + "edge_cell_um", 0, 1e5, false);
    if (sim["max_lateral_cell_um"])
      out.max_lateral_cell_um = r.number(sim["max_lateral_cell_um"], p + "max_lateral_cell_um", 0, 1e6, false);
    if (sim["max_step_h"])
      out.max_step_h = r.number(sim["max_step_h"], p + "max_step_h", 0, 100, false);
    if (sim["global_refinements"])
      out.global_refinements = r.whole_number(sim["global_refinements"], p + "global_refinements", 0, 6);
    if (sim["adaptive_levels"])
      out.adaptive_levels = r.whole_number(sim["adaptive_levels"], p + "adaptive_levels", 0, 4);
    out.adapt_every_h = r.number_or(sim, "adapt_every_h", p, 1, 0, 1e5, false);
  }

  double application_area_cm2(const ApplicationSpec &a, const materials::Library &library)
  {
    if (a.shape == "rectangle")
      return a.size_cm[0] * a.size_cm[1];
    return a.patch ? a.patch->area_cm2 : library.product(a.product).value("area_cm2");
  }

  void check_geometry(const Reader &r, const YAML::Node &root, const Study &s,
                      const materials::Library &library)
  {
    const std::string &g = s.simulation.geometry;
    if (!multi_d(s))
      {
        for (const char *key : {"domain_radius_cm", "domain_size_cm", "fields_every_h", "edge_cell_um",
                                "max_lateral_cell_um", "max_step_h", "global_refinements", "adaptive_levels",
                                "adapt_every_h"})
          reject_for_geometry(r, sim_key(root, key), std::string("simulation.") + key, g,
                              "only for geometry axisymmetric or 3d");
        for (std::size_t i = 0; i < s.applications.size(); ++i)
          for (const char *key : {"position_cm", "shape", "size_cm"})
            reject_for_geometry(r, root["application"][i][key],
                                "application." + std::to_string(i) + "." + key, g,
                                "only for geometry axisymmetric or 3d");
        return;
      }
    if (g == "axisymmetric")
      reject_for_geometry(r, sim_key(root, "domain_size_cm"), "simulation.domain_size_cm", g,
                          "give simulation.domain_radius_cm");
    else
      reject_for_geometry(r, sim_key(root, "domain_radius_cm"), "simulation.domain_radius_cm", g,
                          "give simulation.domain_size_cm: [x, y]");
    if (s.simulation.fields_every_h > s.simulation.end_h)
      r.fail(sim_key(root, "fields_every_h"), "simulation.fields_every_h",
             "longer than end_h (allowed: 0 = none, or <= end_h)");
    if (s.in_vitro())
      {
        for (const char *key : {"domain_radius_cm", "domain_size_cm"})
          reject_for_geometry(r, sim_key(root, key), std::string("simulation.") + key, g,
                              "a Franz cell donor covers the whole skin: the domain is skin.area_cm2");
        return;
      }
    check_applications(r, root, s, library);
  }
} // namespace dermatwin::studies::internal
