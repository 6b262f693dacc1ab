#include "engine/run_config.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "engine/python_interpreter.h"
#include "engine/shard_selection.h"
#include "engine/worker_count.h"

namespace jackd {
namespace {

// --listen: checked before anything runs, so a risky listener never starts.
absl::StatusOr<std::optional<ServerAccess>> ResolveListener(const RunOptions& options) {
  if (options.listen.empty()) return std::nullopt;
  auto access = ResolveServerAccess({.tls_cert = options.tls_cert,
                                     .tls_key = options.tls_key,
                                     .tls_client_ca = options.tls_client_ca,
                                     .token_file = options.token_file,
                                     .insecure = options.insecure},
                                    options.listen);
  if (!access.ok()) return access.status();
  if (!access->warning.empty()) std::fprintf(stderr, "jackd: warning: %s\n", access->warning.c_str());
  return *std::move(access);
}

// -n, --maxprocesses, --dist, --dist-fallback and the shard, into `config`.
absl::Status ResolveScheduling(const RunOptions& options, RunConfig& config) {
  auto requested = ResolveWorkerCount(options.workers, ReadCpuFacts());
  if (!requested.ok()) return requested.status();
  auto mode = scheduler::ParseDistMode(options.dist);
  if (!mode)
    return absl::InvalidArgumentError("unknown --dist mode '" + options.dist + "' (see 'jackd run --help')");
  auto fallback = scheduler::ParseDistMode(options.dist_fallback);
  if (!fallback)
    return absl::InvalidArgumentError("unknown --dist-fallback mode '" + options.dist_fallback + "'");
  auto shard_mode = scheduler::ParseShardMode(options.shard_mode);
  if (!shard_mode)
    return absl::InvalidArgumentError("unknown --shard-mode '" + options.shard_mode + "' (duration or hash)");
  auto shard = ResolveShard(options.shard, *shard_mode);
  if (!shard.ok()) return shard.status();
  // Never more workers than asked for (`--dist no` means one); the collection may show fewer are useful.
  config.requested_workers = static_cast<std::uint32_t>(*requested);
  if (options.max_processes > 0)
    config.requested_workers = std::min(config.requested_workers, options.max_processes);
  if (*mode == scheduler::DistMode::kNo) config.requested_workers = 1;
  config.dist = *mode;
  config.dist_fallback = *fallback;
  config.shard = *shard;
  return absl::OkStatus();
}

// --ssh: checked before collection, started once the listener is up (engine/ssh_launcher.h).
absl::StatusOr<std::optional<SshLaunch>> ResolveSsh(const RunOptions& options,
                                                    const std::optional<ServerAccess>& access) {
  if (options.ssh.hosts.empty()) return std::nullopt;
  // The listener's token (none without --listen, which ResolveSshLaunch reports).
  const std::string token = access ? access->token : std::string();
  auto launch = ResolveSshLaunch(options.ssh, options.listen, token, options.insecure,
                                 std::filesystem::current_path().string());
  if (!launch.ok()) return launch.status();
  return *std::move(launch);
}

// The options that need no resolving, only a type: numbers, flags, paths and names.
void CopyPlainValues(const RunOptions& options, RunConfig& config) {
  config.pytest_args = options.pytest_args;
  config.serial_mark = options.serial_mark;
  config.thread_pool_cpus = options.thread_limits == "auto" ? UsableCpus() : 0;
  config.collection = options.collection == "whole"  ? CollectionMode::kWhole
                      : options.collection == "lazy" ? CollectionMode::kLazy
                                                     : CollectionMode::kSplit;
  config.timeout = options.timeout;
  config.session_timeout = options.session_timeout;
  config.retry_crashed = options.retry_crashed;
  if (options.max_worker_restart >= 0) config.max_worker_restart = options.max_worker_restart;
  config.worker_start_timeout =
      std::chrono::milliseconds(static_cast<long>(options.worker_start_timeout * 1000));
  config.worker_start = options.worker_start == "fork" ? WorkerStart::kFork : WorkerStart::kExec;
  config.reruns = options.reruns;
  config.reruns_delay = options.reruns_delay;
  config.fail_on_flaky = options.fail_on_flaky;
  config.count = options.count;
  config.detect_flaky = options.detect_flaky;
  config.json_report = options.json_report;
  config.html_report = options.html_report;
  config.slow = options.slow;
  config.progress_interval = options.progress_interval;
  config.coverage = options.coverage;
  config.listen = options.listen;
  config.shim_environment = ShimEnvironment(options);
  config.local_shim_environment = LocalShimEnvironment(options);
}

}  // namespace

std::vector<std::string> ShimEnvironment(const RunOptions& options) {
  return {
      // The shim registers the serial mark under the name the engine groups by.
      "JACKD_SERIAL_MARK=" + options.serial_mark,
      // --count: the shim parametrizes every test, in collection and in every worker alike.
      absl::StrCat("JACKD_COUNT=", options.count),
  };
}

std::vector<std::string> LocalShimEnvironment(const RunOptions& options) {
  std::vector<std::string> env = ShimEnvironment(options);
  // --cov needs coverage.py in the test environment; the shim's bootstrap says so before pytest starts.
  if (!options.coverage.sources.empty() && !options.coverage.no_cov)
    env.push_back(absl::StrCat(kNeedsModulesVariable, "=coverage"));
  return env;
}

absl::StatusOr<RunConfig> ResolveRunConfig(const RunOptions& options) {
  RunConfig config;
  auto python = FindPython(options.python);
  if (!python.ok()) return python.status();
  config.python = *std::move(python);
  auto access = ResolveListener(options);
  if (!access.ok()) return access.status();
  config.remote_access = *std::move(access);
  config.remote_only = config.remote_access && options.workers == "0";
  if (absl::Status scheduling = ResolveScheduling(options, config); !scheduling.ok()) return scheduling;
  auto ssh = ResolveSsh(options, config.remote_access);
  if (!ssh.ok()) return ssh.status();
  config.ssh_launch = *std::move(ssh);
  CopyPlainValues(options, config);
  return config;
}

}  // namespace jackd
