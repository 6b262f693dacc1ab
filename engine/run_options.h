// The `jackd run` (and `jackd config`) options as the command line and the configuration file give them:
// strings and numbers, checked by CLI11 but not yet resolved. engine/run_config.h turns them into the
// typed configuration a run uses. A plain struct, so cli.h can hold it without knowing about processes.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/coverage_options.h"
#include "engine/ssh_options.h"

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
  std::string collection = "split";     // --collection: split, lazy or whole (engine/split_collection.h)
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

// Adds every `jackd run` option to `run`, bound to `options`. This is the one table of run options:
// --help, the configuration keys and `jackd config` all read it (option_sources.h). A new option needs a
// ->group() and, if it is a flag, a ->default_function() that shows its value. The order in which options
// are added is part of the behaviour: --help and `jackd config` list them in it, and "did you mean" gives
// ties to the earlier key.
void AddRunOptions(CLI::App& run, RunOptions& options);

}  // namespace jackd
