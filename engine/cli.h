// The command line: `jackd run [jackd options] [pytest args]`, `jackd config [jackd options]`,
// `jackd durations [options]`, `jackd --version [--python PATH]`, `jackd --help`.
// Run options the command line does not give come from jackd.toml or pyproject.toml [tool.jackd]
// (engine/config_file.h, engine/option_sources.h), then from RunOptions' defaults.
// jackd's own options are parsed here; every other argument is pytest's and passes through unchanged,
// in order, to collection and to every worker.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "engine/coverage_options.h"
#include "engine/ssh_options.h"
#include "engine/worker_command.h"

namespace CLI {
class App;
}

namespace jackd {

struct RunOptions {
  std::string workers = "auto";  // -n
  std::string python;            // empty: find one (see python_interpreter.h)
  std::string dist = "load";
  std::string dist_fallback = "load";  // how loadgroup treats tests without an xdist_group
  std::uint32_t max_processes = 0;     // 0: no cap
  int max_worker_restart = -1;         // -1: 4 per worker, as pytest-xdist
  std::string serial_mark = "serial";
  std::string thread_limits = "auto";  // --thread-limits: auto or off (engine/thread_limits.h)
  double timeout = 0;                  // per test; 0: none
  double session_timeout = 0;          // whole run; 0: none
  int retry_crashed = 0;               // extra attempts for a test whose worker died under it
  int reruns = 0;                      // extra attempts for a failed test
  double reruns_delay = 0;             // seconds before a rerun
  bool fail_on_flaky = false;          // a test that passed only on a rerun fails the run
  int count = 1;                       // run every test this many times, as distinct tests
  int detect_flaky = 0;                // run every test this many times and report disagreeing outcomes
  double worker_start_timeout = 0;     // 0: 120 s plus 5 times the engine's collection time
  std::string worker_start = "fork";   // --worker-start: fork or exec (engine/fork_server.h)
  std::string json_report;
  double slow = 60;               // --slow: flag a test running longer than this; 0: never
  double progress_interval = 10;  // --progress-interval: seconds between progress lines in a log
  std::string html_report;
  std::string shard;                    // --shard I/N (1-based); empty: Bazel's variables, else no shard
  std::string shard_mode = "duration";  // --shard-mode: duration or hash (scheduler/shard.h)
  std::string collection = "split";     // --collection: split or whole (engine/split_collection.h)
  std::string log_level = "warn";
  CoverageOptions coverage;  // --cov and friends
  // Remote workers (engine/run_loop_remote.cc, engine/tls_credentials.h): empty `listen`: none.
  std::string listen;  // --listen HOST:PORT
  std::string tls_cert;
  std::string tls_key;
  std::string tls_client_ca;
  std::string token_file;
  bool insecure = false;
  SshOptions ssh;  // --ssh and friends: remote workers started over SSH (engine/ssh_launcher.h)
  std::vector<std::string> pytest_args;
};

// `jackd durations`: the slowest tests and files from the durations store (engine/durations_store.h).
struct DurationsOptions {
  std::size_t top = 10;          // --top: how many tests and files to list
  std::string workers = "auto";  // -n: the worker count the expected wall time is for
  std::string rootdir;           // empty: the nearest directory with a store, from here upwards
};

// `jackd --version`: report on this interpreter (empty: find one as `jackd run` does).
struct VersionRequest {
  std::string python;
};

// `jackd config`: the effective configuration, ready to print.
struct ConfigReport {
  std::string text;
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

// Parsing ended the command (help printed, or a usage error reported); exit with this code.
struct EarlyExit {
  int exit_code = 0;
};

using Command = std::variant<RunOptions, VersionRequest, EarlyExit, DurationsOptions, ConfigReport,
                             MergeOptions, WorkerOptions>;

// Adds every `jackd run` option to `run`, bound to `options`. This is the one table of run options:
// --help, the configuration keys and `jackd config` all read it (option_sources.h). A new option needs a
// ->group() and, if it is a flag, a ->default_function() that shows its value.
void AddRunOptions(CLI::App& run, RunOptions& options);

// Parses argv. Prints help and usage errors itself (errors as one `jackd: error: ...` line).
Command ParseCommandLine(int argc, char** argv);

}  // namespace jackd
