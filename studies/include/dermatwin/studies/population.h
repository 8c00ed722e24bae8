// SPDX-License-Identifier: LGPL-2.1-or-later
#ifndef dermatwin_studies_population_h
#define dermatwin_studies_population_h

#include <dermatwin/studies/batch.h>

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

namespace YAML
{
  class Node;
}

namespace dermatwin::studies
{
  /**
   * A virtual population (study block `type: population`): N subjects with
   * age (uniform or truncated normal), sex (fraction female), site (drawn
   * from a list) and log-normal inter-individual factors on SC, viable
   * epidermis and dermis thickness, perfusion and SC permeability (CVs from
   * resources/models/skin_ageing.yaml) and on clearance and volumes (CVs from
   * the study block). Subject i draws from its own generator seeded with
   * (seed, i), so results do not depend on threads or ranks.
   */
  struct PopulationSpec
  {
    unsigned int             subjects = 100;
    std::uint64_t            seed     = 1;
    std::string              age_distribution = "uniform"; ///< uniform | normal
    double                   age_low = 18, age_high = 80, age_mean = 50, age_sd = 15;
    double                   fraction_female = 0.5;
    std::vector<std::string> sites; ///< empty: keep the study's sites
    std::vector<std::pair<std::string, double>> skin_cv; ///< factor name, CV
    double clearance_cv = 0.3, volumes_cv = 0.2;
    std::vector<double> percentiles = {5, 25, 50, 75, 95};
  };

  PopulationSpec parse_population(const Study &study);
  /// The same keys (except type) from any mapping, e.g. the `population:`
  /// entry of an optimize block; messages name @p path (e.g. "study.population").
  PopulationSpec parse_population_block(const Study &study, const YAML::Node &block, const std::string &path);

  /// The overrides that make subject @p i (deterministic in seed and i).
  Overrides subject_overrides(const Study &study, const PopulationSpec &spec, unsigned int i);

  struct PopulationResult
  {
    std::string subjects_csv, bands_csv, summary_json;
  };

  /// Runs the whole population on @p n_threads threads and summarises it.
  PopulationResult run_population(const Study &study, const PopulationSpec &spec,
                                  unsigned int n_threads, const BatchProgress &progress = {});

  /// What one subject contributes to the population summary.
  struct SubjectOutcome
  {
    std::vector<double> metrics; ///< population_metric_names(), NaN where undefined
    std::vector<double> time_h, plasma_ng_per_mL;
  };
  /// Cmax, Tmax, AUC, delivered and absorbed amounts: the per-subject columns.
  const std::vector<std::string> &population_metric_names();

  /// Subjects first <= i < last (a rank's share of the population).
  std::vector<SubjectOutcome> simulate_subjects(const Study &study, const PopulationSpec &spec,
                                                unsigned int first, unsigned int last,
                                                unsigned int n_threads, const BatchProgress &progress = {});
  /// The outputs from all subjects' outcomes, in subject order. Subject i
  /// depends only on (seed, i), so the result is the same however the
  /// subjects were split over ranks and threads.
  PopulationResult summarise_population(const Study &study, const PopulationSpec &spec,
                                        const std::vector<SubjectOutcome> &outcomes);

  /// Splits the subjects over the ranks of @p mpi_communicator in contiguous
  /// blocks, each rank on @p n_threads threads, and gathers the outcomes on
  /// rank 0, which alone gets the summary (other ranks get empty strings).
  /// Identical output for any number of ranks.
  PopulationResult run_population_mpi(const Study &study, const PopulationSpec &spec, unsigned int n_threads,
                                      const BatchProgress &progress, MPI_Comm mpi_communicator);
} // namespace dermatwin::studies

#endif
