#include "engine/cli.h"

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string_view>

#include "engine/exit_code.h"
#include "engine/version.h"

namespace jackd {
namespace {

// CLI11 reads "-2" as an unknown short option, so `-n -2` would lose its value. Glue such values to
// their option before parsing.
std::vector<std::string> GlueNegativeWorkerCounts(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == "-n" || args[i] == "--numprocesses") && i + 1 < args.size() && args[i + 1].size() > 1 &&
        args[i + 1][0] == '-' && std::isdigit(static_cast<unsigned char>(args[i + 1][1]))) {
      out.push_back("--numprocesses=" + args[i + 1]);
      ++i;
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

}  // namespace

Command ParseCommandLine(int argc, char** argv) {
  CLI::App app{"jackd: a native test-distribution engine for pytest", "jackd"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("-V,--version", version, "Print jackd's version and exit");

  RunOptions options;
  CLI::App* run = app.add_subcommand(
      "run", "Run a pytest suite on parallel workers. Arguments jackd does not know are pytest's.");
  run->allow_extras();
  run->add_option("-n,--numprocesses", options.workers,
                  "Workers: auto (usable CPUs; JACKD_WORKERS or PYTEST_XDIST_AUTO_NUM_WORKERS override it), "
                  "logical, N, or -N for usable CPUs / N")
      ->capture_default_str();
  run->add_option("--python", options.python,
                  "Interpreter that runs pytest (default: the active virtualenv's, else the one jackd was "
                  "installed with, else python3 on PATH)");
  run->add_option("--dist", options.dist,
                  "How tests are grouped onto workers: load (each test anywhere), loadfile (a file's tests "
                  "together), loadscope (a class's, else a module's), loadgroup (same xdist_group together, "
                  "the rest as --dist-fallback), worksteal (even split, idle workers steal), no (one worker)")
      ->check(CLI::IsMember({"load", "loadfile", "loadscope", "loadgroup", "worksteal", "no"}))
      ->capture_default_str();
  run->add_option("--dist-fallback", options.dist_fallback,
                  "How loadgroup places tests without an xdist_group")
      ->check(CLI::IsMember({"load", "loadfile", "loadscope"}))
      ->capture_default_str();
  run->add_option("--maxprocesses", options.max_processes, "Never start more than this many workers");
  run->add_option("--max-worker-restart", options.max_worker_restart,
                  "Replacement workers started after crashes, in total (default: 4 per worker)");
  run->add_option("--serial-mark", options.serial_mark,
                  "Tests with this mark run alone, while no other test runs (empty: none)")
      ->capture_default_str();
  run->add_option("--json-report", options.json_report, "Write a JSON report of every test to this path");
  run->add_option("--log-level", options.log_level, "Engine diagnostics on stderr")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "off"}))
      ->capture_default_str();
  run->add_option("--timeout", options.timeout,
                  "Fail a test as 'timeout' after this many seconds (also @pytest.mark.timeout(s)); the "
                  "engine kills its worker, with every thread's stack in the report. 0: none")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--session-timeout", options.session_timeout,
                  "End the whole run after this many seconds; unfinished tests end as timeout or not run")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--retry-crashed", options.retry_crashed,
                  "Run a test whose worker crashed again, on another worker, up to N times")
      ->check(CLI::NonNegativeNumber);
  run->add_option("--worker-start-timeout", options.worker_start_timeout,
                  "Give up when a worker has not connected after this many seconds (default: 120 plus 5 "
                  "times the collection time)")
      ->check(CLI::NonNegativeNumber);
  DocumentCoverageOptions(*run);
  app.footer(
      "Exit codes follow pytest's: 0 passed, 1 tests failed, 2 interrupted or collection errors,\n"
      "3 internal error, 4 usage error, 5 no tests collected.");

  std::vector<std::string> args = GlueNegativeWorkerCounts(argc, argv);
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
    std::fprintf(stderr, "jackd: error: %s (see 'jackd run --help')\n", e.what());
    return EarlyExit{kExitUsageError};
  }
  if (version) return VersionRequest{};
  if (!run->parsed()) {
    std::fputs(app.help().c_str(), stdout);
    return EarlyExit{app.get_subcommands().empty() ? kExitUsageError : 0};
  }
  options.pytest_args = run->remaining();
  if (auto unsupported = UnsupportedXdistOption(options.pytest_args)) {
    std::fprintf(stderr, "jackd: error: %s\n", unsupported->c_str());
    return EarlyExit{kExitUsageError};
  }
  return options;
}

}  // namespace jackd
