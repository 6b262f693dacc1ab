// The command line: `jackd run [jackd options] [pytest args]`, `jackd durations [options]`,
// `jackd --version`, `jackd --help`.
// jackd's own options are parsed here; every other argument is pytest's and passes through unchanged,
// in order, to collection and to every worker.
#pragma once

#include <cstddef>
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
  int reruns = 0;                   // extra attempts for a failed test
  double reruns_delay = 0;          // seconds before a rerun
  bool fail_on_flaky = false;       // a test that passed only on a rerun fails the run
  int count = 1;                    // run every test this many times, as distinct tests
  int detect_flaky = 0;             // run every test this many times and report disagreeing outcomes
  double worker_start_timeout = 0;  // 0: 120 s plus 5 times the engine's collection time
  std::string json_report;
  std::string shard;                    // --shard I/N (1-based); empty: Bazel's variables, else no shard
  std::string shard_mode = "duration";  // --shard-mode: duration or hash (scheduler/shard.h)
  std::string log_level = "warn";
  CoverageOptions coverage;  // --cov and friends
  std::vector<std::string> pytest_args;
};

// `jackd durations`: the slowest tests and files from the durations store (engine/durations_store.h).
struct DurationsOptions {
  std::size_t top = 10;          // --top: how many tests and files to list
  std::string workers = "auto";  // -n: the worker count the expected wall time is for
  std::string rootdir;           // empty: the nearest directory with a store, from here upwards
};

// `jackd merge`: the shards' reports of one sharded run, combined (engine/merge_command.h).
struct MergeOptions {
  std::string output;           // -o: the merged JSON report
  std::string junitxml;         // --junitxml: the merged JUnit XML
  std::string durations_store;  // --durations-store: a .jackd directory to record the merged durations in
  std::string cov_combine;      // --cov-combine: the combined coverage.py data file
  std::string python;           // --python: the interpreter whose coverage.py combines
  // The shards' files: JSON reports, JUnit XML (*.xml) and coverage.py data files, told apart by merge.
  std::vector<std::string> inputs;
};

struct VersionRequest {};

// Parsing ended the command (help printed, or a usage error reported); exit with this code.
struct EarlyExit {
  int exit_code = 0;
};

using Command = std::variant<RunOptions, VersionRequest, EarlyExit, DurationsOptions, MergeOptions>;

// Parses argv. Prints help and usage errors itself (errors as one `jackd: error: ...` line).
Command ParseCommandLine(int argc, char** argv);

}  // namespace jackd
