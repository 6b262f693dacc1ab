#include "engine/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "engine/config_file.h"
#include "engine/exit_code.h"
#include "engine/option_sources.h"
#include "engine/ssh_options.h"
#include "engine/version.h"
#include "scheduler/shard.h"

namespace jackd {
namespace {

// --detect-flaky runs each test this often unless told otherwise.
constexpr int kDetectFlakyDefaultRuns = 5;

bool IsNumber(const std::string& text, bool allow_sign) {
  std::size_t i = allow_sign && !text.empty() && text[0] == '-' ? 1 : 0;
  if (i >= text.size()) return false;
  for (; i < text.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return false;
  }
  return true;
}

// Glues values CLI11 would misread to their option before parsing: CLI11 reads "-2" as an unknown short
// option, so `-n -2` would lose its value; and `--detect-flaky`'s count is optional, so a bare
// `--detect-flaky tests/` must not take the path as its value.
std::vector<std::string> GlueOptionValues(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_next = i + 1 < args.size();
    if ((args[i] == "-n" || args[i] == "--numprocesses") && has_next && args[i + 1].size() > 1 &&
        args[i + 1][0] == '-' && IsNumber(args[i + 1], true)) {
      out.push_back("--numprocesses=" + args[i + 1]);
      ++i;
    } else if (args[i] == "--detect-flaky") {
      if (has_next && IsNumber(args[i + 1], false)) {
        out.push_back("--detect-flaky=" + args[++i]);
      } else {
        out.push_back("--detect-flaky=" + std::to_string(kDetectFlakyDefaultRuns));
      }
    } else {
      out.push_back(args[i]);
    }
  }
  return out;
}

// pytest-xdist options with no meaning under jackd: silence would be a surprise, so name the alternative.
std::optional<std::string> UnsupportedXdistOption(const std::vector<std::string>& args) {
  struct Unsupported {
    std::string_view name;
    std::string_view instead;
  };
  static constexpr Unsupported kUnsupported[] = {
      {"--tx", "jackd starts its workers itself (-n); it has no execnet gateways"},
      {"--px", "jackd starts its workers itself (-n); it has no execnet gateways"},
      {"--rsyncdir", "jackd's workers run in this checkout; nothing is copied"},
      {"--rsyncignore", "jackd's workers run in this checkout; nothing is copied"},
      {"--looponfail", "jackd has no loop-on-fail mode; rerun the failures with 'jackd run --lf'"},
      {"-f", "jackd has no loop-on-fail mode; rerun the failures with 'jackd run --lf'"},
      {"--distload", "use --dist load"},
      {"-d", "use --dist load"},
  };
  for (const std::string& arg : args) {
    if (arg == "--") break;
    const std::string_view name = std::string_view(arg).substr(0, arg.find('='));
    for (const Unsupported& option : kUnsupported) {
      if (name == option.name) {
        return std::string(name) + " is a pytest-xdist option that jackd does not support (" +
               std::string(option.instead) + ")";
      }
    }
  }
  return std::nullopt;
}

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

}  // namespace

void AddRunOptions(CLI::App& run, RunOptions& options) {
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

  DocumentCoverageOptions(run, options.coverage);
  AddSshOptions(run, options.ssh);

  run.add_option("--python", options.python,
                 "Interpreter that runs pytest (default: the active virtualenv's, else the one jackd was "
                 "installed with, else python3 on PATH)")
      ->group(kEngineGroup);
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
  run.add_option("--log-level", options.log_level, "Engine diagnostics on stderr")
      ->group(kEngineGroup)
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();

  run.footer(
      "Each option can be set in jackd.toml, or in pyproject.toml under [tool.jackd]: the long name with\n"
      "'_' for '-' (workers for -n), as in `max_worker_restart = 2`; the command line wins. 'jackd config'\n"
      "shows every option's value and where it comes from.");
}

namespace {

// Applies the configuration file found from the current directory to the options of `command` (parsed)
// that the command line did not give; `origin` says which file it was, for `jackd config`.
absl::StatusOr<std::vector<EffectiveOption>> ApplyProjectConfiguration(
    CLI::App& command, RunOptions& options, const std::set<std::string>& coverage_given,
    std::string& origin) {
  auto file = FindConfigFile(std::filesystem::current_path());
  if (!file.ok()) return file.status();
  origin =
      file->has_value()
          ? absl::StrCat((*file)->display, (*file)->table == "[tool.jackd]" ? " [tool.jackd]" : "")
          : "no jackd.toml or pyproject.toml [tool.jackd] here or above (defaults and command line only)";
  ConfigTarget target{
      .parsed = &command,
      .bind = [&options](CLI::App& probe) { AddRunOptions(probe, options); },
      .external = CoverageOptionNames(),
      .external_given = coverage_given,
      // Coverage options from the file go through the same parser as the command line's.
      .apply_external = [&options](const std::vector<std::string>& config_args) -> absl::Status {
        std::vector<std::string> taken = config_args;
        auto from_config = TakeCoverageOptions(taken);
        if (!from_config.ok()) return from_config.status();
        OverlayCoverageOptions(*from_config, options.coverage);
        return absl::OkStatus();
      }};
  return ApplyConfigFile(target, file->has_value() ? &**file : nullptr);
}

}  // namespace

Command ParseCommandLine(int argc, char** argv) {
  CLI::App app{"jackd: a native test-distribution engine for pytest", "jackd"};
  app.require_subcommand(0, 1);
  bool version = false;
  std::string version_python;
  app.add_flag("-V,--version", version,
               "Print the versions of jackd, the worker shim, pytest and Python, and exit");
  app.add_option("--python", version_python,
                 "With --version: the interpreter to report on (default: as 'jackd run' finds it)");

  RunOptions options;
  CLI::App* run = app.add_subcommand(
      "run", "Run a pytest suite on parallel workers. Arguments jackd does not know are pytest's.");
  run->allow_extras();
  AddRunOptions(*run, options);
  CLI::App* config = app.add_subcommand(
      "config",
      "Print every run option's value and where it comes from (default, jackd.toml or pyproject.toml "
      "[tool.jackd], command line), for the run options given here");
  config->allow_extras();
  AddRunOptions(*config, options);
  DurationsOptions durations_options;
  CLI::App* durations = app.add_subcommand(
      "durations", "List the slowest tests and files that earlier runs recorded, and the expected wall time");
  durations->add_option("--top", durations_options.top, "How many tests and files to list")
      ->capture_default_str();
  durations
      ->add_option("-n,--numprocesses", durations_options.workers,
                   "The workers to expect the wall time for: auto, logical, N or -N, as for 'jackd run'")
      ->capture_default_str();
  durations->add_option(
      "--rootdir", durations_options.rootdir,
      "The project whose store to read (default: the nearest directory with a .jackd store, "
      "from here upwards)");
  MergeOptions merge_options;
  CLI::App* merge = app.add_subcommand(
      "merge", "Combine the JSON reports (and JUnit files, durations) of the shards of one sharded run");
  merge->add_option("-o,--output", merge_options.output, "The merged JSON report")->required();
  merge->add_option("--junitxml,--junit-xml", merge_options.junitxml,
                    "Also write merged JUnit XML here, from the shards' JUnit files given as inputs (*.xml)");
  merge->add_option("--durations-store", merge_options.durations_store,
                    "Record the merged run's durations in this .jackd directory (e.g. the one CI caches), "
                    "as an unsharded run would");
  merge->add_option("--cov-combine", merge_options.cov_combine,
                    "Combine the shards' coverage.py data files given as inputs into this data file "
                    "(coverage combine; 'coverage report' then covers the whole suite)");
  merge->add_option("--python", merge_options.python,
                    "The interpreter whose coverage.py combines (default: as for 'jackd run')");
  merge
      ->add_option("reports", merge_options.inputs,
                   "Every shard's JSON report (from --json-report), and with --junitxml its JUnit file "
                   "(*.xml), with --cov-combine its coverage data file (.coverage)")
      ->required();
  WorkerOptions worker_options;
  CLI::App* worker = app.add_subcommand(
      "worker",
      "Serve a 'jackd run --listen' engine from this host: start N workers in this directory (a checkout of "
      "the engine's revision)");
  worker->add_option("--connect", worker_options.connect, "HOST:PORT of the engine's --listen")->required();
  worker->add_option("-n,--numprocesses", worker_options.workers, "Workers to start: auto, logical, N or -N")
      ->capture_default_str();
  worker->add_option("--token-file", worker_options.token_file,
                     "File with the engine's shared token, '-' for stdin (default: $JACKD_AUTH_TOKEN)");
  worker->add_option("--tls-ca", worker_options.tls_ca,
                     "PEM CA that signed the engine's certificate (default: the system's roots)");
  worker->add_option("--tls-cert", worker_options.tls_cert,
                     "PEM client certificate chain (when the engine has --tls-client-ca)");
  worker->add_option("--tls-key", worker_options.tls_key, "PEM private key of --tls-cert");
  worker->add_flag("--insecure", worker_options.insecure,
                   "Plain TCP without TLS (only against an engine started with --insecure)");
  worker->add_option("--python", worker_options.python, "Interpreter that runs pytest (as for 'jackd run')");
  worker
      ->add_option("--join-timeout", worker_options.join_timeout,
                   "Seconds to wait for the engine to accept this host")
      ->capture_default_str();
  app.footer(
      "Run options also come from jackd.toml or pyproject.toml [tool.jackd] (see 'jackd config').\n"
      "Exit codes follow pytest's: 0 passed, 1 tests failed, 2 interrupted or collection errors,\n"
      "3 internal error, 4 usage error, 5 no tests collected; jackd's own: 101 a worker collected\n"
      "different tests, 102 'jackd merge': the shards' reports do not add up to one run.");

  std::vector<std::string> args = GlueOptionValues(argc, argv);
  const std::set<std::string> coverage_given = CoverageOptionsGiven(args);
  auto coverage = TakeCoverageOptions(args);
  if (!coverage.ok()) {
    std::fprintf(stderr, "jackd: error: %s\n", std::string(coverage.status().message()).c_str());
    return EarlyExit{kExitUsageError};
  }
  options.coverage = *std::move(coverage);
  std::reverse(args.begin(), args.end());  // CLI11 takes its vector form in reverse
  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return EarlyExit{app.exit(e)};
  } catch (const CLI::CallForAllHelp& e) {
    return EarlyExit{app.exit(e)};
  } catch (const CLI::ParseError& e) {
    const char* command = durations->parsed() ? "durations"
                          : worker->parsed()  ? "worker"
                          : merge->parsed()   ? "merge"
                          : config->parsed()  ? "config"
                                              : "run";
    std::fprintf(stderr, "jackd: error: %s (see 'jackd %s --help')\n", e.what(), command);
    return EarlyExit{kExitUsageError};
  }
  if (!version && app.count("--python") > 0) {
    std::fputs(
        "jackd: error: --python before the command goes only with --version (write 'jackd run "
        "--python PATH')\n",
        stderr);
    return EarlyExit{kExitUsageError};
  }
  if (durations->parsed()) return durations_options;
  if (merge->parsed()) return merge_options;
  if (worker->parsed()) return worker_options;
  CLI::App* command = config->parsed() ? config : run;
  if (!version && !command->parsed()) {
    std::fputs(app.help().c_str(), stdout);
    return EarlyExit{app.get_subcommands().empty() ? kExitUsageError : 0};
  }

  // The configuration file fills in what the command line did not say.
  std::string origin;
  auto effective = ApplyProjectConfiguration(*command, options, coverage_given, origin);
  if (version) {
    // --version reports what it can: a broken configuration only loses its `python` key.
    if (!effective.ok()) {
      std::fprintf(stderr, "jackd: warning: %s (ignored by --version)\n",
                   std::string(effective.status().message()).c_str());
    }
    return VersionRequest{version_python.empty() && effective.ok() ? options.python : version_python};
  }
  if (!effective.ok()) {
    std::fprintf(stderr, "jackd: error: %s\n", std::string(effective.status().message()).c_str());
    return EarlyExit{kExitUsageError};
  }
  options.pytest_args = command->remaining();
  if (auto unsupported = UnsupportedXdistOption(options.pytest_args)) {
    std::fprintf(stderr, "jackd: error: %s\n", unsupported->c_str());
    return EarlyExit{kExitUsageError};
  }
  if (command == config) {
    return ConfigReport{FormatEffectiveConfig(*effective, origin, options.pytest_args)};
  }
  return options;
}

}  // namespace jackd
