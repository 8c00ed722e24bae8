// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/materials/library.h>

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>

namespace dermatwin::materials
{
  namespace fs = std::filesystem;

  std::string join(const std::vector<std::string> &items, const std::string &separator)
  {
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i)
      out += (i ? separator : "") + items[i];
    return out;
  }

  bool Record::has(const std::string &key) const
  {
    return std::any_of(quantities.begin(), quantities.end(),
                       [&](const auto &q) { return q.first == key; });
  }

  const Quantity &Record::quantity(const std::string &key) const
  {
    for (const auto &[k, q] : quantities)
      if (k == key)
        return q;
    throw LibraryError(file + ": " + kind + " '" + id + "' has no value '" + key + "'");
  }

  double Record::value_or(const std::string &key, const double fallback) const
  {
    return has(key) ? value(key) : fallback;
  }

  bool Record::has_table(const std::string &key) const
  {
    return std::any_of(tables.begin(), tables.end(), [&](const auto &t) { return t.first == key; });
  }

  const Table &Record::table(const std::string &key) const
  {
    for (const auto &[k, t] : tables)
      if (k == key)
        return t;
    throw LibraryError(file + ": " + kind + " '" + id + "' has no table '" + key + "'");
  }

  double Table::at(const double x_value) const
  {
    if (x_value <= x.front())
      return y.front();
    if (x_value >= x.back())
      return y.back();
    std::size_t i = 1;
    while (x[i] < x_value)
      ++i;
    const double w = (x_value - x[i - 1]) / (x[i] - x[i - 1]);
    return (1 - w) * y[i - 1] + w * y[i];
  }

  std::string Record::text_or(const std::string &key, const std::string &fallback) const
  {
    const auto found = text.find(key);
    return found == text.end() ? fallback : found->second;
  }

  namespace
  {
    std::string where(const std::string &file, const YAML::Node &node)
    {
      return file + ":" + std::to_string(node.Mark().line + 1);
    }

    /// A table {table: {x_name: [...], values: [...]}, unit, source, confidence}.
    Table read_table(const YAML::Node &item, const std::string &path, const std::string &file,
                     const std::map<std::string, Source> &sources)
    {
      Table t;
      const YAML::Node table = item["table"];
      if (!table.IsMap() || !table["values"] || table.size() != 2)
        throw LibraryError(where(file, item) + ": " + path +
                           ": table needs exactly two lists, an x list and 'values'");
      for (const auto &entry : table)
        if (entry.first.as<std::string>() != "values")
          t.x_name = entry.first.as<std::string>();
      try
        {
          t.x = table[t.x_name].as<std::vector<double>>();
          t.y = table["values"].as<std::vector<double>>();
        }
      catch (const YAML::Exception &)
        {
          throw LibraryError(where(file, item) + ": " + path + ": table entries must be numbers");
        }
      if (t.x.size() != t.y.size() || t.x.size() < 2 || !std::is_sorted(t.x.begin(), t.x.end()))
        throw LibraryError(where(file, item) + ": " + path +
                           ": table needs >= 2 points, equal lengths, increasing " + t.x_name);
      for (const char *required : {"unit", "source", "confidence"})
        if (!item[required])
          throw LibraryError(where(file, item) + ": " + path + ": missing '" + required + "'");
      t.unit       = item["unit"].as<std::string>();
      t.source     = item["source"].as<std::string>();
      t.confidence = item["confidence"].as<std::string>();
      t.note       = item["note"] ? item["note"].as<std::string>() : "";
      if (!sources.count(t.source))
        throw LibraryError(where(file, item) + ": " + path + ": unknown source '" + t.source + "'");
      return t;
    }

    /// Walks a mapping; {value: ...} mappings become quantities.
    void collect(const YAML::Node &node, const std::string &prefix, const std::string &file,
                 const std::map<std::string, Source> &sources, Record &record)
    {
      for (const auto &entry : node)
        {
          const std::string key  = entry.first.as<std::string>();
          const std::string path = prefix.empty() ? key : prefix + "." + key;
          const YAML::Node &item = entry.second;
          if (item.IsMap() && item["table"])
            record.tables.emplace_back(path, read_table(item, path, file, sources));
          else if (item.IsMap() && item["value"])
            {
              Quantity q;
              try
                {
                  q.value = item["value"].as<double>();
                }
              catch (const YAML::Exception &)
                {
                  throw LibraryError(where(file, item) + ": " + path + ": value must be a number");
                }
              if (!std::isfinite(q.value))
                throw LibraryError(where(file, item) + ": " + path + ": value is not finite");
              for (const char *required : {"unit", "source", "confidence"})
                if (!item[required])
                  throw LibraryError(where(file, item) + ": " + path + ": missing '" + required +
                                     "' (every library value needs unit, source, confidence)");
              q.unit       = item["unit"].as<std::string>();
              q.source     = item["source"].as<std::string>();
              q.confidence = item["confidence"].as<std::string>();
              q.note       = item["note"] ? item["note"].as<std::string>() : "";
              if (!sources.count(q.source))
                throw LibraryError(where(file, item) + ": " + path + ": unknown source '" +
                                   q.source + "' (not in sources.yaml)");
              if (q.confidence != "measured" && q.confidence != "model" &&
                  q.confidence != "estimated")
                throw LibraryError(where(file, item) + ": " + path + ": confidence '" +
                                   q.confidence + "' (allowed: measured, model, estimated)");
              record.quantities.emplace_back(path, q);
            }
          else if (item.IsMap())
            collect(item, path, file, sources, record);
          else if (item.IsScalar())
            record.text[path] = item.as<std::string>();
        }
    }

    std::string default_resource_dir()
    {
      if (const char *env = std::getenv("DERMATWIN_RESOURCES"))
        return env;
      return DERMATWIN_DEFAULT_RESOURCE_DIR;
    }
  } // namespace

  Library::Library(const std::string &resource_dir)
    : dir_(resource_dir.empty() ? default_resource_dir() : resource_dir)
  {
    const fs::path main_sources = fs::path(dir_) / "sources.yaml";
    if (!fs::exists(main_sources))
      throw LibraryError("material library not found: " + main_sources.string() +
                         " (set DERMATWIN_RESOURCES to the resources/ folder)");
    std::vector<fs::path> source_files{main_sources};
    if (fs::is_directory(fs::path(dir_) / "sources"))
      for (const auto &entry : fs::directory_iterator(fs::path(dir_) / "sources"))
        if (entry.path().extension() == ".yaml")
          source_files.push_back(entry.path());
    std::sort(source_files.begin() + 1, source_files.end());
    for (const fs::path &file : source_files)
      try
        {
          const YAML::Node root = YAML::LoadFile(file.string());
          if (!root["sources"] || !root["sources"].IsMap())
            throw LibraryError(file.string() + ": expected a mapping 'sources: {key: citation}'");
          for (const auto &entry : root["sources"])
            {
              Source s{entry.first.as<std::string>(), entry.second.as<std::string>()};
              const auto known = sources_.find(s.key);
              if (known != sources_.end() && known->second.citation != s.citation)
                throw LibraryError(file.string() + ": source '" + s.key +
                                   "' is defined twice with different citations");
              sources_[s.key] = s;
            }
        }
      catch (const YAML::Exception &e)
        {
          throw LibraryError(file.string() + ": " + e.what());
        }
    load_folder("drugs", "drug", drugs_);
    load_folder("products", "product", products_);
    load_folder("sites", "site", sites_);
    load_folder("acupoints", "acupoint", acupoints_);
    load_folder("models", "model", models_);
  }

  const Library &Library::standard()
  {
    static const Library library;
    return library;
  }

  void Library::load_folder(const std::string &folder, const std::string &kind,
                            std::map<std::string, Record> &into)
  {
    const fs::path path = fs::path(dir_) / folder;
    if (!fs::is_directory(path))
      return;
    std::vector<fs::path> files;
    for (const auto &entry : fs::directory_iterator(path))
      if (entry.path().extension() == ".yaml")
        files.push_back(entry.path());
    std::sort(files.begin(), files.end());
    for (const fs::path &file : files)
      try
        {
          // A file holds one record, or a list of them under 'entries'.
          const YAML::Node root = YAML::LoadFile(file.string());
          const bool       list = root.IsMap() && root["entries"].IsDefined();
          std::vector<YAML::Node> nodes;
          if (list)
            for (const auto &n : root["entries"])
              nodes.push_back(n);
          else
            nodes.push_back(root);
          for (const YAML::Node &node : nodes)
            {
              Record record;
              record.kind = kind;
              record.file = file.string();
              if (!node["id"] && kind != "model")
                throw LibraryError(where(file.string(), node) + ": " + kind + " without 'id'");
              record.id = node["id"] ? node["id"].as<std::string>() : file.stem().string();
              // Shared values of a product family apply to each entry.
              if (list && root["common"])
                collect(root["common"], "", file.string(), sources_, record);
              collect(node, "", file.string(), sources_, record);
              if (into.count(record.id))
                throw LibraryError(where(file.string(), node) + ": duplicate " + kind + " id '" +
                                   record.id + "'");
              into[record.id] = record;
            }
        }
      catch (const YAML::Exception &e)
        {
          throw LibraryError(file.string() + ": " + e.what());
        }
  }

  const Record &Library::find(const std::map<std::string, Record> &records,
                              const std::string &kind, const std::string &id)
  {
    const auto found = records.find(id);
    if (found != records.end())
      return found->second;
    std::vector<std::string> ids;
    for (const auto &r : records)
      ids.push_back(r.first);
    throw LibraryError("unknown " + kind + " '" + id + "' (allowed: " + join(ids) + ")");
  }

  const Record &Library::drug(const std::string &id) const { return find(drugs_, "drug", id); }
  const Record &Library::product(const std::string &id) const
  {
    return find(products_, "product", id);
  }
  const Record &Library::site(const std::string &id) const { return find(sites_, "site", id); }
  const Record &Library::acupoint(const std::string &id) const
  {
    return find(acupoints_, "acupoint", id);
  }
  const Record &Library::model(const std::string &id) const { return find(models_, "model", id); }

  namespace
  {
    std::vector<std::string> keys(const std::map<std::string, Record> &records)
    {
      std::vector<std::string> ids;
      for (const auto &r : records)
        ids.push_back(r.first);
      return ids;
    }
  } // namespace
  std::vector<std::string> Library::drug_ids() const { return keys(drugs_); }
  std::vector<std::string> Library::product_ids() const { return keys(products_); }
  std::vector<std::string> Library::site_ids() const { return keys(sites_); }
  std::vector<std::string> Library::acupoint_ids() const { return keys(acupoints_); }

  const Source &Library::source(const std::string &key) const
  {
    const auto found = sources_.find(key);
    if (found == sources_.end())
      throw LibraryError("unknown source '" + key + "'");
    return found->second;
  }
} // namespace dermatwin::materials
