// Coverage for `jackd run`: which settings apply, what every worker is told, and the one combine step.
//
// Each worker measures into a data file of its own (jackd_shim.coverage_worker, started from the
// JACKD_COVERAGE variable before pytest is imported, saved before every results flush). When every worker
// has exited, the engine runs `python -m jackd_shim coverage` once: coverage.py's own combine puts the
// workers' data into the configured data_file (`.coverage`) and writes the reports; the terminal part comes
// back as a CoverageSummary for the terminal reporter.
#pragma once

#include <asio/io_context.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/coverage_options.h"
#include "engine/process.h"
#include "engine/run_model.h"

namespace jackd {

// The environment variable that carries the settings to workers (jackd_shim.coverage_settings).
inline constexpr const char* kCoverageEnvironment = "JACKD_COVERAGE";

// jackd's options merged with pytest-cov's parsed ones (addopts), as if all had been given to jackd.
struct CoverageSettings {
  std::optional<std::vector<std::string>> sources;  // empty optional: no source filter (a bare --cov)
  std::vector<std::string> reports;                 // pytest-cov's first, then jackd's; none: `term`
  std::string config;                               // empty: coverage.py looks for its configuration
  bool branch = false;
  std::optional<double> fail_under;  // empty: the configuration's [report] fail_under
  bool keep_worker_data = false;
  bool pytest_cov_installed = false;
};

// Empty when nothing asks for coverage (no --cov here nor in pytest's options) or --no-cov says so.
std::optional<CoverageSettings> ResolveCoverage(const CoverageOptions& jackd,
                                                const std::optional<PytestCovOptions>& pytest_cov);

// The JSON object jackd_shim.coverage_settings reads. Worker data files go to `worker_directory`, or
// beside the configured data file when it is empty (--cov-keep-worker-data, so `coverage combine` finds
// them); `tag` names this run's files.
std::string CoverageSettingsJson(const CoverageSettings& settings, const std::string& worker_directory,
                                 const std::string& tag);

// Combines the workers' data and writes the reports (the shim's `coverage` mode, run in the current
// directory). Fills result.coverage, adds coverage.py's warnings and the pytest-cov note to
// result.notes; a failure becomes a result error (exit 3 unless tests failed already). Below the
// minimum coverage, a run that would exit 0 exits 1. The combine process gets `shim_environment`
// ("NAME=value") over the engine's own environment, as every shim of the run does.
void CombineCoverage(asio::io_context& io, ChildReaper& reaper, const std::string& python,
                     const std::vector<std::string>& shim_environment, const std::string& settings_json,
                     const std::string& run_directory, const CoverageSettings& settings, RunResult& result);

}  // namespace jackd
