// The configuration layer between the configuration file (engine/config_file.h) and CLI11: it applies
// the file's values to the `jackd run` options the command line did not give, and says where each
// option's value came from (`jackd config`).
//
// The options are CLI11's own: every option of the `run` subcommand (engine/cli.cc, AddRunOptions) is a
// configuration key, named after its long option with '-' spelt '_' (`--max-worker-restart` is
// `max_worker_restart`); the one exception is `-n/--numprocesses`, whose key is `workers`. So a new
// option is a configuration key, in `jackd config` and in `--help` as soon as it is added, and the three
// cannot drift apart. A configuration value is parsed as its command-line text (`timeout = 5` as
// `--timeout=5`) by the option's own CLI11 validator, after a type check against what the option takes.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/config_file.h"

namespace CLI {
class App;
}

namespace jackd {

struct EffectiveOption {
  std::string key;     // the configuration key: `max_worker_restart`
  std::string value;   // as `jackd config` shows it
  std::string source;  // "default", "pyproject.toml:12", "jackd.toml:3" or "command line"
  std::string group;   // the --help group
};

struct ConfigTarget {
  // The subcommand whose options the command line has been parsed into (`run` or `config`).
  CLI::App* parsed = nullptr;
  // Adds the same options, bound to the same variables, to a fresh app: configuration values are parsed
  // by a throwaway app so that the command line's own parse stays untouched.
  std::function<void(CLI::App&)> bind;
  // Options that CLI11 does not parse (the coverage options, taken out before it parses: see
  // coverage_options.h), by long name ("--cov"); which of them the command line gave; and how to apply
  // configuration arguments ("--cov=src") to them.
  std::set<std::string> external;
  std::set<std::string> external_given;
  std::function<absl::Status(const std::vector<std::string>& args)> apply_external;
};

// The configuration key of a CLI11 long option name ("numprocesses" -> "workers").
std::string ConfigKey(const std::string& long_name);

// Applies `file` (may be null: no configuration) to the options the command line did not give, and
// returns every option with its value and source, in --help order. Errors are one line naming the file
// and line: "pyproject.toml:3: unknown key 'workerz' in [tool.jackd] (did you mean 'workers'?)".
absl::StatusOr<std::vector<EffectiveOption>> ApplyConfigFile(const ConfigTarget& target,
                                                             const ConfigFile* file);

// `jackd config`'s report: where the configuration came from, then each group's options aligned in
// columns (key, value, source), then pytest's arguments.
std::string FormatEffectiveConfig(const std::vector<EffectiveOption>& options, const std::string& origin,
                                  const std::vector<std::string>& pytest_args);

}  // namespace jackd
