// SPDX-License-Identifier: LGPL-2.1-or-later
// libFuzzer target for the study parser and `--set` overrides.
//
// An input is a YAML study text, optionally followed by a line "%%set" and
// one `key.path=value` override per line. The contract (STUDY_FORMAT.md
// section 5): parse_study() either succeeds (then plan_scenario() must also
// succeed or fail cleanly) or throws StudyError / LibraryError with a
// non-empty message. Anything else -- another exception, a crash, a hang or
// a sanitizer report -- is a bug.
#include <dermatwin/materials/library.h>
#include <dermatwin/studies/scenario.h>
#include <dermatwin/studies/study.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

namespace
{
  using namespace dermatwin;

  /// Splits the input at the first "%%set" line into study text and overrides.
  void split_input(const std::string &input, std::string &yaml, std::vector<std::string> &overrides)
  {
    const std::string marker = "%%set\n";
    std::size_t       at     = input.compare(0, marker.size(), marker) == 0 ? 0 : input.find("\n" + marker);
    if (at != std::string::npos && at > 0)
      ++at; // keep the newline with the study text
    if (at == std::string::npos)
      {
        yaml = input;
        return;
      }
    yaml = input.substr(0, at);
    std::istringstream rest(input.substr(at + marker.size()));
    for (std::string line; std::getline(rest, line);)
      if (!line.empty())
        overrides.push_back(line);
  }

  [[noreturn]] void bug(const char *what, const std::string &message)
  {
    std::fprintf(stderr, "fuzz_study: %s: '%s'\n", what, message.c_str());
    std::abort();
  }

  void require_message(const std::exception &e, const char *type)
  {
    if (std::string(e.what()).empty())
      bug(type, "thrown with an empty message");
  }
} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, const std::size_t size)
{
  std::string              yaml;
  std::vector<std::string> overrides;
  split_input(std::string(reinterpret_cast<const char *>(data), size), yaml, overrides);
  try
    {
      const studies::Study study = studies::parse_study(yaml, "fuzz.yaml", overrides);
      studies::plan_scenario(study);
    }
  catch (const studies::StudyError &e)
    {
      require_message(e, "StudyError");
    }
  catch (const materials::LibraryError &e)
    {
      require_message(e, "LibraryError");
    }
  catch (const std::exception &e)
    {
      bug("unexpected exception", e.what());
    }
  catch (...)
    {
      bug("unexpected exception", "(not a std::exception)");
    }
  return 0;
}
