// SPDX-License-Identifier: LGPL-2.1-or-later
// Private to dermatwin_studies: typed access to a YAML tree with error
// messages that name the file, line and key (FILE:LINE: KEY: message).
#ifndef dermatwin_studies_yaml_reader_h
#define dermatwin_studies_yaml_reader_h

#include <dermatwin/materials/library.h>
#include <dermatwin/studies/study.h>

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace dermatwin::studies::internal
{
  using materials::join;

    /// Reads typed values from the YAML tree with messages that name the
  /// file, line and key path.
  class Reader
  {
  public:
    explicit Reader(std::string file)
      : file_(std::move(file))
    {}

    [[noreturn]] void fail(const YAML::Node &node, const std::string &key,
                           const std::string &message) const
    {
      const int line = node.IsDefined() ? int(node.Mark().line) + 1 : 1;
      throw StudyError(file_, line < 1 ? 1 : line, key, message);
    }

    void only_keys(const YAML::Node &map, const std::string &path,
                   const std::vector<std::string> &allowed) const
    {
      if (!map.IsMap())
        fail(map, path.empty() ? "(root)" : path, "expected a mapping of keys");
      const std::set<std::string> ok(allowed.begin(), allowed.end());
      std::set<std::string>       seen;
      for (const auto &entry : map)
        {
          if (!entry.first.IsScalar())
            fail(entry.first, path.empty() ? "(root)" : path,
                 "a key must be plain text (allowed: " + join(allowed) + ")");
          const std::string key = entry.first.as<std::string>();
          if (!seen.insert(key).second)
            fail(entry.first, path.empty() ? key : path + "." + key,
                 "duplicate key (give each key once)");
          if (!ok.count(key))
            fail(entry.first, path.empty() ? key : path + "." + key,
                 "unknown key (allowed: " + join(allowed) + ")");
        }
    }

    double number(const YAML::Node &node, const std::string &key, const double min,
                  const double max, const bool min_inclusive = true) const
    {
      if (!node.IsScalar())
        fail(node, key, "expected a number (allowed: " + range(min, max, min_inclusive) + ")");
      const std::string text = node.Scalar();
      double            value;
      try
        {
          value = node.as<double>();
        }
      catch (const YAML::Exception &)
        {
          static const std::regex with_unit(R"(^\s*[-+]?[0-9.eE+-]+\s*[A-Za-z%/µ]+.*$)");
          // Only the start: std::regex recurses per character and would
          // overflow the stack on a very long value.
          if (std::regex_match(text.substr(0, 64), with_unit))
            fail(node, key, "'" + text + "' has a unit in the value; write the number alone, "
                            "the unit is in the key name (allowed: " +
                              range(min, max, min_inclusive) + ")");
          fail(node, key, "'" + text + "' is not a number (allowed: " +
                            range(min, max, min_inclusive) + ")");
        }
      if (!std::isfinite(value))
        fail(node, key, "'" + text + "' is not a finite number (allowed: " +
                          range(min, max, min_inclusive) + ")");
      if (value < min || value > max || (!min_inclusive && value == min))
        fail(node, key, "value " + text + " is out of range (allowed: " +
                          range(min, max, min_inclusive) + ")");
      return value;
    }

    double number_or(const YAML::Node &map, const std::string &name, const std::string &path,
                     const double fallback, const double min, const double max,
                     const bool min_inclusive = true) const
    {
      const YAML::Node node = map[name];
      return node ? number(node, path + name, min, max, min_inclusive) : fallback;
    }

    double required_number(const YAML::Node &map, const std::string &name,
                           const std::string &path, const double min, const double max,
                           const bool min_inclusive = true) const
    {
      const YAML::Node node = map[name];
      if (!node)
        fail(map, path + name,
             "missing required key (allowed: " + range(min, max, min_inclusive) + ")");
      return number(node, path + name, min, max, min_inclusive);
    }

    unsigned int whole_number(const YAML::Node &node, const std::string &key, const double min,
                              const double max) const
    {
      const double value = number(node, key, min, max);
      if (value != std::floor(value))
        fail(node, key, "expected a whole number (allowed: " + range(min, max, true) + ")");
      return static_cast<unsigned int>(value);
    }

    std::string choice(const YAML::Node &node, const std::string &key,
                       const std::vector<std::string> &allowed) const
    {
      const std::string value = text(node, key);
      for (const std::string &a : allowed)
        if (value == a)
          return value;
      fail(node, key, "'" + value + "' is not allowed (allowed: " + join(allowed) + ")");
    }

    std::string text(const YAML::Node &node, const std::string &key) const
    {
      if (!node.IsScalar() || node.Scalar().empty())
        fail(node, key, "expected a text value");
      return node.Scalar();
    }

    static std::string range(const double min, const double max, const bool min_inclusive)
    {
      std::ostringstream out;
      out << (min_inclusive ? ">= " : "> ") << min;
      if (max < std::numeric_limits<double>::max())
        out << " and <= " << max;
      return out.str();
    }

  private:
    std::string file_;
  };


  /// The study file's `study:` block with the study's `--set` overrides
  /// applied (null if there is none). Study-method parsers read it.
  YAML::Node study_block(const Study &study);
  /// The whole study tree with the study's `--set` overrides and then
  /// @p more_overrides applied.
  YAML::Node study_tree(const Study &study, const std::vector<std::string> &more_overrides = {});

  /// parse_study() in two parts, so that batch studies read the YAML text
  /// once and give each evaluation a YAML::Clone of the tree:
  /// the text's one document, checked to be a mapping (StudyError naming
  /// @p file otherwise) ...
  YAML::Node load_study_root(const std::string &text, const std::string &file);
  /// ... and the study from that tree (modified: the overrides are applied
  /// to it), with @p text kept as the study's text.
  Study study_from_root(YAML::Node root, const std::string &text, const std::string &file,
                        const std::vector<std::string> &overrides);
} // namespace dermatwin::studies::internal

#endif
