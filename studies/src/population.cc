// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/materials/library.h>
#include <dermatwin/studies/population.h>
#include <dermatwin/studies/output.h>
#include <dermatwin/studies/sanity.h>

#include "yaml_reader.h"

#include <deal.II/base/mpi.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <sstream>

namespace dermatwin::studies
{
  namespace
  {
    std::string num(const double v) { return csv_number(v); }

    /// Log-normal factor with median 1 and coefficient of variation cv.
    double lognormal_factor(std::mt19937_64 &rng, const double cv)
    {
      const double sigma = std::sqrt(std::log1p(cv * cv));
      return std::exp(sigma * std::normal_distribution<double>(0., 1.)(rng));
    }
  } // namespace

  PopulationSpec parse_population(const Study &study)
  {
    const internal::Reader r(study.file);
    const YAML::Node       b = internal::study_block(study);
    if (!b || study.study_type != "population")
      r.fail(b, "study.type", "this command needs a study block with type: population");
    r.only_keys(b, "study", {"type", "subjects", "seed", "age_years", "fraction_female", "sites",
                             "pk_cv", "percentiles"});
    return parse_population_block(study, b, "study");
  }

  PopulationSpec parse_population_block(const Study &study, const YAML::Node &b, const std::string &path)
  {
    const internal::Reader r(study.file);
    if (study.in_vitro())
      r.fail(b, path, "a population needs an in vivo study");
    PopulationSpec s;
    if (b["subjects"])
      s.subjects = r.whole_number(b["subjects"], path + ".subjects", 1, 1e7);
    if (const std::string problem = batch_memory_problem(study, s.subjects); !problem.empty())
      r.fail(b["subjects"], path + ".subjects", problem);
    if (b["seed"])
      s.seed = r.whole_number(b["seed"], path + ".seed", 0, 4e9);
    if (const YAML::Node a = b["age_years"])
      {
        r.only_keys(a, path + ".age_years", {"distribution", "low", "high", "mean", "sd"});
        if (a["distribution"])
          s.age_distribution = r.choice(a["distribution"], path + ".age_years.distribution", {"uniform", "normal"});
        s.age_low  = r.number_or(a, "low", path + ".age_years.", 18, 18, 100);
        s.age_high = r.number_or(a, "high", path + ".age_years.", 80, 18, 100);
        s.age_mean = r.number_or(a, "mean", path + ".age_years.", 50, 18, 100);
        s.age_sd   = r.number_or(a, "sd", path + ".age_years.", 15, 0, 100);
        if (s.age_high < s.age_low)
          r.fail(a, path + ".age_years.high", "must be >= low");
      }
    s.fraction_female = r.number_or(b, "fraction_female", path + ".", 0.5, 0, 1);
    if (const YAML::Node sites = b["sites"])
      for (const auto &site : sites)
        {
          const std::string id = r.text(site, path + ".sites");
          if (!materials::Library::standard().has_site(id))
            r.fail(site, path + ".sites", "unknown site '" + id + "' (allowed: " +
                                          materials::join(materials::Library::standard().site_ids()) + ")");
          s.sites.push_back(id);
        }
    if (const YAML::Node cv = b["pk_cv"])
      {
        r.only_keys(cv, path + ".pk_cv", {"clearance", "volumes"});
        s.clearance_cv = r.number_or(cv, "clearance", path + ".pk_cv.", 0.3, 0, 3);
        s.volumes_cv   = r.number_or(cv, "volumes", path + ".pk_cv.", 0.2, 0, 3);
      }
    if (const YAML::Node p = b["percentiles"])
      {
        s.percentiles.clear();
        for (const auto &v : p)
          s.percentiles.push_back(r.number(v, path + ".percentiles", 0, 100));
      }
    const materials::Library &library = materials::Library::standard();
    if (library.has_model("skin_ageing"))
      for (const char *name : {"stratum_corneum_thickness", "viable_epidermis_thickness", "dermis_thickness",
                               "perfusion", "sc_permeability"})
        {
          const std::string key = std::string("variability.") + name + "_cv";
          if (library.model("skin_ageing").has(key))
            s.skin_cv.emplace_back(name, library.model("skin_ageing").value(key));
        }
    return s;
  }

  Overrides subject_overrides(const Study &study, const PopulationSpec &spec, const unsigned int i)
  {
    std::seed_seq   seq{std::uint32_t(spec.seed), std::uint32_t(spec.seed >> 32), std::uint32_t(i), 0x5eed5u};
    std::mt19937_64 rng(seq);
    double          age;
    if (spec.age_distribution == "uniform")
      age = std::uniform_real_distribution<double>(spec.age_low, spec.age_high)(rng);
    else
      do
        age = std::normal_distribution<double>(spec.age_mean, spec.age_sd)(rng);
      while (age < spec.age_low || age > spec.age_high);
    const bool female = std::uniform_real_distribution<double>(0, 1)(rng) < spec.fraction_female;
    Overrides  o      = {"patient.age_years=" + num(age), std::string("patient.sex=") + (female ? "female" : "male")};
    if (!spec.sites.empty())
      {
        const std::string site = spec.sites[std::uniform_int_distribution<std::size_t>(0, spec.sites.size() - 1)(rng)];
        for (std::size_t a = 0; a < study.applications.size(); ++a)
          if (!study.applications[a].site.empty())
            o.push_back("application." + std::to_string(a) + ".site=" + site);
      }
    for (const auto &[name, cv] : spec.skin_cv)
      o.push_back("patient.skin_factors." + name + "=" + num(lognormal_factor(rng, cv)));
    o.push_back("patient.pk_factors.clearance=" + num(lognormal_factor(rng, spec.clearance_cv)));
    o.push_back("patient.pk_factors.volumes=" + num(lognormal_factor(rng, spec.volumes_cv)));
    return o;
  }

  std::vector<SubjectOutcome> simulate_subjects(const Study &study, const PopulationSpec &spec,
                                                const unsigned int first, const unsigned int last,
                                                const unsigned int n_threads, const BatchProgress &progress)
  {
    std::vector<Overrides> subjects;
    for (unsigned int i = first; i < last; ++i)
      subjects.push_back(subject_overrides(study, spec, i));
    const std::vector<Result> results = run_batch(study, subjects, n_threads, progress);
    std::vector<SubjectOutcome> outcomes(results.size());
    for (std::size_t i = 0; i < results.size(); ++i)
      {
        for (const std::string &m : population_metric_names())
          outcomes[i].metrics.push_back(summary_metric(results[i], m));
        outcomes[i].time_h           = results[i].series.time_h;
        outcomes[i].plasma_ng_per_mL = results[i].series.plasma_ng_per_mL;
      }
    return outcomes;
  }

  const std::vector<std::string> &population_metric_names()
  {
    static const std::vector<std::string> names = {"cmax_ng_per_mL", "tmax_h", "auc_0_last_ng_h_per_mL",
                                                   "delivered_ug", "cumulative_absorbed_ug"};
    return names;
  }

  PopulationResult run_population(const Study &study, const PopulationSpec &spec, const unsigned int n_threads,
                                  const BatchProgress &progress)
  {
    return summarise_population(study, spec, simulate_subjects(study, spec, 0, spec.subjects, n_threads, progress));
  }

  PopulationResult run_population_mpi(const Study &study, const PopulationSpec &spec, const unsigned int n_threads,
                                      const BatchProgress &progress, const MPI_Comm mpi_communicator)
  {
    const unsigned int rank  = dealii::Utilities::MPI::this_mpi_process(mpi_communicator);
    const unsigned int ranks = dealii::Utilities::MPI::n_mpi_processes(mpi_communicator);
    if (ranks == 1)
      return run_population(study, spec, n_threads, progress);
    const auto block_begin = [&](const unsigned int r) {
      return static_cast<unsigned int>(std::uint64_t(spec.subjects) * r / ranks);
    };
    // Only rank 0 reports progress (of its own block, which is as large as any).
    const std::vector<SubjectOutcome> mine =
      simulate_subjects(study, spec, block_begin(rank), block_begin(rank + 1), n_threads,
                        rank == 0 ? progress : BatchProgress());
    // Flatten: per subject [n_metrics, metrics..., n_times, times..., plasma...].
    std::vector<double> packed;
    for (const SubjectOutcome &o : mine)
      {
        packed.push_back(o.metrics.size());
        packed.insert(packed.end(), o.metrics.begin(), o.metrics.end());
        packed.push_back(o.time_h.size());
        packed.insert(packed.end(), o.time_h.begin(), o.time_h.end());
        packed.insert(packed.end(), o.plasma_ng_per_mL.begin(), o.plasma_ng_per_mL.end());
      }
    const std::vector<std::vector<double>> all = dealii::Utilities::MPI::gather(mpi_communicator, packed, 0);
    if (rank != 0)
      return {};
    std::vector<SubjectOutcome> outcomes;
    for (const std::vector<double> &block : all)
      for (std::size_t k = 0; k < block.size();)
        {
          SubjectOutcome o;
          const std::size_t n_metrics = block[k++];
          o.metrics.assign(block.begin() + k, block.begin() + k + n_metrics);
          k += n_metrics;
          const std::size_t n_times = block[k++];
          o.time_h.assign(block.begin() + k, block.begin() + k + n_times);
          k += n_times;
          o.plasma_ng_per_mL.assign(block.begin() + k, block.begin() + k + n_times);
          k += n_times;
          outcomes.push_back(std::move(o));
        }
    return summarise_population(study, spec, outcomes);
  }

  PopulationResult summarise_population(const Study &study, const PopulationSpec &spec,
                                        const std::vector<SubjectOutcome> &outcomes)
  {
    if (outcomes.size() != spec.subjects)
      throw std::logic_error("summarise_population: one outcome per subject expected");
    std::vector<Overrides> subjects;
    for (unsigned int i = 0; i < spec.subjects; ++i)
      subjects.push_back(subject_overrides(study, spec, i));
    const std::vector<std::string> &metrics = population_metric_names();
    PopulationResult out;
    // Per-subject summaries.
    std::ostringstream csv;
    csv << "subject";
    for (const std::string &o : subjects.front())
      csv << "," << o.substr(0, o.find('='));
    for (const std::string &m : metrics)
      csv << "," << m;
    csv << "\n";
    for (std::size_t i = 0; i < outcomes.size(); ++i)
      {
        csv << i;
        for (const std::string &o : subjects[i])
          csv << "," << o.substr(o.find('=') + 1);
        for (const double value : outcomes[i].metrics)
          csv << "," << num(value);
        csv << "\n";
      }
    out.subjects_csv = csv.str();

    // Percentile bands of plasma over time and the fraction in the window.
    const materials::Library &library = materials::Library::standard();
    double low = NAN, high = NAN;
    if (!study.drug.inline_mapping && library.drug(study.drug.id).has("therapeutic_range.low_ng_per_mL"))
      {
        low  = library.drug(study.drug.id).value("therapeutic_range.low_ng_per_mL");
        high = library.drug(study.drug.id).value("therapeutic_range.high_ng_per_mL");
      }
    std::ostringstream bands;
    bands << "time_h";
    for (const double p : spec.percentiles)
      bands << ",plasma_p" << num(p) << "_ng_per_mL";
    bands << ",fraction_in_therapeutic_window\n";
    const std::vector<double> &t = outcomes.front().time_h;
    for (std::size_t k = 0; k < t.size(); ++k)
      {
        std::vector<double> c;
        for (const SubjectOutcome &o : outcomes)
          c.push_back(o.plasma_ng_per_mL.at(k));
        bands << num(t[k]);
        for (const double p : spec.percentiles)
          bands << "," << num(percentile(c, p));
        const double inside = std::count_if(c.begin(), c.end(), [&](double x) { return x >= low && x <= high; });
        bands << "," << (std::isfinite(low) ? num(inside / c.size()) : "") << "\n";
      }
    out.bands_csv = bands.str();

    nlohmann::json j;
    j["subjects"] = spec.subjects;
    j["seed"]     = spec.seed;
    j["therapeutic_window_ng_per_mL"] = std::isfinite(low) ? nlohmann::json({low, high}) : nlohmann::json(nullptr);
    for (std::size_t m = 0; m < metrics.size(); ++m)
      {
        std::vector<double> v;
        for (const SubjectOutcome &o : outcomes)
          v.push_back(o.metrics[m]);
        for (const double p : spec.percentiles)
          {
            const double value = percentile(v, p);
            j["percentiles"][metrics[m]]["p" + num(p)] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json(nullptr);
          }
      }
    out.summary_json = j.dump(2) + "\n";
    return out;
  }
} // namespace dermatwin::studies
