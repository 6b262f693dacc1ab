#include "engine/cli.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <set>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "engine/config_file.h"
#include "engine/exit_code.h"
#include "engine/option_sources.h"
#include "engine/version.h"

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

// Every command with the options it fills in. Built in place: CLI11 binds the options by reference.
struct CommandTable {
  CommandTable();

  // The command the arguments named, for "see 'jackd <command> --help'" after a parse error.
  const char* ParsedName() const {
    return durations->parsed() ? "durations"
           : worker->parsed()  ? "worker"
           : merge->parsed()   ? "merge"
           : config->parsed()  ? "config"
                               : "run";
  }

  CLI::App app{"jackd: a native test-distribution engine for pytest", "jackd"};
  bool version = false;
  std::string version_python;
  RunOptions run_options;
  DurationsOptions durations_options;
  MergeOptions merge_options;
  WorkerOptions worker_options;
  CLI::App* run = nullptr;
  CLI::App* config = nullptr;
  CLI::App* durations = nullptr;
  CLI::App* merge = nullptr;
  CLI::App* worker = nullptr;
};

CommandTable::CommandTable() {
  app.require_subcommand(0, 1);
  app.add_flag("-V,--version", version,
               "Print the versions of jackd, the worker shim, pytest and Python, and exit");
  app.add_option("--python", version_python,
                 "With --version: the interpreter to report on (default: as 'jackd run' finds it)");
  run = app.add_subcommand(
      "run", "Run a pytest suite on parallel workers. Arguments jackd does not know are pytest's.");
  run->allow_extras();
  AddRunOptions(*run, run_options);
  config = app.add_subcommand(
      "config",
      "Print every run option's value and where it comes from (default, jackd.toml or pyproject.toml "
      "[tool.jackd], command line), for the run options given here");
  config->allow_extras();
  AddRunOptions(*config, run_options);
  durations = app.add_subcommand(
      "durations", "List the slowest tests and files that earlier runs recorded, and the expected wall time");
  AddDurationsOptions(*durations, durations_options);
  merge = app.add_subcommand(
      "merge", "Combine the JSON reports (and JUnit files, durations) of the shards of one sharded run");
  AddMergeOptions(*merge, merge_options);
  worker = app.add_subcommand(
      "worker",
      "Serve a 'jackd run --listen' engine from this host: start N workers in this directory (a checkout of "
      "the engine's revision)");
  AddWorkerOptions(*worker, worker_options);
  app.footer(
      "Run options also come from jackd.toml or pyproject.toml [tool.jackd] (see 'jackd config').\n"
      "Exit codes follow pytest's: 0 passed, 1 tests failed, 2 interrupted or collection errors,\n"
      "3 internal error, 4 usage error, 5 no tests collected; jackd's own: 101 a worker collected\n"
      "different tests, 102 'jackd merge': the shards' reports do not add up to one run.");
}

// Lets CLI11 parse `args` (jackd's coverage options already taken out). Help and usage errors end the
// command here.
std::optional<EarlyExit> ParseArguments(CommandTable& table, std::vector<std::string> args) {
  std::reverse(args.begin(), args.end());  // CLI11 takes its vector form in reverse
  try {
    table.app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return EarlyExit{table.app.exit(e)};
  } catch (const CLI::CallForAllHelp& e) {
    return EarlyExit{table.app.exit(e)};
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "jackd: error: %s (see 'jackd %s --help')\n", e.what(), table.ParsedName());
    return EarlyExit{kExitUsageError};
  }
  if (!table.version && table.app.count("--python") > 0) {
    std::fputs(
        "jackd: error: --python before the command goes only with --version (write 'jackd run "
        "--python PATH')\n",
        stderr);
    return EarlyExit{kExitUsageError};
  }
  return std::nullopt;
}

// `jackd run`, `jackd config` or `jackd --version`, once the configuration file has filled in what the
// command line did not say.
Command WithProjectConfiguration(CommandTable& table, CLI::App& command,
                                 const std::set<std::string>& coverage_given) {
  RunOptions& options = table.run_options;
  std::string origin;
  auto effective = ApplyProjectConfiguration(command, options, coverage_given, origin);
  if (table.version) {
    // --version reports what it can: a broken configuration only loses its `python` key.
    if (!effective.ok()) {
      std::fprintf(stderr, "jackd: warning: %s (ignored by --version)\n",
                   std::string(effective.status().message()).c_str());
    }
    return VersionRequest{table.version_python.empty() && effective.ok() ? options.python
                                                                         : table.version_python};
  }
  if (!effective.ok()) {
    std::fprintf(stderr, "jackd: error: %s\n", std::string(effective.status().message()).c_str());
    return EarlyExit{kExitUsageError};
  }
  options.pytest_args = command.remaining();
  if (auto unsupported = UnsupportedXdistOption(options.pytest_args)) {
    std::fprintf(stderr, "jackd: error: %s\n", unsupported->c_str());
    return EarlyExit{kExitUsageError};
  }
  if (&command == table.config) {
    return ConfigReport{FormatEffectiveConfig(*effective, origin, options.pytest_args)};
  }
  return options;
}

}  // namespace

Command ParseCommandLine(int argc, char** argv) {
  CommandTable table;
  std::vector<std::string> args = GlueOptionValues(argc, argv);
  const std::set<std::string> coverage_given = CoverageOptionsGiven(args);
  auto coverage = TakeCoverageOptions(args);
  if (!coverage.ok()) {
    std::fprintf(stderr, "jackd: error: %s\n", std::string(coverage.status().message()).c_str());
    return EarlyExit{kExitUsageError};
  }
  table.run_options.coverage = *std::move(coverage);
  if (auto early = ParseArguments(table, std::move(args))) return *early;
  if (table.durations->parsed()) return table.durations_options;
  if (table.merge->parsed()) return table.merge_options;
  if (table.worker->parsed()) return table.worker_options;
  CLI::App* command = table.config->parsed() ? table.config : table.run;
  if (!table.version && !command->parsed()) {
    std::fputs(table.app.help().c_str(), stdout);
    return EarlyExit{table.app.get_subcommands().empty() ? kExitUsageError : 0};
  }
  return WithProjectConfiguration(table, *command, coverage_given);
}

}  // namespace jackd
