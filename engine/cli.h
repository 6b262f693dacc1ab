// The command line: `jackd run [jackd options] [pytest args]`, `jackd --version`, `jackd --help`.
// jackd's own options are parsed here; every other argument is pytest's and passes through unchanged,
// in order, to collection and to every worker.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "engine/coverage_options.h"

namespace jackd {

struct RunOptions {
  std::string workers = "auto";  // -n
  std::string python;            // empty: find one (see python_interpreter.h)
  std::string dist = "load";
  std::string dist_fallback = "load";  // how loadgroup treats tests without an xdist_group
  std::uint32_t max_processes = 0;     // 0: no cap
  int max_worker_restart = -1;         // -1: 4 per worker, as pytest-xdist
  std::string serial_mark = "serial";
  double timeout = 0;               // per test; 0: none
  double session_timeout = 0;       // whole run; 0: none
  int retry_crashed = 0;            // extra attempts for a test whose worker died under it
  double worker_start_timeout = 0;  // 0: 120 s plus 5 times the engine's collection time
  std::string json_report;
  std::string log_level = "warn";
  CoverageOptions coverage;  // --cov and friends
  std::vector<std::string> pytest_args;
};

struct VersionRequest {};

// Parsing ended the command (help printed, or a usage error reported); exit with this code.
struct EarlyExit {
  int exit_code = 0;
};

using Command = std::variant<RunOptions, VersionRequest, EarlyExit>;

// Parses argv. Prints help and usage errors itself (errors as one `jackd: error: ...` line).
Command ParseCommandLine(int argc, char** argv);

}  // namespace jackd
