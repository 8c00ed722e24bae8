// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/materials/library.h>
#include <dermatwin/studies/measured_data.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace dermatwin::studies
{
  namespace
  {
    std::string trim(const std::string &s)
    {
      const auto first = s.find_first_not_of(" \t");
      if (first == std::string::npos)
        return "";
      const std::string t = s.substr(first, s.find_last_not_of(" \t") - first + 1);
      return t.size() >= 2 && t.front() == '"' && t.back() == '"' ? trim(t.substr(1, t.size() - 2)) : t;
    }

    std::vector<std::string> split_cells(const std::string &line)
    {
      std::vector<std::string> cells;
      std::stringstream        in(line);
      for (std::string cell; std::getline(in, cell, ',');)
        cells.push_back(trim(cell));
      if (!line.empty() && line.back() == ',')
        cells.push_back("");
      return cells;
    }

    /// Lines without CR and BOM, each with its 1-based number; comments and
    /// blank lines left out.
    std::vector<std::pair<int, std::string>> content_lines(std::string text)
    {
      if (text.compare(0, 3, "\xEF\xBB\xBF") == 0)
        text.erase(0, 3);
      std::vector<std::pair<int, std::string>> lines;
      std::stringstream                        in(text);
      int                                      number = 0;
      for (std::string line; std::getline(in, line);)
        {
          ++number;
          if (!line.empty() && line.back() == '\r')
            line.pop_back();
          const std::string t = trim(line);
          if (!t.empty() && t.front() != '#')
            lines.emplace_back(number, line);
        }
      return lines;
    }

    std::string range_text(const MeasuredColumn &c)
    {
      const double big = std::numeric_limits<double>::max();
      std::ostringstream out;
      if (c.min > -big && c.max < big)
        out << "a number in [" << c.min << ", " << c.max << "]";
      else if (c.min > -big)
        out << "a number >= " << c.min;
      else if (c.max < big)
        out << "a number <= " << c.max;
      else
        out << "a finite number";
      if (c.may_be_empty)
        out << " or empty";
      return out.str();
    }

    double read_cell(const std::string &cell, const MeasuredColumn &c, const std::string &file,
                     const int line, const std::size_t index)
    {
      const std::string where = "column " + std::to_string(index + 1) + ": ";
      const std::string allowed = " (allowed: " + range_text(c) + ")";
      if (cell.empty())
        {
          if (c.may_be_empty)
            return std::numeric_limits<double>::quiet_NaN();
          throw StudyError(file, line, c.name, where + "empty cell" + allowed);
        }
      char *end = nullptr;
      errno     = 0;
      const double value = std::strtod(cell.c_str(), &end);
      if (end == cell.c_str() || *end != '\0')
        throw StudyError(file, line, c.name, where + "'" + cell + "' is not a number" + allowed);
      if (!std::isfinite(value) || errno == ERANGE)
        throw StudyError(file, line, c.name, where + "'" + cell + "' is not a finite number" + allowed);
      if (value < c.min || value > c.max)
        throw StudyError(file, line, c.name, where + "value " + cell + " is out of range" + allowed);
      return value;
    }
  } // namespace

  bool MeasuredTable::has(const std::string &name) const
  {
    for (const std::string &n : names)
      if (n == name)
        return true;
    return false;
  }

  const std::vector<double> &MeasuredTable::column(const std::string &name) const
  {
    for (std::size_t c = 0; c < names.size(); ++c)
      if (names[c] == name)
        return values[c];
    throw std::out_of_range("measured data: no column '" + name + "'");
  }

  MeasuredTable parse_measured_csv(const std::string &text, const std::string &file,
                                   const std::vector<MeasuredColumn> &columns,
                                   const bool allow_other_columns)
  {
    std::vector<std::string> wanted;
    for (const MeasuredColumn &c : columns)
      wanted.push_back(c.name + (c.required ? "" : " (optional)"));
    const std::string allowed = " (allowed: " + materials::join(wanted) + ")";

    const auto lines = content_lines(text);
    if (lines.empty())
      throw StudyError(file, 1, "(header)", "empty data file: expected a header row" + allowed);
    const int                      header_line = lines.front().first;
    const std::vector<std::string> header      = split_cells(lines.front().second);

    MeasuredTable table;
    table.file = file;
    std::vector<std::size_t> cell_of; // header index of each requested column present
    std::vector<const MeasuredColumn *> present;
    for (std::size_t h = 0; h < header.size(); ++h)
      {
        for (std::size_t k = 0; k < h; ++k)
          if (header[k] == header[h])
            throw StudyError(file, header_line, header[h],
                             "column " + std::to_string(h + 1) + ": duplicate column name");
        bool known = false;
        for (const MeasuredColumn &c : columns)
          known = known || c.name == header[h];
        if (!known && !allow_other_columns)
          throw StudyError(file, header_line, header[h].empty() ? "(header)" : header[h],
                           "column " + std::to_string(h + 1) + ": unknown column '" + header[h] + "'" +
                             allowed);
      }
    for (const MeasuredColumn &c : columns)
      {
        std::size_t h = 0;
        while (h < header.size() && header[h] != c.name)
          ++h;
        if (h == header.size())
          {
            if (c.required)
              throw StudyError(file, header_line, c.name, "missing required column" + allowed);
            continue;
          }
        cell_of.push_back(h);
        present.push_back(&c);
        table.names.push_back(c.name);
      }
    table.values.resize(present.size());
    for (std::size_t i = 1; i < lines.size(); ++i)
      {
        const auto &[number, line]           = lines[i];
        const std::vector<std::string> cells = split_cells(line);
        if (cells.size() != header.size())
          throw StudyError(file, number, "(row)",
                           std::to_string(cells.size()) + " cells, the header has " +
                             std::to_string(header.size()) + " (allowed: one cell per column)");
        for (std::size_t c = 0; c < present.size(); ++c)
          table.values[c].push_back(read_cell(cells[cell_of[c]], *present[c], file, number, cell_of[c]));
        table.line.push_back(number);
      }
    if (table.n_rows() == 0)
      throw StudyError(file, header_line, "(rows)", "no data rows after the header (allowed: at least one)");
    return table;
  }

  MeasuredTable read_measured_csv(const std::string &file, const std::vector<MeasuredColumn> &columns,
                                  const bool allow_other_columns)
  {
    std::ifstream in(file, std::ios::binary);
    if (!in)
      throw StudyError(file, 1, "(file)", "cannot open the data file");
    std::stringstream buffer;
    buffer << in.rdbuf();
    return parse_measured_csv(buffer.str(), file, columns, allow_other_columns);
  }
} // namespace dermatwin::studies
