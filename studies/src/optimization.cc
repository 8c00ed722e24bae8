// SPDX-License-Identifier: LGPL-2.1-or-later
// Dose optimization: the study block, regimens as overrides, the objective
// and the NLopt (COBYLA) search per discrete candidate.
#include <dermatwin/materials/library.h>
#include <dermatwin/studies/optimization.h>
#include <dermatwin/studies/output.h>

#include "yaml_reader.h"

#include <nlohmann/json.hpp>
#include <nlopt.hpp>

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>

namespace dermatwin::studies
{
  namespace
  {
    using internal::Reader;
    using materials::Library;
    using materials::Record;

    // ---------------------------------------------------------------- parsing

    ContinuousRange read_range(const Reader &r, const YAML::Node &node, const std::string &key, const double max)
    {
      r.only_keys(node, key, {"low", "high"});
      ContinuousRange range;
      range.low  = r.required_number(node, "low", key + ".", 0, max, false);
      range.high = r.required_number(node, "high", key + ".", 0, max, false);
      if (range.high <= range.low)
        r.fail(node["high"], key + ".high", "must be greater than low (" + csv_number(range.low) + ")");
      return range;
    }

    std::vector<std::string> read_ids(const Reader &r, const YAML::Node &node, const std::string &key,
                                      const std::vector<std::string> &allowed)
    {
      if (!node.IsSequence() || node.size() == 0)
        r.fail(node, key, "expected a non-empty list (allowed: " + materials::join(allowed) + ")");
      std::vector<std::string> ids;
      for (const auto &entry : node)
        ids.push_back(r.choice(entry, key, allowed));
      return ids;
    }

    bool cuttable(const Record &product)
    {
      return product.text_or("design", "").rfind("matrix", 0) == 0;
    }

    void read_window(const Reader &r, const YAML::Node &b, const Study &study, OptimizationSpec &s)
    {
      const Library &library = Library::standard();
      const Record  *drug    = study.drug.inline_mapping ? nullptr : &library.drug(study.drug.id);
      if (const YAML::Node w = b["window_ng_per_mL"])
        {
          if (!w.IsSequence() || w.size() != 2)
            r.fail(w, "study.window_ng_per_mL", "expected [low, high] (allowed: 0 < low < high)");
          s.window_low_ng_per_mL  = r.number(w[0], "study.window_ng_per_mL", 0, 1e6, false);
          s.window_high_ng_per_mL = r.number(w[1], "study.window_ng_per_mL", 0, 1e6, false);
          if (s.window_high_ng_per_mL <= s.window_low_ng_per_mL)
            r.fail(w, "study.window_ng_per_mL", "high must be greater than low (allowed: 0 < low < high)");
        }
      else if (drug && drug->has("therapeutic_range.low_ng_per_mL"))
        {
          s.window_low_ng_per_mL  = drug->value("therapeutic_range.low_ng_per_mL");
          s.window_high_ng_per_mL = drug->value("therapeutic_range.high_ng_per_mL");
        }
      else
        r.fail(b, "study.window_ng_per_mL", "missing: the drug has no therapeutic range in the library "
                                            "(allowed: [low, high] with 0 < low < high)");
      const double fallback_limit = drug ? drug->value_or("toxic_above_ng_per_mL", s.cmax_limit_ng_per_mL)
                                         : s.cmax_limit_ng_per_mL;
      s.cmax_limit_ng_per_mL = r.number_or(b, "cmax_limit_ng_per_mL", "study.", fallback_limit, 0, 1e300, false);
      s.target_ng_per_mL     = r.number_or(b, "target_ng_per_mL", "study.",
                                           0.5 * (s.window_low_ng_per_mL + s.window_high_ng_per_mL), 0, 1e6, false);
      s.target_tolerance     = r.number_or(b, "target_tolerance", "study.", s.target_tolerance, 0, 0.99, false);
      const double end_h     = study.simulation.end_h;
      s.evaluate_from_h      = r.number_or(b, "evaluate_from_h", "study.", 0, 0, end_h);
      s.evaluate_to_h        = r.number_or(b, "evaluate_to_h", "study.", end_h, 0, end_h, false);
      if (s.evaluate_to_h <= s.evaluate_from_h)
        r.fail(b["evaluate_to_h"] ? b["evaluate_to_h"] : b["evaluate_from_h"], "study.evaluate_to_h",
               "must be later than evaluate_from_h (allowed: evaluate_from_h < evaluate_to_h <= end_h)");
    }

    void read_variables(const Reader &r, const YAML::Node &v, const Study &study, OptimizationSpec &s)
    {
      const Library &library = Library::standard();
      r.only_keys(v, "study.variables",
                  {"area_cm2", "products", "patches", "sites", "acupoints", "wear_h", "replace_every_h"});
      const ApplicationSpec &label = study.applications.front();
      if (const YAML::Node p = v["products"])
        for (const std::string &id : read_ids(r, p, "study.variables.products", library.product_ids()))
          {
            const std::string drug = library.product(id).text_or("drug", "");
            if (!study.drug.inline_mapping && drug != study.drug.id)
              r.fail(p, "study.variables.products",
                     "product '" + id + "' contains '" + drug + "', the study's drug is '" + study.drug.id + "'");
            s.products.push_back(id);
          }
      if (const YAML::Node a = v["area_cm2"])
        {
          s.area_cm2 = read_range(r, a, "study.variables.area_cm2", 1000);
          std::vector<std::string> products = s.products;
          if (products.empty() && !label.product.empty())
            products.push_back(label.product);
          for (const std::string &id : products)
            if (!cuttable(library.product(id)))
              r.fail(a, "study.variables.area_cm2",
                     "product '" + id + "' is not a cuttable matrix patch (design: " +
                       library.product(id).text_or("design", "not given") +
                       "); a variable area needs a matrix (drug-in-adhesive) product or an inline patch");
        }
      if (const YAML::Node n = v["patches"])
        {
          if (!n.IsSequence() || n.size() == 0)
            r.fail(n, "study.variables.patches", "expected a non-empty list of whole numbers (allowed: 1..20)");
          s.patches.clear();
          for (const auto &entry : n)
            s.patches.push_back(r.whole_number(entry, "study.variables.patches", 1, 20));
        }
      for (const char *kind : {"sites", "acupoints"})
        if (const YAML::Node p = v[kind])
          {
            const std::string key = std::string("study.variables.") + kind;
            if (!label.skin_layers.empty())
              r.fail(p, key, "the study's application has explicit skin layers; remove them to choose a " +
                               std::string(kind == std::string("sites") ? "site" : "acupoint"));
            const bool site = kind == std::string("sites");
            for (const std::string &id : read_ids(r, p, key, site ? library.site_ids() : library.acupoint_ids()))
              s.placements.push_back(site ? Placement{id, ""} : Placement{"", id});
          }
      if (const YAML::Node w = v["wear_h"])
        s.wear_h = read_range(r, w, "study.variables.wear_h", 1e5);
      if (const YAML::Node w = v["replace_every_h"])
        s.replace_every_h = read_range(r, w, "study.variables.replace_every_h", 1e5);
    }

    void read_population(const Reader &r, const YAML::Node &p, const Study &study, OptimizationSpec &s)
    {
      r.only_keys(p, "study.population",
                  {"subjects", "seed", "age_years", "fraction_female", "pk_cv", "percentile", "cmax_percentile"});
      s.population           = parse_population_block(study, p, "study.population");
      s.objective_percentile = r.number_or(p, "percentile", "study.population.", 50, 0, 100);
      s.cmax_percentile      = r.number_or(p, "cmax_percentile", "study.population.", 95, 0, 100);
    }
  } // namespace

  OptimizationSpec parse_optimization(const Study &study)
  {
    const Reader     r(study.file);
    const YAML::Node b = internal::study_block(study);
    if (!b || study.study_type != "optimize")
      r.fail(b, "study.type", "this command needs a study block with type: optimize");
    if (study.in_vitro())
      r.fail(b, "study.type", "dose optimization needs an in vivo study (experiment: in_vivo)");
    r.only_keys(b, "study",
                {"type", "objective", "window_ng_per_mL", "target_ng_per_mL", "target_tolerance", "evaluate_from_h",
                 "evaluate_to_h", "cmax_limit_ng_per_mL", "max_total_area_cm2", "variables", "population",
                 "optimizer"});
    if (study.applications.size() != 1)
      r.fail(internal::study_tree(study)["application"], "application",
             "optimize needs exactly one application entry (the regimen template); use "
             "study.variables.patches for several identical patches");
    OptimizationSpec s;
    if (b["objective"])
      s.objective = r.choice(b["objective"], "study.objective", {"time_in_window", "time_to_target"});
    read_window(r, b, study, s);
    if (b["max_total_area_cm2"])
      s.max_total_area_cm2 = r.number(b["max_total_area_cm2"], "study.max_total_area_cm2", 0, 1e4, false);
    if (b["variables"])
      read_variables(r, b["variables"], study, s);
    if (const YAML::Node o = b["optimizer"])
      {
        r.only_keys(o, "study.optimizer", {"max_evaluations", "x_tolerance"});
        if (o["max_evaluations"])
          s.max_evaluations = r.whole_number(o["max_evaluations"], "study.optimizer.max_evaluations", 1, 100000);
        s.relative_tolerance = r.number_or(o, "x_tolerance", "study.optimizer.", s.relative_tolerance, 0, 0.5, false);
      }
    if (b["population"])
      read_population(r, b["population"], study, s);
    return s;
  }

  // ------------------------------------------------------------------ regimens

  namespace
  {
    /// The label wear time of @p product under the study's template: its
    /// remove_h, else the product's wear time; empty if neither.
    std::optional<double> label_wear_h(const ApplicationSpec &label, const std::string &product)
    {
      if (label.remove_h)
        return *label.remove_h - label.apply_h;
      if (!product.empty() && Library::standard().product(product).has("wear_time_h"))
        return Library::standard().product(product).value("wear_time_h");
      return std::nullopt;
    }

    double label_area_cm2(const ApplicationSpec &label, const std::string &product)
    {
      return product.empty() ? label.patch->area_cm2 : Library::standard().product(product).value("area_cm2");
    }

    /// An inline patch mapping with the product's composition, cut to @p area_cm2.
    YAML::Node cut_product(const std::string &id, const double area_cm2)
    {
      const Record &p = Library::standard().product(id);
      YAML::Node    patch;
      patch["area_cm2"]              = csv_number(area_cm2);
      patch["drug_load_mg"]          = csv_number(p.value("drug_load_mg") * area_cm2 / p.value("area_cm2"));
      patch["thickness_um"]          = csv_number(p.value("patch.thickness_um"));
      patch["diffusivity_cm2_per_s"] = csv_number(p.value("patch.diffusivity_cm2_per_s"));
      patch["solubility_mg_per_mL"]  = csv_number(p.value("patch.solubility_mg_per_mL"));
      patch["partition_coefficient"] = csv_number(p.value("patch.partition_coefficient_to_water"));
      return patch;
    }

    YAML::Node regimen_application(const Study &study, const YAML::Node &label_node, const Regimen &g)
    {
      const ApplicationSpec &label = study.applications.front();
      YAML::Node             app   = YAML::Clone(label_node);
      if (!g.product.empty())
        {
          app.remove("patch");
          app.remove("product");
          if (g.area_cm2)
            app["patch"] = cut_product(g.product, *g.area_cm2);
          else
            app["product"] = g.product;
        }
      else if (g.area_cm2)
        {
          app["patch"]["drug_load_mg"] = csv_number(label.patch->drug_load_mg * *g.area_cm2 / label.patch->area_cm2);
          app["patch"]["area_cm2"]     = csv_number(*g.area_cm2);
        }
      if (!g.placement.label().empty())
        {
          app.remove("site");
          app.remove("acupoint");
          app[g.placement.site.empty() ? "acupoint" : "site"] = g.placement.label();
        }
      // Without a wear variable a replaced patch is worn until the next one goes on.
      const std::optional<double> wear = g.wear_h ? g.wear_h : g.replace_every_h ? g.replace_every_h :
                                                                                 label_wear_h(label, g.product);
      if (wear)
        app["remove_h"] = csv_number(label.apply_h + *wear);
      if (g.replace_every_h)
        {
          const double span = study.simulation.end_h - label.apply_h;
          app["repeat_every_h"] = csv_number(*g.replace_every_h);
          app["repeats"]        = std::max(1, int(std::ceil(span / *g.replace_every_h - 1e-9)));
        }
      return app;
    }

    YAML::Node regimen_node(const Study &study, const Regimen &g)
    {
      const YAML::Node label_node = internal::study_tree(study)["application"][0];
      YAML::Node       list;
      for (unsigned int i = 0; i < g.patches; ++i)
        list.push_back(regimen_application(study, label_node, g));
      return list;
    }
  } // namespace

  Overrides regimen_overrides(const Study &study, const Regimen &regimen)
  {
    YAML::Emitter out;
    out.SetMapFormat(YAML::Flow);
    out.SetSeqFormat(YAML::Flow);
    out << regimen_node(study, regimen);
    return {"application=" + std::string(out.c_str())};
  }

  // ------------------------------------------------------------------ objective

  double time_in_window_h(const std::vector<double> &t, const std::vector<double> &c, const double low,
                          const double high, const double from_h, const double to_h)
  {
    double inside = 0;
    for (std::size_t k = 0; k + 1 < t.size(); ++k)
      {
        const double t0 = std::max(t[k], from_h), t1 = std::min(t[k + 1], to_h);
        if (!(t1 > t0))
          continue;
        auto         at = [&](double s) { return c[k] + (c[k + 1] - c[k]) * (s - t[k]) / (t[k + 1] - t[k]); };
        const double c0 = at(t0), c1 = at(t1);
        if (c0 == c1)
          {
            inside += (c0 >= low && c0 <= high) ? t1 - t0 : 0;
            continue;
          }
        // Parameter s in [0, 1] along the segment where low <= c <= high.
        const double sa = (low - c0) / (c1 - c0), sb = (high - c0) / (c1 - c0);
        const double s0 = std::max(0., std::min(sa, sb)), s1 = std::min(1., std::max(sa, sb));
        inside += std::max(0., s1 - s0) * (t1 - t0);
      }
    return inside;
  }

  double time_to_stay_in_band_h(const std::vector<double> &t, const std::vector<double> &c, const double low,
                                const double high, const double from_h, const double to_h)
  {
    auto in_band = [&](double x) { return x >= low && x <= high; };
    // Walk back from to_h to the last sample outside the band.
    std::size_t k = t.size();
    while (k > 0 && t[k - 1] > to_h)
      --k;
    if (k == 0)
      return NAN;
    auto at = [&](std::size_t j, double s) {
      return j + 1 < t.size() ? c[j] + (c[j + 1] - c[j]) * (s - t[j]) / (t[j + 1] - t[j]) : c[j];
    };
    if (!in_band(at(k - 1, to_h)))
      return NAN;
    for (std::size_t j = k; j-- > 0;)
      {
        const double v = at(j, std::max(t[j], from_h));
        if (in_band(v))
          {
            if (t[j] <= from_h)
              return from_h;
            continue;
          }
        // The segment enters the band (its right end is inside): the crossing.
        const double bound = v < low ? low : high;
        const double s     = (bound - c[j]) / (c[j + 1] - c[j]);
        return std::max(from_h, t[j] + s * (t[j + 1] - t[j]));
      }
    return from_h;
  }

  namespace
  {
    /// Least and greatest value of the piecewise linear c on [from_h, to_h].
    std::pair<double, double> range_between(const std::vector<double> &t, const std::vector<double> &c,
                                            const double from_h, const double to_h)
    {
      double lo = INFINITY, hi = -INFINITY;
      for (std::size_t k = 0; k + 1 < t.size(); ++k)
        {
          const double t0 = std::max(t[k], from_h), t1 = std::min(t[k + 1], to_h);
          if (t1 < t0)
            continue;
          for (const double s : {t0, t1})
            {
              const double v = c[k] + (c[k + 1] - c[k]) * (s - t[k]) / (t[k + 1] - t[k]);
              lo = std::min(lo, v), hi = std::max(hi, v);
            }
        }
      return {lo, hi};
    }

    /// Per-subject score (minimised) and objective of one run.
    std::pair<double, double> score_run(const OptimizationSpec &s, const Result &r)
    {
      const std::vector<double> &t = r.series.time_h, &c = r.series.plasma_ng_per_mL;
      const double span = s.evaluate_to_h - s.evaluate_from_h;
      if (s.objective == "time_in_window")
        {
          const double fraction =
            time_in_window_h(t, c, s.window_low_ng_per_mL, s.window_high_ng_per_mL, s.evaluate_from_h,
                             s.evaluate_to_h) / span;
          const auto [lo, hi] = range_between(t, c, s.evaluate_from_h, s.evaluate_to_h);
          // Inside all the time: a wider log margin to the nearer edge is
          // better (centred, robust); it is 0 where the plateau F = 1 begins.
          if (lo >= s.window_low_ng_per_mL && hi <= s.window_high_ng_per_mL)
            return {-1. - std::min(std::log(lo / s.window_low_ng_per_mL), std::log(s.window_high_ng_per_mL / hi)),
                    1.};
          if (fraction > 0)
            return {-fraction, fraction};
          // Never in the window: the log distance to it keeps a slope.
          const double floor = 1e-6 * s.window_low_ng_per_mL;
          const double d = hi < s.window_low_ng_per_mL ? std::log(s.window_low_ng_per_mL / std::max(hi, floor)) :
                           lo > s.window_high_ng_per_mL ? std::log(lo / s.window_high_ng_per_mL) : 0.;
          return {d, 0.};
        }
      const double low = s.target_ng_per_mL * (1 - s.target_tolerance),
                   high = s.target_ng_per_mL * (1 + s.target_tolerance);
      const double t_star = time_to_stay_in_band_h(t, c, low, high, s.evaluate_from_h, s.evaluate_to_h);
      if (std::isfinite(t_star))
        return {t_star - s.evaluate_from_h, t_star};
      // Outside the band at the end: widen the band to the final level and
      // add span x its log distance (continuous where the band is reached).
      const double end  = std::max(range_between(t, c, s.evaluate_to_h, s.evaluate_to_h).first, 1e-6 * low);
      const double wide = time_to_stay_in_band_h(t, c, std::min(low, end), std::max(high, end), s.evaluate_from_h,
                                                 s.evaluate_to_h);
      return {wide - s.evaluate_from_h + span * std::max(std::log(low / end), std::log(end / high)), NAN};
    }

    double total_area_cm2(const Study &study, const Regimen &g)
    {
      const std::string product = g.product.empty() ? study.applications.front().product : g.product;
      return g.patches * (g.area_cm2 ? *g.area_cm2 : label_area_cm2(study.applications.front(), product));
    }

    constexpr double never_h = 1e300;

    /// Runs regimens (for one person or a population) and scores them.
    class RegimenEvaluator
    {
    public:
      RegimenEvaluator(const Study &study, const OptimizationSpec &spec, const std::atomic<bool> &stop)
        : study_(study)
        , spec_(spec)
        , stop_(stop)
      {
        if (spec.population)
          for (unsigned int i = 0; i < spec.population->subjects; ++i)
            subjects_.push_back(subject_overrides(study, *spec.population, i));
        else
          subjects_.push_back({});
      }

      /// @p regimen empty: the study as given (the label regimen).
      Evaluation evaluate(const std::optional<Regimen> &regimen, const unsigned int n_threads) const
      {
        if (stop_)
          throw std::runtime_error("cancelled");
        const Overrides        base = regimen ? regimen_overrides(study_, *regimen) : Overrides{};
        std::vector<Overrides> runs;
        for (const Overrides &subject : subjects_)
          {
            runs.push_back(base);
            runs.back().insert(runs.back().end(), subject.begin(), subject.end());
          }
        const std::vector<Result> results =
          run_batch(study_, runs, n_threads, [this](std::size_t, std::size_t) { return !stop_; });
        std::vector<double> scores, objectives, cmax;
        for (const Result &r : results)
          {
            const auto [score, objective] = score_run(spec_, r);
            scores.push_back(score), objectives.push_back(objective);
            cmax.push_back(summary_metric(r, "cmax_ng_per_mL"));
          }
        Evaluation e;
        if (regimen)
          e.regimen = *regimen;
        const bool   window = spec_.objective == "time_in_window";
        const double p      = spec_.objective_percentile;
        e.score             = percentile(scores, window ? 100 - p : p);
        if (!window) // never reaching the band counts as the longest time
          for (double &o : objectives)
            o = std::isnan(o) ? never_h : o;
        e.objective = percentile(objectives, p);
        if (e.objective > spec_.evaluate_to_h) // the percentile falls among subjects who never get there
          e.objective = NAN;
        e.cmax_ng_per_mL = percentile(cmax, spec_.cmax_percentile);
        Regimen label;
        label.product     = study_.applications.front().product;
        e.total_area_cm2 = total_area_cm2(study_, regimen.value_or(label));
        const bool too_large =
          spec_.max_total_area_cm2 && e.total_area_cm2 > *spec_.max_total_area_cm2 * (1 + 1e-12);
        e.feasible = !(e.cmax_ng_per_mL > spec_.cmax_limit_ng_per_mL) && !too_large && !overlapping(e.regimen);
        return e;
      }

      const Study &study() const { return study_; }

      /// Worn longer than the replacement interval (two patches at once).
      bool overlapping(const Regimen &g) const
      {
        const std::optional<double> replace =
          g.replace_every_h ? g.replace_every_h : study_.applications.front().repeat_every_h;
        return g.wear_h && replace && *g.wear_h > *replace * (1 + 1e-9);
      }

    private:
      const Study            &study_;
      const OptimizationSpec &spec_;
      const std::atomic<bool> &stop_;
      std::vector<Overrides>  subjects_;
    };

    /// The continuous variables of one candidate, scaled to [0, 1].
    struct ContinuousSpace
    {
      std::vector<ContinuousRange> ranges;
      std::vector<double>          start; ///< scaled
      int                          area = -1, wear = -1, replace = -1; ///< indices, -1 if fixed
      /// An area range that the total area limit closes: fixed at its low end
      /// (then infeasible by the limit).
      std::optional<double> fixed_area_cm2;

      Regimen regimen(Regimen g, const std::vector<double> &x) const
      {
        auto value = [&](int i) { return ranges[i].low + x[i] * (ranges[i].high - ranges[i].low); };
        if (fixed_area_cm2) g.area_cm2 = fixed_area_cm2;
        if (area >= 0) g.area_cm2 = value(area);
        if (wear >= 0) g.wear_h = value(wear);
        if (replace >= 0) g.replace_every_h = value(replace);
        return g;
      }
    };

    ContinuousSpace continuous_space(const Study &study, const OptimizationSpec &spec, const Regimen &g)
    {
      const ApplicationSpec &label   = study.applications.front();
      const std::string      product = g.product.empty() ? label.product : g.product;
      ContinuousSpace        space;
      auto add = [&](int &index, ContinuousRange range, const std::optional<double> label_value) {
        index = int(space.ranges.size());
        const double v = label_value ? std::clamp(*label_value, range.low, range.high) : 0.5 * (range.low + range.high);
        space.ranges.push_back(range);
        space.start.push_back((v - range.low) / (range.high - range.low));
      };
      if (spec.area_cm2)
        {
          ContinuousRange range = *spec.area_cm2;
          if (spec.max_total_area_cm2)
            range.high = std::min(range.high, *spec.max_total_area_cm2 / g.patches);
          if (range.high > range.low)
            add(space.area, range, label_area_cm2(label, product));
          else
            space.fixed_area_cm2 = range.low;
        }
      const std::optional<double> wear = label_wear_h(label, product);
      if (spec.wear_h)
        add(space.wear, *spec.wear_h, wear);
      if (spec.replace_every_h)
        add(space.replace, *spec.replace_every_h, label.repeat_every_h ? label.repeat_every_h : wear);
      return space;
    }

    /// COBYLA over the continuous variables of one discrete candidate.
    class CandidateSearch
    {
    public:
      CandidateSearch(const RegimenEvaluator &evaluator, const OptimizationSpec &spec, const Regimen &candidate,
                      const unsigned int n_threads, std::function<void()> on_evaluation)
        : evaluator_(evaluator)
        , spec_(spec)
        , candidate_(candidate)
        , space_(continuous_space(evaluator.study(), spec, candidate))
        , n_threads_(n_threads)
        , on_evaluation_(std::move(on_evaluation))
      {}

      CandidateResult run()
      {
        CandidateResult out;
        if (space_.ranges.empty())
          {
            evaluate(space_.regimen(candidate_, {}));
            out.status = "evaluated";
          }
        else
          out.status = optimize();
        out.best        = *best_;
        out.evaluations = evaluations_;
        return out;
      }

    private:
      Evaluation evaluate(const Regimen &g)
      {
        Evaluation e = evaluator_.evaluate(g, n_threads_);
        ++evaluations_;
        on_evaluation_();
        const bool better = !best_ || (e.feasible && !best_->feasible) ||
                            (e.feasible == best_->feasible &&
                             (e.feasible ? e.score < best_->score : e.cmax_ng_per_mL < best_->cmax_ng_per_mL));
        if (better)
          best_ = e;
        return e;
      }

      const Evaluation &at(const std::vector<double> &x)
      {
        auto found = cache_.find(x);
        if (found == cache_.end())
          found = cache_.emplace(x, evaluate(space_.regimen(candidate_, x))).first;
        return found->second;
      }

      /// Wraps a callback: NLopt must not see our exceptions (it would only
      /// report a generic failure), so keep them and stop the search.
      double guarded(nlopt::opt &opt, const std::function<double()> &f)
      {
        try
          {
            return f();
          }
        catch (...)
          {
            if (!failure_)
              failure_ = std::current_exception();
            opt.force_stop();
            return HUGE_VAL;
          }
      }

      std::string optimize()
      {
        const unsigned int n = space_.ranges.size();
        nlopt::opt         opt(nlopt::LN_COBYLA, n);
        opt.set_lower_bounds(std::vector<double>(n, 0.));
        opt.set_upper_bounds(std::vector<double>(n, 1.));
        opt.set_xtol_abs(spec_.relative_tolerance);
        opt.set_maxeval(spec_.max_evaluations);
        opt.set_initial_step(0.25);
        using Fn = std::function<double(const std::vector<double> &)>;
        std::vector<Fn> functions;
        functions.push_back([this](const std::vector<double> &x) { return at(x).score; });
        if (std::isfinite(spec_.cmax_limit_ng_per_mL))
          functions.push_back([this](const std::vector<double> &x) {
            return at(x).cmax_ng_per_mL / spec_.cmax_limit_ng_per_mL - 1;
          });
        const std::optional<double> label_replace = evaluator_.study().applications.front().repeat_every_h;
        if (space_.wear >= 0 && (space_.replace >= 0 || label_replace))
          functions.push_back([this, label_replace](const std::vector<double> &x) {
            const Regimen g       = space_.regimen(candidate_, x);
            const double  replace = g.replace_every_h ? *g.replace_every_h : *label_replace;
            return (*g.wear_h - replace) / replace;
          });
        struct Call
        {
          CandidateSearch *self;
          nlopt::opt      *opt;
          Fn              *f;
        };
        std::vector<Call> calls;
        for (Fn &f : functions)
          calls.push_back({this, &opt, &f});
        auto trampoline = [](const std::vector<double> &x, std::vector<double> &, void *data) {
          Call *c = static_cast<Call *>(data);
          return c->self->guarded(*c->opt, [&] { return (*c->f)(x); });
        };
        opt.set_min_objective(trampoline, &calls[0]);
        for (std::size_t i = 1; i < calls.size(); ++i)
          opt.add_inequality_constraint(trampoline, &calls[i], 0.);
        std::vector<double> x = space_.start;
        double              value;
        nlopt::result       result;
        try
          {
            result = opt.optimize(x, value);
          }
        catch (const nlopt::roundoff_limited &)
          {
            result = nlopt::ROUNDOFF_LIMITED;
          }
        catch (const nlopt::forced_stop &)
          {
            result = nlopt::FORCED_STOP;
          }
        if (failure_)
          std::rethrow_exception(failure_);
        return termination(result);
      }

      static std::string termination(const nlopt::result r)
      {
        switch (r)
          {
            case nlopt::XTOL_REACHED: return "converged (x tolerance)";
            case nlopt::FTOL_REACHED: return "converged (f tolerance)";
            case nlopt::MAXEVAL_REACHED: return "evaluation budget used";
            case nlopt::ROUNDOFF_LIMITED: return "round-off limited";
            case nlopt::SUCCESS: return "converged";
            default: return "stopped (nlopt code " + std::to_string(int(r)) + ")";
          }
      }

      const RegimenEvaluator                       &evaluator_;
      const OptimizationSpec                       &spec_;
      const Regimen                                 candidate_;
      const ContinuousSpace                         space_;
      const unsigned int                            n_threads_;
      std::function<void()>                         on_evaluation_;
      std::map<std::vector<double>, Evaluation>     cache_;
      std::optional<Evaluation>                     best_;
      unsigned int                                  evaluations_ = 0;
      std::exception_ptr                            failure_;
    };

    std::vector<Regimen> enumerate_candidates(const Study &study, const OptimizationSpec &spec)
    {
      const std::vector<std::string> products =
        spec.products.empty() ? std::vector<std::string>{""} : spec.products;
      const std::vector<Placement> placements =
        spec.placements.empty() ? std::vector<Placement>{Placement{}} : spec.placements;
      std::vector<Regimen> candidates;
      for (const std::string &product : products)
        for (const unsigned int n : spec.patches)
          for (const Placement &placement : placements)
            {
              Regimen g;
              g.product   = product.empty() ? study.applications.front().product : product;
              g.patches   = n;
              g.placement = placement;
              candidates.push_back(g);
            }
      return candidates;
    }

    std::string optimized_study(const Study &study, const OptimizationSpec &spec, const Evaluation &best)
    {
      YAML::Node root = internal::study_tree(study);
      root.remove("study");
      root["application"] = regimen_node(study, best.regimen);
      root["name"] = (study.name.empty() ? std::string("study") : study.name) + " (optimized regimen)";
      const Regimen &g = best.regimen;
      std::string    what = std::to_string(g.patches) + " x " + (g.product.empty() ? "the study's patch" : g.product);
      if (g.area_cm2)
        what += " cut to " + csv_number(*g.area_cm2) + " cm2";
      if (!g.placement.label().empty())
        what += " on " + g.placement.label();
      YAML::Emitter out;
      out << YAML::Comment("dermatwin optimize: best regimen for " + spec.objective + " from " + study.file + "\n" +
                           what)
          << root;
      return std::string(out.c_str()) + "\n";
    }
  } // namespace

  OptimizationResult run_optimization(const Study &study, const OptimizationSpec &spec, const unsigned int n_threads,
                                      const BatchProgress &progress)
  {
    const std::vector<Regimen> candidates = enumerate_candidates(study, spec);
    for (const Regimen &g : candidates) // every regimen must make a valid study before any work starts
      parse_study(study.text, study.file, [&] {
        Overrides o = study.overrides;
        for (const std::string &s : regimen_overrides(study, g))
          o.push_back(s);
        return o;
      }());

    std::atomic<bool>        stop{false};
    std::atomic<std::size_t> done{0}, budget{candidates.size() * spec.max_evaluations + 1};
    std::mutex               progress_mutex;
    auto report = [&] {
      ++done;
      std::lock_guard<std::mutex> lock(progress_mutex);
      if (progress && !stop && !progress(done, std::max<std::size_t>(budget, done)))
        stop = true;
    };
    const RegimenEvaluator evaluator(study, spec, stop);
    const bool             population = bool(spec.population);
    OptimizationResult     out;
    out.candidates.resize(candidates.size());
    std::atomic<std::size_t> next{0};
    std::exception_ptr       failure;
    auto worker = [&] {
      for (std::size_t i = next++; i < candidates.size(); i = next++)
        try
          {
            CandidateSearch search(evaluator, spec, candidates[i], population ? n_threads : 1, report);
            out.candidates[i] = search.run();
            budget -= spec.max_evaluations - std::min(spec.max_evaluations, out.candidates[i].evaluations);
          }
        catch (...)
          {
            std::lock_guard<std::mutex> lock(progress_mutex);
            if (!failure)
              failure = std::current_exception();
            stop = true;
          }
    };
    std::vector<std::thread> threads;
    const unsigned int n_workers = population ? 1u : std::max(1u, std::min<unsigned int>(n_threads, candidates.size()));
    for (unsigned int t = 1; t < n_workers; ++t)
      threads.emplace_back(worker);
    worker();
    for (std::thread &t : threads)
      t.join();
    if (failure)
      std::rethrow_exception(failure);
    if (stop)
      throw std::runtime_error("cancelled");

    out.label = evaluator.evaluate(std::nullopt, n_threads);
    report();
    for (std::size_t i = 0; i < out.candidates.size(); ++i)
      {
        out.evaluations += out.candidates[i].evaluations;
        const Evaluation &a = out.candidates[i].best, &b = out.candidates[out.best_index].best;
        if ((a.feasible && !b.feasible) || (a.feasible == b.feasible && a.score < b.score))
          out.best_index = i;
      }
    out.evaluations += 1;
    const Evaluation &best = out.candidates[out.best_index].best;
    const std::vector<Result> runs = run_batch(study, {regimen_overrides(study, best.regimen), {}}, n_threads);
    out.best_run             = runs[0];
    out.label_run            = runs[1];
    out.optimized_study_yaml = optimized_study(study, spec, best);
    return out;
  }

  // ------------------------------------------------------------------ outputs

  namespace
  {
    nlohmann::json number_or_null(const double v)
    {
      return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(nullptr);
    }

    nlohmann::json evaluation_json(const OptimizationSpec &spec, const Evaluation &e, const bool with_regimen)
    {
      nlohmann::json j;
      if (with_regimen)
        {
          const Regimen &g = e.regimen;
          j["regimen"] = {{"product", g.product.empty() ? nlohmann::json(nullptr) : nlohmann::json(g.product)},
                          {"patches", g.patches},
                          {"site_or_acupoint", g.placement.label().empty() ? nlohmann::json(nullptr) :
                                                                               nlohmann::json(g.placement.label())},
                          {"area_cm2", g.area_cm2 ? number_or_null(*g.area_cm2) : nlohmann::json(nullptr)},
                          {"wear_h", g.wear_h ? number_or_null(*g.wear_h) : nlohmann::json(nullptr)},
                          {"replace_every_h",
                           g.replace_every_h ? number_or_null(*g.replace_every_h) : nlohmann::json(nullptr)}};
          j["total_area_cm2"] = number_or_null(e.total_area_cm2);
        }
      j[spec.objective == "time_in_window" ? "fraction_in_window" : "time_to_target_h"] = number_or_null(e.objective);
      if (spec.objective == "time_in_window")
        j["hours_in_window"] = number_or_null(e.objective * (spec.evaluate_to_h - spec.evaluate_from_h));
      j["cmax_ng_per_mL"] = number_or_null(e.cmax_ng_per_mL);
      j["score"]          = number_or_null(e.score);
      j["feasible"]       = e.feasible;
      return j;
    }
  } // namespace

  std::string optimum_json(const OptimizationSpec &spec, const OptimizationResult &r)
  {
    nlohmann::json j;
    j["objective"]            = spec.objective;
    j["window_ng_per_mL"]     = {spec.window_low_ng_per_mL, spec.window_high_ng_per_mL};
    if (spec.objective == "time_to_target")
      j["target_ng_per_mL"] = spec.target_ng_per_mL, j["target_tolerance"] = spec.target_tolerance;
    j["evaluated_h"]          = {spec.evaluate_from_h, spec.evaluate_to_h};
    j["cmax_limit_ng_per_mL"] = number_or_null(spec.cmax_limit_ng_per_mL);
    j["max_total_area_cm2"]   = spec.max_total_area_cm2 ? nlohmann::json(*spec.max_total_area_cm2) : nlohmann::json(nullptr);
    j["optimizer"]            = {{"algorithm", "NLopt LN_COBYLA"},
                                 {"max_evaluations_per_candidate", spec.max_evaluations},
                                 {"x_tolerance", spec.relative_tolerance}};
    if (spec.population)
      j["population"] = {{"subjects", spec.population->subjects},
                         {"seed", spec.population->seed},
                         {"objective_percentile", spec.objective_percentile},
                         {"cmax_percentile", spec.cmax_percentile}};
    const CandidateResult &best = r.candidates[r.best_index];
    j["best"]                   = evaluation_json(spec, best.best, true);
    j["best"]["status"]         = best.status;
    j["best"]["evaluations"]    = best.evaluations;
    j["best"]["cmax_margin_ng_per_mL"] = number_or_null(spec.cmax_limit_ng_per_mL - best.best.cmax_ng_per_mL);
    j["label"]                  = evaluation_json(spec, r.label, false);
    j["improvement_over_label"] = number_or_null(best.best.objective - r.label.objective);
    j["candidates"]             = r.candidates.size();
    j["evaluations"]            = r.evaluations;
    return j.dump(2) + "\n";
  }

  std::string candidates_csv(const OptimizationResult &r)
  {
    std::ostringstream out;
    out << "product,patches,site_or_acupoint,area_cm2,wear_h,replace_every_h,total_area_cm2,objective,"
           "score,cmax_ng_per_mL,feasible,evaluations,status\n";
    for (const CandidateResult &c : r.candidates)
      {
        const Regimen &g   = c.best.regimen;
        auto           opt = [](const std::optional<double> &v) { return v ? csv_number(*v) : std::string(); };
        out << g.product << "," << g.patches << "," << g.placement.label() << "," << opt(g.area_cm2) << ","
            << opt(g.wear_h) << "," << opt(g.replace_every_h) << "," << csv_number(c.best.total_area_cm2) << ","
            << csv_number(c.best.objective) << "," << csv_number(c.best.score) << ","
            << csv_number(c.best.cmax_ng_per_mL) << ","
            << (c.best.feasible ? "yes" : "no") << "," << c.evaluations << "," << c.status << "\n";
      }
    return out.str();
  }
} // namespace dermatwin::studies
