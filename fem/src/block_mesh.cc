// SPDX-License-Identifier: LGPL-2.1-or-later
#include "block_mesh.h"

#include <deal.II/base/table.h>
#include <deal.II/grid/grid_generator.h>
#include <deal.II/grid/grid_tools.h>
#include <deal.II/grid/tria_description.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <optional>
#include <set>

namespace dermatwin::fem::internal
{
  using namespace dealii;

  namespace
  {
    constexpr double pi = 3.14159265358979323846;

    /// Depth cells of the 1D column from the bottom up: sizes, face heights
    /// (top face z = 0) and the layer of each cell.
    struct DepthCells
    {
      std::vector<double>       size_cm, face_z_cm;
      std::vector<unsigned int> layer;

      unsigned int layer_at(const double z_cm) const
      {
        const long above = std::upper_bound(face_z_cm.begin(), face_z_cm.end(), z_cm) - face_z_cm.begin();
        return layer[std::clamp<long>(above - 1, 0, long(layer.size()) - 1)];
      }
    };

    DepthCells depth_cells(const BlockSetup &s)
    {
      const LayerStack &layers = s.layers;
      DepthCells        d;
      for (unsigned int l = 0; l < layers.n_layers(); ++l)
        {
          const bool mixed = layers[l].role == LayerRole::donor || layers[l].role == LayerRole::receptor;
          const unsigned int n = mixed ? 1 : s.depth_mesh.cells_per_layer;
          for (const double h :
               LayeredSkinMesh::graded_cell_sizes(layers[l].thickness_cm, n, s.depth_mesh.grading_exponent))
            d.size_cm.push_back(h), d.layer.push_back(l);
        }
      std::reverse(d.size_cm.begin(), d.size_cm.end()); // z from the bottom up
      std::reverse(d.layer.begin(), d.layer.end());
      d.face_z_cm.push_back(-layers.total_thickness_cm());
      for (const double h : d.size_cm)
        d.face_z_cm.push_back(d.face_z_cm.back() + h);
      d.face_z_cm.back() = 0.;
      return d;
    }

    /// A grid line of one in-plane axis with the cell size wanted next to it.
    struct Breakpoint
    {
      double at_cm, cell_cm;
    };

    /// An axis interval covered by an O-grid tile: cells of at most cell_cm.
    struct Interval
    {
      double lo_cm, hi_cm, cell_cm;
    };

    /// Grid lines of [lo, hi]: cells graded geometrically from the
    /// breakpoints' sizes up to max_cell_cm (inside a tile interval up to the
    /// tile's cell size). Breakpoints at the ends are ignored.
    std::vector<double> axis_lines(const double lo_cm, const double hi_cm, std::vector<Breakpoint> points,
                                   const std::vector<Interval> &tiles, const LateralMeshOptions &m)
    {
      const double tol = 1e-6 * (hi_cm - lo_cm); // a breakpoint this close to another one is that one
      std::sort(points.begin(), points.end(),
                [](const Breakpoint &a, const Breakpoint &b) { return a.at_cm < b.at_cm; });
      std::vector<Breakpoint> merged{{lo_cm, 0.}};
      for (const Breakpoint &b : points)
        {
          if (b.at_cm <= lo_cm + tol || b.at_cm >= hi_cm - tol)
            continue;
          if (b.at_cm > merged.back().at_cm + tol)
            merged.push_back(b);
          else
            merged.back().cell_cm = std::min(merged.back().cell_cm, b.cell_cm);
        }
      merged.push_back({hi_cm, 0.});

      std::vector<double> lines{lo_cm};
      for (std::size_t i = 0; i + 1 < merged.size(); ++i)
        {
          const double a = merged[i].at_cm, b = merged[i + 1].at_cm, middle = 0.5 * (a + b);
          double       h_max = m.max_cell_cm;
          for (const Interval &t : tiles)
            if (middle > t.lo_cm && middle < t.hi_cm)
              h_max = std::min(h_max, t.cell_cm);
          double x = a;
          for (const double h :
               graded_lateral_sizes(b - a, merged[i].cell_cm, merged[i + 1].cell_cm, h_max, m.growth))
            lines.push_back(x += h);
          lines.back() = b;
        }
      return lines;
    }

    /// Square O-grid tile around round footprint `footprint`.
    struct Tile
    {
      unsigned int footprint;
      Point<2>     centre;
      double       radius_cm, half_width_cm, cell_cm;

      bool contains(const Point<2> &p) const
      {
        return std::abs(p[0] - centre[0]) < half_width_cm && std::abs(p[1] - centre[1]) < half_width_cm;
      }
    };

    /// The tile of footprint p, or none when p is not round or the room
    /// around it (to the block boundary, half the gap to another footprint)
    /// is below R/10.
    std::optional<Tile> tile_of(const BlockSetup &s, const unsigned int p)
    {
      const PatchFootprint &f = s.footprints[p];
      if (!f.round)
        return std::nullopt;
      const double R    = f.radius_cm;
      double       room = std::min({f.center_x_cm - R + 0.5 * s.domain_size_x_cm,
                                    0.5 * s.domain_size_x_cm - f.center_x_cm - R,
                                    f.center_y_cm - R + 0.5 * s.domain_size_y_cm,
                                    0.5 * s.domain_size_y_cm - f.center_y_cm - R});
      for (unsigned int q = 0; q < s.footprints.size(); ++q)
        if (q != p)
          {
            double gap = -1e300;
            for (unsigned int axis = 0; axis < 2; ++axis)
              {
                const auto [lo, hi] = s.footprints[q].extent_cm(axis);
                const double c      = axis == 0 ? f.center_x_cm : f.center_y_cm;
                gap                 = std::max(gap, std::abs(c - 0.5 * (lo + hi)) - R - 0.5 * (hi - lo));
              }
            room = std::min(room, 0.5 * gap);
          }
      if (room < 0.1 * R)
        return std::nullopt;
      const LateralMeshOptions &m       = s.lateral_mesh;
      const double              ring_cm = std::min(room, 0.5 * R);
      const double              a       = R + ring_cm;
      // Tile side cells as the radial cells at the tile boundary, at least 4 per side.
      const double cell_cm =
        std::min({m.edge_cell_cm + (m.growth - 1) * ring_cm, m.max_cell_cm, 0.5 * a});
      return Tile{p, Point<2>(f.center_x_cm, f.center_y_cm), R, a, std::max(cell_cm, m.edge_cell_cm)};
    }

    /// In-plane quadrilaterals as they are generated (vertices shared later);
    /// material id = patch region + 1 (0: no patch).
    struct PlaneCells
    {
      std::vector<Point<2>>    vertices;
      std::vector<CellData<2>> cells;

      /// Adds a quad with vertices in deal.II's lexicographic order
      /// (orientation fixed here).
      void add(std::array<Point<2>, 4> v, const int region)
      {
        const Tensor<1, 2> e1 = v[1] - v[0], e2 = v[2] - v[0];
        if (e1[0] * e2[1] - e1[1] * e2[0] < 0)
          std::swap(v[0], v[1]), std::swap(v[2], v[3]);
        CellData<2> cell;
        for (unsigned int i = 0; i < 4; ++i)
          cell.vertices[i] = vertices.size(), vertices.push_back(v[i]);
        cell.material_id = region + 1;
        cells.push_back(cell);
      }
    };

    /// Distances from the start of a graded line of length @p length_cm with
    /// cells of @p first_cm there, growing up to @p max_cm: 0, h0, ..., length.
    std::vector<double> graded_distances(const double length_cm, const double first_cm, const double max_cm,
                                         const LateralMeshOptions &m)
    {
      std::vector<double> d{0.};
      for (const double h : graded_lateral_sizes(length_cm, first_cm, 0., std::max(max_cm, first_cm), m.growth))
        d.push_back(d.back() + h);
      d.back() = length_cm;
      return d;
    }

    /// The point at scaled distance s in [0, 1] along from -> to when the
    /// shortest such segment has length @p base_cm: the spacing near `from`
    /// is that of the shortest segment (stretch s^2 added).
    Point<2> along(const Point<2> &from, const Point<2> &to, const double s, const double base_cm)
    {
      if (s >= 1)
        return to;
      const double length = from.distance(to);
      const double d      = base_cm * s + (length - base_cm) * s * s;
      return from + (d / length) * (to - from);
    }

    /// Spokes of an O-grid: from the central square through the polygon on
    /// the circle to the tile boundary (a tensor-grid node).
    struct Spoke
    {
      Point<2> unit;  ///< on the boundary of [-1, 1]^2 (tile coordinates)
      Point<2> outer; ///< on the tile boundary
      double   angle; ///< of the polygon vertex
    };

    /// The spokes counterclockwise from the lower left corner, one per tensor
    /// line meeting the tile boundary; polygon angles equally spaced per side
    /// in the tile coordinate.
    std::vector<Spoke> spokes_of(const Tile &t, const std::vector<double> &tx, const std::vector<double> &ty)
    {
      const unsigned int nx = tx.size() - 1, ny = ty.size() - 1;
      const double       a  = t.half_width_cm;
      auto spoke = [&](const double x, const double y, const auto &angle_of) {
        const Point<2> u((x - t.centre[0]) / a, (y - t.centre[1]) / a);
        return Spoke{u, Point<2>(x, y), angle_of(u)};
      };
      std::vector<Spoke> spokes;
      for (unsigned int i = 0; i < nx; ++i)
        spokes.push_back(spoke(tx[i], ty[0], [](const Point<2> &u) { return -pi / 2 + pi / 4 * u[0]; }));
      for (unsigned int j = 0; j < ny; ++j)
        spokes.push_back(spoke(tx[nx], ty[j], [](const Point<2> &u) { return pi / 4 * u[1]; }));
      for (unsigned int i = nx; i > 0; --i)
        spokes.push_back(spoke(tx[i], ty[ny], [](const Point<2> &u) { return pi / 2 - pi / 4 * u[0]; }));
      for (unsigned int j = ny; j > 0; --j)
        spokes.push_back(spoke(tx[0], ty[j], [](const Point<2> &u) { return pi - pi / 4 * u[1]; }));
      return spokes;
    }

    /// The tensor lines within the tile along one axis (ends included).
    std::vector<double> lines_in(const std::vector<double> &lines, const double centre_cm, const double half_cm)
    {
      std::vector<double> inside;
      for (const double x : lines)
        if (std::abs(x - centre_cm) <= half_cm * (1 + 1e-9))
          inside.push_back(x);
      return inside;
    }

    /// Meshes tile @p t: central square (half-width R/2), ring inside the
    /// circle polygon, transition ring to the tile boundary.
    void add_o_grid(const Tile &t, const std::vector<double> &tx, const std::vector<double> &ty,
                    const LateralMeshOptions &m, PlaneCells &plane)
    {
      const std::vector<Spoke> spokes = spokes_of(t, tx, ty);
      const unsigned int       K      = spokes.size();
      // Polygon radius: area (1/2) r^2 sum sin(dtheta) = pi R^2 exactly.
      double sum = 0;
      for (unsigned int k = 0; k < K; ++k)
        sum += std::sin(spokes[(k + 1) % K].angle - spokes[k].angle);
      const double polygon_cm = t.radius_cm * std::sqrt(2 * pi / sum);
      const double inner_cm   = 0.5 * t.radius_cm;

      std::vector<Point<2>> inner(K), circle(K);
      double                inner_base = 1e300, outer_base = 1e300;
      for (unsigned int k = 0; k < K; ++k)
        {
          inner[k]  = t.centre + inner_cm * spokes[k].unit;
          circle[k] = t.centre + polygon_cm * Point<2>(std::cos(spokes[k].angle), std::sin(spokes[k].angle));
          inner_base = std::min(inner_base, circle[k].distance(inner[k]));
          outer_base = std::min(outer_base, circle[k].distance(spokes[k].outer));
        }
      // Radial distances from the circle, edge_cell_cm there on both sides.
      const std::vector<double> d_in  = graded_distances(inner_base, m.edge_cell_cm, t.cell_cm, m);
      const std::vector<double> d_out = graded_distances(outer_base, m.edge_cell_cm, t.cell_cm, m);
      const unsigned int        n_in = d_in.size() - 1, n_levels = n_in + d_out.size();

      // nodes[k][level]: level 0 on the central square, n_in on the circle.
      std::vector<std::vector<Point<2>>> nodes(K);
      for (unsigned int k = 0; k < K; ++k)
        {
          for (unsigned int j = 0; j <= n_in; ++j)
            nodes[k].push_back(along(circle[k], inner[k], d_in[n_in - j] / inner_base, inner_base));
          for (unsigned int j = 1; j < d_out.size(); ++j)
            nodes[k].push_back(along(circle[k], spokes[k].outer, d_out[j] / outer_base, outer_base));
        }
      const int region = t.footprint;
      for (unsigned int k = 0; k < K; ++k)
        for (unsigned int j = 0; j + 1 < n_levels; ++j)
          {
            const unsigned int k1 = (k + 1) % K;
            plane.add({{nodes[k][j], nodes[k1][j], nodes[k][j + 1], nodes[k1][j + 1]}}, j < n_in ? region : -1);
          }
      // Central square: the tile's tensor lines scaled to half-width R/2.
      auto central = [&](const unsigned int i, const unsigned int j) {
        const Point<2> u((tx[i] - t.centre[0]) / t.half_width_cm, (ty[j] - t.centre[1]) / t.half_width_cm);
        return t.centre + inner_cm * u;
      };
      for (unsigned int i = 0; i + 1 < tx.size(); ++i)
        for (unsigned int j = 0; j + 1 < ty.size(); ++j)
          plane.add({{central(i, j), central(i + 1, j), central(i, j + 1), central(i + 1, j + 1)}}, region);
    }

    /// The in-plane coarse mesh of a 3D block: tensor grid, O-grid tiles.
    void make_plane_mesh(const BlockSetup &s, Triangulation<2> &plane_mesh)
    {
      const LateralMeshOptions &m = s.lateral_mesh;
      std::vector<Tile>         tiles;
      std::vector<bool>         tiled(s.footprints.size(), false);
      for (unsigned int p = 0; p < s.footprints.size(); ++p)
        if (const std::optional<Tile> t = tile_of(s, p))
          tiles.push_back(*t), tiled[p] = true;

      const double                     size[2] = {s.domain_size_x_cm, s.domain_size_y_cm};
      std::array<std::vector<double>, 2> lines;
      for (unsigned int axis = 0; axis < 2; ++axis)
        {
          std::vector<Breakpoint> points;
          std::vector<Interval>   intervals;
          for (unsigned int p = 0; p < s.footprints.size(); ++p)
            if (!tiled[p])
              {
                const auto [lo, hi] = s.footprints[p].extent_cm(axis);
                points.push_back({lo, m.edge_cell_cm}), points.push_back({hi, m.edge_cell_cm});
              }
          for (const Tile &t : tiles)
            {
              const double lo = t.centre[axis] - t.half_width_cm, hi = t.centre[axis] + t.half_width_cm;
              points.push_back({lo, t.cell_cm}), points.push_back({hi, t.cell_cm});
              intervals.push_back({lo, hi, t.cell_cm});
            }
          lines[axis] = axis_lines(-0.5 * size[axis], 0.5 * size[axis], points, intervals, m);
        }

      PlaneCells plane;
      for (unsigned int i = 0; i + 1 < lines[0].size(); ++i)
        for (unsigned int j = 0; j + 1 < lines[1].size(); ++j)
          {
            const Point<2> centre(0.5 * (lines[0][i] + lines[0][i + 1]), 0.5 * (lines[1][j] + lines[1][j + 1]));
            if (std::any_of(tiles.begin(), tiles.end(), [&](const Tile &t) { return t.contains(centre); }))
              continue;
            int region = -1;
            for (unsigned int p = 0; p < s.footprints.size() && region < 0; ++p)
              if (!tiled[p] && s.footprints[p].contains(centre[0], centre[1]))
                region = p;
            plane.add({{Point<2>(lines[0][i], lines[1][j]), Point<2>(lines[0][i + 1], lines[1][j]),
                       Point<2>(lines[0][i], lines[1][j + 1]), Point<2>(lines[0][i + 1], lines[1][j + 1])}},
                      region);
          }
      for (const Tile &t : tiles)
        add_o_grid(t, lines_in(lines[0], t.centre[0], t.half_width_cm),
                   lines_in(lines[1], t.centre[1], t.half_width_cm), m, plane);

      // Shared vertices (tile boundary nodes are tensor-grid nodes), then a
      // consistently oriented mesh.
      SubCellData               no_subcells;
      std::vector<unsigned int> all_vertices;
      GridTools::delete_duplicated_vertices(plane.vertices, plane.cells, no_subcells, all_vertices,
                                            1e-9 * std::max(size[0], size[1]));
      GridTools::delete_unused_vertices(plane.vertices, plane.cells, no_subcells);
      GridTools::consistently_order_cells(plane.cells);
      plane_mesh.create_triangulation(plane.vertices, plane.cells, no_subcells);
    }

    /// Patch region of each coarse cell from the in-plane position of its
    /// centre (tensor grids: the footprint edges are grid lines).
    template <int dim>
    std::vector<int> regions_by_centre(const BlockSetup &s, const Triangulation<dim> &coarse)
    {
      std::vector<int> region(coarse.n_cells(0), -1);
      for (const auto &cell : coarse.cell_iterators_on_level(0))
        if (s.layers[cell->material_id()].role == LayerRole::patch)
          {
            const Point<dim> c = cell->center();
            for (unsigned int p = 0; p < s.footprints.size() && region[cell->index()] < 0; ++p)
              if (s.footprints[p].contains(c[0], dim == 3 ? c[1] : 0.))
                region[cell->index()] = p;
          }
      return region;
    }

    std::vector<int> make_axisymmetric_mesh(const BlockSetup &s, Triangulation<2> &coarse)
    {
      // Axisymmetric: tensor grid in (r, z), refined at the patch radius.
      const DepthCells        depth = depth_cells(s);
      std::vector<Breakpoint> edges;
      for (const PatchFootprint &f : s.footprints)
        edges.push_back({f.radius_cm, s.lateral_mesh.edge_cell_cm});
      const std::vector<double> r_lines = axis_lines(0., s.domain_radius_cm, edges, {}, s.lateral_mesh);
      std::vector<double>       r_sizes;
      for (std::size_t i = 0; i + 1 < r_lines.size(); ++i)
        r_sizes.push_back(r_lines[i + 1] - r_lines[i]);

      // Material = layer index; patch-layer cells outside the footprint are removed.
      Table<2, types::material_id> material(r_sizes.size(), depth.size_cm.size());
      for (unsigned int i = 0; i < r_sizes.size(); ++i)
        for (unsigned int j = 0; j < depth.size_cm.size(); ++j)
          {
            const unsigned int l      = depth.layer[j];
            const double       r      = 0.5 * (r_lines[i] + r_lines[i + 1]);
            const bool         inside = s.layers[l].role != LayerRole::patch ||
                                std::any_of(s.footprints.begin(), s.footprints.end(),
                                            [&](const PatchFootprint &f) { return f.contains(r, 0.); });
            material(i, j) = inside ? l : numbers::invalid_material_id;
          }
      GridGenerator::subdivided_hyper_rectangle(coarse, {r_sizes, depth.size_cm},
                                                Point<2>(0., -s.layers.total_thickness_cm()), material);
      return regions_by_centre(s, coarse);
    }

    std::vector<int> make_cartesian_mesh(const BlockSetup &s, Triangulation<3> &coarse)
    {
      // The in-plane mesh (material = region + 1) extruded over the depth
      // cells as extrude_triangulation does (a cell of slice k has the plane
      // cell's vertices at face k, then at face k + 1), but without the
      // patch-layer cells outside the footprints: one 3D triangulation is
      // created (directly in @p coarse: for a distributed one that is also
      // the only copy), not three.
      const DepthCells depth = depth_cells(s);
      Triangulation<2> plane;
      make_plane_mesh(s, plane);

      const std::vector<Point<2>> &plane_vertices = plane.get_vertices();
      const unsigned int           n_plane        = plane_vertices.size();
      std::vector<Point<3>>        vertices;
      vertices.reserve(n_plane * depth.face_z_cm.size());
      for (const double z : depth.face_z_cm)
        for (const Point<2> &v : plane_vertices)
          vertices.emplace_back(v[0], v[1], z);

      std::vector<CellData<3>> cells;
      std::vector<int>         cell_region;
      cells.reserve(plane.n_active_cells() * depth.size_cm.size());
      for (unsigned int k = 0; k < depth.size_cm.size(); ++k)
        {
          const bool patch_layer = s.layers[depth.layer[k]].role == LayerRole::patch;
          for (const auto &cell : plane.active_cell_iterators())
            {
              const int region = int(cell->material_id()) - 1;
              if (patch_layer && region < 0)
                continue;
              CellData<3> c;
              for (unsigned int v = 0; v < 4; ++v)
                {
                  c.vertices[v]     = cell->vertex_index(v) + k * n_plane;
                  c.vertices[v + 4] = cell->vertex_index(v) + (k + 1) * n_plane;
                }
              c.material_id = depth.layer[k];
              cells.push_back(c);
              cell_region.push_back(patch_layer ? region : -1);
            }
        }
      SubCellData no_subcells;
      GridTools::delete_unused_vertices(vertices, cells, no_subcells);
      coarse.create_triangulation(vertices, cells, no_subcells);
      // Level-0 cells keep the order in which they were given.
      AssertDimension(coarse.n_cells(0), cell_region.size());
      return cell_region;
    }
  } // namespace

  template <int dim>
  std::vector<int> make_coarse_block_mesh(const BlockSetup &setup, Triangulation<dim> &coarse)
  {
    if constexpr (dim == 2)
      return make_axisymmetric_mesh(setup, coarse);
    else
      return make_cartesian_mesh(setup, coarse);
  }

  template std::vector<int> make_coarse_block_mesh<2>(const BlockSetup &, Triangulation<2> &);
  template std::vector<int> make_coarse_block_mesh<3>(const BlockSetup &, Triangulation<3> &);
} // namespace dermatwin::fem::internal
