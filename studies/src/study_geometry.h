// SPDX-License-Identifier: LGPL-2.1-or-later
// Reading and checking the multi-D geometry keys of a study (simulation.geometry
// axisymmetric | 3d): patch footprints, block size, mesh and field output.
#ifndef dermatwin_studies_study_geometry_h
#define dermatwin_studies_study_geometry_h

#include <dermatwin/materials/library.h>
#include <dermatwin/studies/study.h>

#include <yaml-cpp/yaml.h>

namespace dermatwin::studies::internal
{
  class Reader;

  /// application.N.position_cm, shape, size_cm.
  void read_footprint(const Reader &r, const YAML::Node &node, const std::string &path,
                      ApplicationSpec &a);
  /// simulation.domain_radius_cm, domain_size_cm, fields_every_h, edge_cell_um,
  /// max_lateral_cell_um, max_step_h, global_refinements.
  void read_geometry_keys(const Reader &r, const YAML::Node &sim, SimulationSpec &out);
  /// Cross-checks of a read study: keys that do not fit the geometry, one
  /// patch in axisymmetric, footprints inside the block, features not
  /// available in multi-D (dispersed drug). Throws StudyError naming the key.
  void check_geometry(const Reader &r, const YAML::Node &root, const Study &s,
                      const materials::Library &library);
  /// Patch area of an application [cm^2]: the rectangle's size, else the
  /// product's or inline patch's area.
  double application_area_cm2(const ApplicationSpec &a, const materials::Library &library);
} // namespace dermatwin::studies::internal

#endif
