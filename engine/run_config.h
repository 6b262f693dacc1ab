// `jackd run`'s options resolved once, before anything starts: enums and typed values in place of the
// command line's strings, the interpreter found, the listener's credentials read, the shard chosen, and
// the environment every shim process of the run is given. The phases of the run (engine/run_command.cc)
// read this and never the raw options.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/coverage_options.h"
#include "engine/run_options.h"
#include "engine/ssh_launcher.h"
#include "engine/tls_credentials.h"
#include "scheduler/distribution.h"
#include "scheduler/shard.h"

namespace jackd {

// --worker-start: how local workers start (engine/fork_server.h).
enum class WorkerStart { kFork, kExec };

// --collection: whether prestarted workers collect a share of the files each (engine/split_collection.h),
// importing every other test module too (split) or only those they collect or run (lazy), or every
// worker collects the whole suite.
enum class CollectionMode { kSplit, kLazy, kWhole };

struct RunConfig {
  std::string python;  // the interpreter that runs pytest, found (engine/python_interpreter.h)
  std::vector<std::string> pytest_args;

  // Workers & scheduling.
  std::uint32_t requested_workers = 1;  // -n, capped by --maxprocesses, 1 for --dist no
  bool remote_only = false;             // -n 0 with --listen: only remote workers run tests
  scheduler::DistMode dist = scheduler::DistMode::kLoad;
  scheduler::DistMode dist_fallback = scheduler::DistMode::kLoad;
  std::string serial_mark;
  int thread_pool_cpus = 0;  // --thread-limits auto: the CPUs the local workers' pools share; 0: off
  std::optional<scheduler::ShardSpec> shard;
  CollectionMode collection = CollectionMode::kSplit;

  // Timeouts & reliability.
  double timeout = 0;
  double session_timeout = 0;
  int retry_crashed = 0;
  std::optional<int> max_worker_restart;              // nullopt: 4 per worker, known once the worker count is
  std::chrono::milliseconds worker_start_timeout{0};  // 0: the run loop's default
  WorkerStart worker_start = WorkerStart::kFork;

  // Reruns & flaky tests.
  int reruns = 0;
  double reruns_delay = 0;
  bool fail_on_flaky = false;
  int count = 1;
  int detect_flaky = 0;

  // Reports.
  std::string json_report;  // empty: none
  std::string html_report;  // empty: none
  double slow = 60;
  double progress_interval = 10;
  CoverageOptions coverage;

  // Remote workers: the --listen address, its credentials and token, and the SSH hosts to start.
  std::string listen;
  std::optional<ServerAccess> remote_access;  // set with --listen
  std::optional<SshLaunch> ssh_launch;        // set with --ssh

  // "NAME=value" for every shim of the run, local or on a remote host, that it must know before pytest
  // parses its options: the serial mark's name and the --count (ShimEnvironment).
  std::vector<std::string> shim_environment;
  // The same, and what only the shim processes started on this host need (LocalShimEnvironment): for the
  // collection, the fork server, the workers and the coverage combine.
  std::vector<std::string> local_shim_environment;
};

// Resolves `options` in the order the run has always checked them, so the first error reported stays
// the same: the interpreter, the listener (its --insecure warning goes to stderr at once), the worker
// count, --dist and --dist-fallback, the shard (touching Bazel's status file when Bazel shards), the SSH
// hosts. An error is one line for `jackd: error:` (a usage error).
absl::StatusOr<RunConfig> ResolveRunConfig(const RunOptions& options);

// The environment every shim of a run gets (RunConfig::shim_environment): the serial mark's name and the
// --count. Pure.
std::vector<std::string> ShimEnvironment(const RunOptions& options);

// ShimEnvironment, and for --cov the modules the shims' bootstrap must find on this host (coverage.py:
// only local workers measure coverage). Pure.
std::vector<std::string> LocalShimEnvironment(const RunOptions& options);

}  // namespace jackd
