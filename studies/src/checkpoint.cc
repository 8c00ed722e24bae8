// SPDX-License-Identifier: LGPL-2.1-or-later
#include <dermatwin/studies/checkpoint.h>
#include <dermatwin/studies/output.h>

#include <atomic>
#include <charconv>
#include <cmath>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <unistd.h>
#include <vector>

namespace dermatwin::studies
{
  namespace
  {
    const char *const tag = "dermatwin-checkpoint/1";

    std::atomic<BatchCheckpoint *> open_checkpoint{nullptr};

    std::uint64_t fnv1a(const std::string &text, std::uint64_t h = 14695981039346656037ull)
    {
      for (const unsigned char c : text)
        h = (h ^ c) * 1099511628211ull;
      return h;
    }

    std::string hex64(const std::uint64_t v)
    {
      char buffer[17];
      std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(v));
      return buffer;
    }

    std::string key_of(const Study &study)
    {
      std::string overrides;
      for (const std::string &o : study.overrides)
        overrides += o + '\0';
      return hex64(fnv1a(version() + '\0' + study.text)) + hex64(fnv1a(overrides));
    }

    /// The series of a result in a fixed order (the serialised layout).
    std::vector<std::vector<double> *> series_of(TimeSeries &ts)
    {
      return {&ts.time_h, &ts.plasma_ng_per_mL, &ts.input_rate_ug_per_h,
              &ts.flux_into_skin_ug_per_cm2_per_h, &ts.flux_out_ug_per_cm2_per_h,
              &ts.cumulative_permeated_ug_per_cm2, &ts.amount_in_patch_ug, &ts.amount_in_skin_ug,
              &ts.cumulative_absorbed_ug, &ts.removed_with_patches_ug};
    }
    std::vector<std::optional<double> *> optionals_of(Summary &s)
    {
      return {&s.cmax_ng_per_mL, &s.tmax_h, &s.auc_0_last_ng_h_per_mL,
              &s.apparent_half_life_after_removal_h, &s.steady_state_flux_ug_per_cm2_per_h,
              &s.lag_time_h, &s.permeability_coefficient_cm_per_h};
    }
    std::vector<double *> doubles_of(Summary &s)
    {
      return {&s.delivered_ug, &s.amount_left_in_patch_ug, &s.amount_in_skin_at_end_ug,
              &s.cumulative_absorbed_ug, &s.total_load_ug, &s.mass_balance_relative_error,
              &s.min_concentration_relative, &s.wall_time_s};
    }
    std::vector<unsigned int *> counts_of(Summary &s)
    {
      return {&s.dof_count, &s.time_steps, &s.euler_substeps};
    }

    /// " " and @p v exactly, in C99 hexadecimal ("0x1.8p+1", as printf's %a
    /// writes it; std::to_chars instead of printf: a record of 240 rows has
    /// about 2000 numbers, and printf's format parsing made the record cost
    /// as much as the run).
    void put(std::string &out, const double v)
    {
      char  buffer[40];
      char *p = buffer;
      *p++    = ' ';
      if (std::signbit(v))
        *p++ = '-';
      const double magnitude = std::abs(v);
      if (std::isfinite(magnitude))
        *p++ = '0', *p++ = 'x';
      p = std::to_chars(p, buffer + sizeof buffer, magnitude, std::chars_format::hex).ptr;
      out.append(buffer, p);
    }

    /// Reads the next space-separated token of @p in.
    std::string token(std::istringstream &in)
    {
      std::string t;
      if (!(in >> t))
        throw std::invalid_argument("checkpoint record too short");
      return t;
    }
    double get(std::istringstream &in)
    {
      const std::string t = token(in);
      char             *end = nullptr;
      const double      v   = std::strtod(t.c_str(), &end);
      if (end != t.c_str() + t.size())
        throw std::invalid_argument("bad number in checkpoint record: " + t);
      return v;
    }
    std::size_t get_count(std::istringstream &in, const std::size_t max)
    {
      const double v = get(in);
      if (!(v >= 0 && v <= double(max)) || v != std::size_t(v))
        throw std::invalid_argument("bad count in checkpoint record");
      return std::size_t(v);
    }
  } // namespace

  std::string serialize_result(const Result &result_in)
  {
    Result      r = result_in;
    std::string out = r.in_vitro ? "1" : "0";
    out.reserve(24 * (32 + series_of(r.series).size() * r.series.time_h.size()));
    for (std::optional<double> *o : optionals_of(r.summary))
      if (*o)
        put(out, **o);
      else
        out += " -";
    for (double *d : doubles_of(r.summary))
      put(out, *d);
    for (unsigned int *c : counts_of(r.summary))
      out += " " + std::to_string(*c);
    out += " " + std::to_string(r.series.time_h.size());
    for (std::vector<double> *v : series_of(r.series))
      {
        if (v->size() != r.series.time_h.size())
          throw std::logic_error("serialize_result: series of unequal length");
        for (const double x : *v)
          put(out, x);
      }
    return out;
  }

  Result deserialize_result(const std::string &text)
  {
    std::istringstream in(text);
    Result             r;
    const std::string  kind = token(in);
    if (kind != "0" && kind != "1")
      throw std::invalid_argument("bad checkpoint record");
    r.in_vitro = kind == "1";
    for (std::optional<double> *o : optionals_of(r.summary))
      {
        const auto at = in.tellg();
        if (token(in) == "-")
          continue;
        in.seekg(at);
        *o = get(in);
      }
    for (double *d : doubles_of(r.summary))
      *d = get(in);
    for (unsigned int *c : counts_of(r.summary))
      *c = static_cast<unsigned int>(get_count(in, 4294967295u));
    const std::size_t rows = get_count(in, text.size());
    for (std::vector<double> *v : series_of(r.series))
      {
        v->resize(rows);
        for (double &x : *v)
          x = get(in);
      }
    std::string extra;
    if (in >> extra)
      throw std::invalid_argument("trailing data in checkpoint record");
    return r;
  }

  BatchCheckpoint::BatchCheckpoint(const std::string &file)
    : file_(file)
  {
    {
      std::ifstream in(file, std::ios::binary);
      for (std::string line; std::getline(in, line);)
        {
          if (in.eof())
            break; // the last line has no newline: cut short by a kill
          std::istringstream fields(line);
          std::string        t, key, sum;
          if (!(fields >> t >> key >> sum) || t != tag)
            continue;
          std::string payload;
          std::getline(fields, payload);
          if (!payload.empty() && payload[0] == ' ')
            payload.erase(0, 1);
          if (hex64(fnv1a(payload)) != sum)
            continue;
          try
            {
              records_[key] = deserialize_result(payload);
            }
          catch (const std::invalid_argument &)
            {}
        }
    }
    BatchCheckpoint *none = nullptr;
    if (!open_checkpoint.compare_exchange_strong(none, this))
      throw std::runtime_error("another batch checkpoint is already open");
  }

  BatchCheckpoint::~BatchCheckpoint()
  {
    open_checkpoint = nullptr;
    if (fd_ >= 0)
      ::close(fd_);
  }

  BatchCheckpoint *BatchCheckpoint::active()
  {
    return open_checkpoint;
  }

  std::optional<Result> BatchCheckpoint::find(const Study &study)
  {
    const auto it = records_.find(key_of(study));
    if (it == records_.end())
      return std::nullopt;
    std::lock_guard<std::mutex> lock(mutex_);
    ++resumed_;
    return it->second;
  }

  void BatchCheckpoint::record(const Study &study, const Result &result)
  {
    const std::string payload = serialize_result(result);
    const std::string line =
      std::string(tag) + " " + key_of(study) + " " + hex64(fnv1a(payload)) + " " + payload + "\n";
    std::lock_guard<std::mutex> lock(mutex_);
    if (fd_ < 0) // created with the first record: a run that fails early leaves no file
      fd_ = ::open(file_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0)
      throw std::runtime_error("cannot write the checkpoint file " + file_ + ": " + std::strerror(errno));
    // One write() per record: with O_APPEND, whole lines even from several processes.
    const ssize_t written = ::write(fd_, line.data(), line.size());
    if (written != ssize_t(line.size()))
      throw std::runtime_error("cannot append to the checkpoint file " + file_ + ": " +
                               (written < 0 ? std::strerror(errno) : "short write (disk full?)"));
  }

  void BatchCheckpoint::remove()
  {
    std::remove(file_.c_str());
  }
} // namespace dermatwin::studies
