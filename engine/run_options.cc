#include "engine/run_options.h"

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

#include "scheduler/shard.h"

namespace jackd {
namespace {

// The --help groups of the run options, in the order --help and `jackd config` list them.
constexpr const char* kSchedulingGroup = "Workers & scheduling";
constexpr const char* kReliabilityGroup = "Timeouts & reliability";
constexpr const char* kRerunsGroup = "Reruns & flaky tests";
constexpr const char* kReportsGroup = "Reports";
constexpr const char* kEngineGroup = "Engine";
constexpr const char* kRemoteGroup = "Remote workers";

// CLI11's NonNegativeNumber and PositiveNumber name the largest double in their messages; these say
// what is wrong.
CLI::Validator NumberAtLeast(double minimum, const std::string& name) {
  return CLI::Validator(
      [minimum](std::string& text) -> std::string {
        double value = 0;
        if (!CLI::detail::lexical_cast(text, value)) return "'" + text + "' is not a number";
        if (value >= minimum) return "";
        return "'" + text + "' is " +
               (minimum == 0 ? "negative (give 0 or more)"
                             : "too small (give at least " + CLI::detail::to_string(minimum) + ")");
      },
      name);
}
const CLI::Validator kNotNegative = NumberAtLeast(0, "NONNEGATIVE");
const CLI::Validator kPositive = NumberAtLeast(1, "POSITIVE");

// A flag's value for `jackd config` (CLI11 shows an option's bound value, but a flag has none).
std::function<std::string()> ShowFlag(const bool& flag) {
  return [&flag] { return std::string(flag ? "true" : "false"); };
}

// One function per --help group, so that each reads at once. A group may be added to in two places
// (Workers & scheduling, Engine): the options keep the order they have always had (see run_options.h).

// Workers & scheduling: how many workers, and how tests are grouped onto them.
void AddSchedulingOptions(CLI::App& run, RunOptions& options) {
  run.add_option("-n,--numprocesses", options.workers,
                 "Workers: auto (usable CPUs; JACKD_WORKERS or PYTEST_XDIST_AUTO_NUM_WORKERS override it), "
                 "logical, N, or -N for usable CPUs / N")
      ->group(kSchedulingGroup)
      ->capture_default_str();
  run.add_option("--dist", options.dist,
                 "How tests are grouped onto workers: load (each test anywhere), loadfile (a file's tests "
                 "together), loadscope (a class's, else a module's), loadgroup (same xdist_group together, "
                 "the rest as --dist-fallback), worksteal (even split, idle workers steal), no (one worker)")
      ->group(kSchedulingGroup)
      ->check(CLI::IsMember({"load", "loadfile", "loadscope", "loadgroup", "worksteal", "no"}))
      ->capture_default_str();
  run.add_option("--dist-fallback", options.dist_fallback,
                 "How loadgroup places tests without an xdist_group")
      ->group(kSchedulingGroup)
      ->check(CLI::IsMember({"load", "loadfile", "loadscope"}))
      ->capture_default_str();
  run.add_option("--maxprocesses", options.max_processes,
                 "Never start more than this many workers (0: no cap)")
      ->group(kSchedulingGroup);
  run.add_option("--serial-mark", options.serial_mark,
                 "Tests with this mark run alone, while no other test runs (empty: none)")
      ->group(kSchedulingGroup)
      ->capture_default_str();
  run.add_option("--thread-limits", options.thread_limits,
                 "auto: each local worker gets max(1, usable CPUs / workers) threads in OpenMP, OpenBLAS, "
                 "MKL, numexpr, Accelerate and BLIS (OMP_NUM_THREADS and the like), unless you set them; "
                 "off: the workers inherit what you set, or the libraries use every CPU")
      ->group(kSchedulingGroup)
      ->check(CLI::IsMember({"auto", "off"}))
      ->capture_default_str();
}

// Timeouts & reliability.
void AddReliabilityOptions(CLI::App& run, RunOptions& options) {
  run.add_option("--timeout", options.timeout,
                 "Fail a test as 'timeout' after this many seconds (also @pytest.mark.timeout(s)); the "
                 "engine kills its worker, with every thread's stack in the report. 0: none")
      ->group(kReliabilityGroup)
      ->check(kNotNegative);
  run.add_option("--session-timeout", options.session_timeout,
                 "End the whole run after this many seconds; unfinished tests end as timeout or not run. "
                 "0: none")
      ->group(kReliabilityGroup)
      ->check(kNotNegative);
  run.add_option("--retry-crashed", options.retry_crashed,
                 "Run a test whose worker crashed again, on another worker, up to N times")
      ->group(kReliabilityGroup)
      ->check(kNotNegative);
  run.add_option("--max-worker-restart", options.max_worker_restart,
                 "Replacement workers started after crashes, in total (-1, the default: 4 per worker)")
      ->group(kReliabilityGroup);
  run.add_option("--worker-start-timeout", options.worker_start_timeout,
                 "Give up when a worker has not connected after this many seconds (0, the default: 120 "
                 "plus 5 times the collection time)")
      ->group(kReliabilityGroup)
      ->check(kNotNegative);
  run.add_option("--worker-start", options.worker_start,
                 "fork: workers are forked from one Python that has imported pytest and gRPC already "
                 "(faster to start); exec: every worker starts a Python of its own")
      ->group(kReliabilityGroup)
      ->check(CLI::IsMember({"fork", "exec"}))
      ->capture_default_str();
}

// Reruns & flaky tests.
void AddRerunOptions(CLI::App& run, RunOptions& options) {
  run.add_option("--reruns", options.reruns,
                 "Run a failed test again, on any worker, up to N times; one that then passes is 'flaky' "
                 "(@pytest.mark.flaky(reruns=N, reruns_delay=S) sets it per test)")
      ->group(kRerunsGroup)
      ->check(kNotNegative);
  run.add_option("--reruns-delay", options.reruns_delay, "Seconds to wait before a rerun")
      ->group(kRerunsGroup)
      ->check(kNotNegative);
  run.add_flag("--fail-on-flaky", options.fail_on_flaky,
               "A flaky test (passed only on a rerun) fails the run")
      ->group(kRerunsGroup)
      ->default_function(ShowFlag(options.fail_on_flaky));
  run.add_option("--count", options.count,
                 "Run every test N times, as N distinct tests (node IDs end in [1-N] ... [N-N], as "
                 "pytest-repeat's), spread over the workers")
      ->group(kRerunsGroup)
      ->check(kPositive);
  run.add_option("--detect-flaky", options.detect_flaky,
                 "Run every test N times (default 5) across different workers and report each test whose "
                 "outcomes differ, with its tally; flaky tests fail the run")
      ->group(kRerunsGroup)
      ->check(CLI::Range(2, 1000));
}

// Workers & scheduling, continued: which share of the suite this job runs, and how workers collect.
void AddSuiteShareOptions(CLI::App& run, RunOptions& options) {
  run.add_option("--shard", options.shard,
                 "Run shard I of N (1-based, e.g. 2/4): a deterministic share of the suite, so N CI jobs "
                 "run every test once (Bazel's TEST_TOTAL_SHARDS/TEST_SHARD_INDEX are used when absent)")
      ->group(kSchedulingGroup)
      ->check(CLI::Validator(
          [](std::string& value) {
            return scheduler::ParseShardArgument(value)
                       ? std::string()
                       : "expected I/N with 1 <= I <= N, e.g. 1/3, got '" + value + "'";
          },
          "I/N"));
  run.add_option("--shard-mode", options.shard_mode,
                 "duration: balance the shards by earlier runs' durations (.jackd store); hash: a test "
                 "stays in its shard as tests are added or removed")
      ->group(kSchedulingGroup)
      ->check(CLI::IsMember({"duration", "hash"}))
      ->capture_default_str();
  run.add_option("--collection", options.collection,
                 "split: the workers collect a share of the files each, in parallel, import every "
                 "other test module in pytest's order (so tests see what pytest's would), and collect "
                 "others only for tests they are given; lazy: as split, but a worker imports only the "
                 "test modules it collects or runs (faster when test modules are slow to import; "
                 "outcomes can differ from pytest's when importing one test module changes what "
                 "another's tests see); whole: every worker collects the whole suite (as pytest-xdist "
                 "does; --lf, --ff, --nf, --sw, node-ID arguments and random-order plugins always get "
                 "it)")
      ->group(kSchedulingGroup)
      ->check(CLI::IsMember({"split", "lazy", "whole"}))
      ->capture_default_str();
}

// Reports.
void AddReportOptions(CLI::App& run, RunOptions& options) {
  run.add_option("--json-report", options.json_report, "Write a JSON report of every test to this path")
      ->group(kReportsGroup);
  run.add_option("--html-report", options.html_report,
                 "Write a self-contained HTML report (summary, failures, slowest and flaky tests, a "
                 "timeline per worker) to this path")
      ->group(kReportsGroup);
  run.add_option("--slow", options.slow,
                 "Flag a test that runs longer than this many seconds as SLOW, in the status area and the "
                 "log (0: never)")
      ->group(kReportsGroup)
      ->check(kNotNegative)
      ->capture_default_str();
  run.add_option("--progress-interval", options.progress_interval,
                 "When the output is not a terminal: seconds between progress lines (0: none)")
      ->group(kReportsGroup)
      ->check(kNotNegative)
      ->capture_default_str();
}

// Engine: the interpreter.
void AddPythonOption(CLI::App& run, RunOptions& options) {
  run.add_option("--python", options.python,
                 "Interpreter that runs pytest (default: the active virtualenv's, else the one jackd was "
                 "installed with, else python3 on PATH)")
      ->group(kEngineGroup);
}

// Remote workers: the TCP listener and its credentials.
void AddListenOptions(CLI::App& run, RunOptions& options) {
  run.add_option("--listen", options.listen,
                 "Also accept remote workers ('jackd worker --connect') on TCP HOST:PORT; needs TLS and a "
                 "token unless --insecure. With -n 0 only remote workers run tests")
      ->group(kRemoteGroup);
  run.add_option("--tls-cert", options.tls_cert, "PEM certificate chain of the --listen port")
      ->group(kRemoteGroup);
  run.add_option("--tls-key", options.tls_key, "PEM private key of --tls-cert")->group(kRemoteGroup);
  run.add_option("--tls-client-ca", options.tls_client_ca,
                 "PEM CA: remote workers must present a client certificate it signed")
      ->group(kRemoteGroup);
  run.add_option("--token-file", options.token_file,
                 "File with the shared token remote workers must present (default: $JACKD_AUTH_TOKEN)")
      ->group(kRemoteGroup);
  run.add_flag("--insecure", options.insecure,
               "Let --listen go without TLS or without a token (anyone who reaches the port may take tests)")
      ->group(kRemoteGroup)
      ->default_function(ShowFlag(options.insecure));
}

// Engine: diagnostics.
void AddLogLevelOption(CLI::App& run, RunOptions& options) {
  run.add_option("--log-level", options.log_level, "Engine diagnostics on stderr")
      ->group(kEngineGroup)
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
}

}  // namespace

void AddRunOptions(CLI::App& run, RunOptions& options) {
  AddSchedulingOptions(run, options);
  AddReliabilityOptions(run, options);
  AddRerunOptions(run, options);
  AddSuiteShareOptions(run, options);
  AddReportOptions(run, options);
  DocumentCoverageOptions(run, options.coverage);
  AddSshOptions(run, options.ssh);
  AddPythonOption(run, options);
  AddListenOptions(run, options);
  AddLogLevelOption(run, options);
  run.footer(
      "Each option can be set in jackd.toml, or in pyproject.toml under [tool.jackd]: the long name with\n"
      "'_' for '-' (workers for -n), as in `max_worker_restart = 2`; the command line wins. 'jackd config'\n"
      "shows every option's value and where it comes from.");
}

}  // namespace jackd
