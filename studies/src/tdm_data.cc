// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/studies/study.h>
#include <dermatwin/studies/tdm_data.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

namespace dermatwin::studies
{
  namespace
  {
    std::string trimmed(const std::string &s)
    {
      const auto first = s.find_first_not_of(" \t\r");
      if (first == std::string::npos)
        return "";
      std::string t = s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
      if (t.size() >= 2 && t.front() == '"' && t.back() == '"')
        t = t.substr(1, t.size() - 2);
      return t;
    }

    std::vector<std::string> split(const std::string &line, const bool comma)
    {
      std::vector<std::string> cells;
      std::string              cell;
      if (comma)
        {
          std::stringstream in(line);
          while (std::getline(in, cell, ','))
            cells.push_back(trimmed(cell));
          if (!line.empty() && line.back() == ',')
            cells.emplace_back();
        }
      else
        {
          std::stringstream in(line);
          while (in >> cell)
            cells.push_back(trimmed(cell));
        }
      return cells;
    }

    std::string upper(std::string s)
    {
      std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
      return s;
    }

    /// Column positions of the header row.
    struct Header
    {
      std::vector<std::string>      names;
      std::map<std::string, size_t> index; ///< upper-case name -> position
      bool                          comma = true;

      std::optional<std::size_t> find(const std::string &name) const
      {
        const auto it = index.find(name);
        return it == index.end() ? std::nullopt : std::optional<std::size_t>(it->second);
      }
    };

    /// Reads one data row with messages naming the file, line and column.
    class Row
    {
    public:
      Row(const std::string &file, const unsigned int line, const Header &header, std::vector<std::string> cells)
        : file_(file), line_(line), header_(header), cells_(std::move(cells))
      {
        if (cells_.size() != header_.names.size())
          throw StudyError(file_, line_, "(row)",
                           std::to_string(cells_.size()) + " cells, but the header has " +
                             std::to_string(header_.names.size()) + " columns (" + join_names() + ")");
      }

      const std::string &text(const std::size_t column) const { return cells_[column]; }
      bool missing(const std::size_t column) const { return cells_[column].empty() || cells_[column] == "."; }

      double number(const std::size_t column, const std::string &allowed) const
      {
        const std::string &t   = cells_[column];
        char              *end = nullptr;
        const double       v   = std::strtod(t.c_str(), &end);
        if (t.empty() || end != t.c_str() + t.size())
          fail(column, "'" + t + "' is not a number (allowed: " + allowed + ")");
        if (!std::isfinite(v))
          fail(column, "'" + t + "' is not a finite number (allowed: " + allowed + ")");
        return v;
      }

      [[noreturn]] void fail(const std::size_t column, const std::string &message) const
      {
        throw StudyError(file_, line_, header_.names[column] + " (column " + std::to_string(column + 1) + ")",
                         message);
      }

    private:
      std::string join_names() const
      {
        std::string s;
        for (const std::string &n : header_.names)
          s += (s.empty() ? "" : ", ") + n;
        return s;
      }

      const std::string       &file_;
      unsigned int             line_;
      const Header            &header_;
      std::vector<std::string> cells_;
    };

    Header read_header(const std::string &line, const std::string &file, const unsigned int line_number)
    {
      Header h;
      h.comma = line.find(',') != std::string::npos;
      h.names = split(line, h.comma);
      for (std::size_t k = 0; k < h.names.size(); ++k)
        {
          const std::string name = upper(h.names[k]);
          const std::string key  = (name.empty() ? "(empty)" : h.names[k]) + " (column " + std::to_string(k + 1) + ")";
          if (name.empty())
            throw StudyError(file, line_number, key, "a column without a name in the header");
          if (!h.index.emplace(name, k).second)
            throw StudyError(file, line_number, key, "duplicate column name");
        }
      for (const char *required : {"TIME", "DV"})
        if (!h.find(required))
          throw StudyError(file, line_number, required,
                           "missing required column (the header needs TIME [h] and DV [ng/mL]; "
                           "optional: MDV, EVID, ID; others are ignored)");
      return h;
    }

    /// True for an observation row (not MDV = 1, not an event with EVID != 0).
    bool is_observation(const Row &row, const Header &h)
    {
      if (const auto mdv = h.find("MDV"))
        {
          const double v = row.number(*mdv, "0 or 1");
          if (v != 0 && v != 1)
            row.fail(*mdv, "MDV must be 0 or 1");
          if (v == 1)
            return false;
        }
      if (const auto evid = h.find("EVID"))
        if (row.number(*evid, "a whole number; rows with EVID != 0 are skipped") != 0)
          return false;
      return true;
    }

    TdmSample read_sample(const Row &row, const Header &h, const unsigned int line)
    {
      const std::size_t time = *h.find("TIME"), dv = *h.find("DV");
      TdmSample         s;
      s.line   = line;
      s.time_h = row.number(time, ">= 0 h since the first application");
      if (s.time_h < 0)
        row.fail(time, "negative time " + row.text(time) + " (allowed: >= 0 h since the first application)");
      if (row.missing(dv))
        row.fail(dv, "missing DV on an observation row (flag rows without a measurement MDV = 1)");
      s.concentration_ng_per_mL = row.number(dv, "> 0 ng/mL");
      if (s.concentration_ng_per_mL <= 0)
        row.fail(dv, "DV " + row.text(dv) +
                       " must be > 0 ng/mL (flag a sample below the limit of quantification MDV = 1: it is then "
                       "ignored)");
      return s;
    }

    /// IDs are equal as text or as numbers ("1" and "1.0").
    bool same_id(const std::string &a, const std::string &b)
    {
      char        *end_a = nullptr, *end_b = nullptr;
      const double x = std::strtod(a.c_str(), &end_a), y = std::strtod(b.c_str(), &end_b);
      const bool   numbers = !a.empty() && !b.empty() && *end_a == 0 && *end_b == 0;
      return a == b || (numbers && x == y);
    }

    /// Keeps the ID of a row: the selected one, else the first one seen (one person per file).
    bool keep_id(const Row &row, const Header &h, const std::string &select_id, TdmData &data)
    {
      const auto id = h.find("ID");
      if (!id)
        return true;
      const std::string value = row.text(*id);
      if (!select_id.empty())
        return same_id(value, select_id);
      if (data.id.empty())
        data.id = value;
      else if (!same_id(value, data.id))
        row.fail(*id, "several IDs in one file (" + data.id + ", " + value +
                        "): a calibration is for one person; select one with the study key study.id");
      return true;
    }
  } // namespace

  TdmData parse_tdm_csv(const std::string &text, const std::string &file, const std::string &select_id)
  {
    TdmData data;
    data.file = file;
    std::stringstream     in(text.rfind("\xEF\xBB\xBF", 0) == 0 ? text.substr(3) : text);
    std::optional<Header> header;
    unsigned int          line_number = 0, header_line = 1;
    for (std::string line; std::getline(in, line);)
      {
        ++line_number;
        const std::string t = trimmed(line);
        if (t.empty() || t.front() == '#')
          continue;
        if (!header)
          {
            header      = read_header(t, file, line_number);
            header_line = line_number;
            continue;
          }
        const Row row(file, line_number, *header, split(t, header->comma));
        if (keep_id(row, *header, select_id, data) && is_observation(row, *header))
          data.samples.push_back(read_sample(row, *header, line_number));
      }
    if (!header)
      throw StudyError(file, 1, "(file)", "empty file: expected a header row with TIME [h] and DV [ng/mL]");
    if (data.samples.empty())
      throw StudyError(file, header_line, "DV",
                       select_id.empty() ? "no observations (rows with MDV = 0 and a DV)"
                                         : "no observations for ID " + select_id);
    if (!select_id.empty())
      data.id = select_id;
    std::stable_sort(data.samples.begin(), data.samples.end(),
                     [](const TdmSample &a, const TdmSample &b) { return a.time_h < b.time_h; });
    return data;
  }

  TdmData read_tdm_csv(const std::string &file, const std::string &select_id)
  {
    std::ifstream in(file, std::ios::binary);
    if (!in)
      throw StudyError(file, 1, "(file)", "cannot open the TDM data file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse_tdm_csv(buffer.str(), file, select_id);
  }
} // namespace dermatwin::studies
