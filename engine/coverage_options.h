// jackd's coverage options (`--cov`, `--cov-report`, ...), spelled and parsed as pytest-cov's, so a
// command line written for `pytest --cov` works unchanged with `jackd run`. jackd consumes them itself:
// they never reach pytest, which without pytest-cov would reject them.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace CLI {
class App;
}

namespace jackd {

struct CoverageOptions {
  std::vector<std::string> sources;  // --cov values in order; "" for a bare --cov (no source filter)
  std::vector<std::string> reports;  // --cov-report values: "term", "xml:PATH"; "" for no report
  std::string config;                // --cov-config; empty: coverage.py finds its configuration
  bool branch = false;               // --cov-branch
  std::optional<double> fail_under;  // --cov-fail-under
  bool no_cov = false;               // --no-cov: measure nothing, even when pytest's addopts say --cov
  bool keep_worker_data = false;     // --cov-keep-worker-data
};

// Removes jackd's coverage options from `args` (everything after `jackd run`, up to a `--`) and returns
// them. argparse's rules, as pytest-cov's: `--cov` takes the next argument as its source unless that
// starts with '-'; the others take `--opt VALUE` or `--opt=VALUE`. A bad value is a usage error.
absl::StatusOr<CoverageOptions> TakeCoverageOptions(std::vector<std::string>& args);

// Lists the coverage options in `jackd run --help` (TakeCoverageOptions has removed them before CLI11
// parses, because CLI11 cannot parse an option whose value is optional the way argparse does). CLI11's
// default string of each shows its value in `values` (for `jackd config`).
void DocumentCoverageOptions(CLI::App& run, const CoverageOptions& values);

// The coverage options' names: "--cov", "--cov-report", ...
const std::set<std::string>& CoverageOptionNames();

// The coverage options among `args` (up to a `--`), by name ("--cov"): which ones the command line gave.
std::set<std::string> CoverageOptionsGiven(const std::vector<std::string>& args);

// `from`'s options that are set, written over `into`'s (the command line's over the configuration's).
void OverlayCoverageOptions(const CoverageOptions& from, CoverageOptions& into);

}  // namespace jackd
