#include "engine/coverage.h"

#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "engine/exit_code.h"
#include "engine/file_contents.h"
#include "engine/python_interpreter.h"

namespace jackd {
namespace {

// pytest-cov's default --cov-config; coverage.py reads it as "look for the usual files".
constexpr const char* kPytestCovDefaultConfig = ".coveragerc";

// The last non-empty line of a process's stderr: a Python exception's message, usually.
std::string LastLine(const std::string& text) {
  std::string last;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_not_of(" \t\r") != std::string::npos) last = line;
  }
  return last;
}

void Fail(RunResult& result, const std::string& message) {
  result.errors.push_back({absl::StrCat("coverage: ", message), ""});
  if (result.exit_code == kExitOk) result.exit_code = kExitInternalError;
}

}  // namespace

std::optional<CoverageSettings> ResolveCoverage(const CoverageOptions& jackd,
                                                const std::optional<PytestCovOptions>& pytest_cov) {
  const PytestCovOptions pytest = pytest_cov.value_or(PytestCovOptions{});
  if (jackd.no_cov || pytest.no_cov) return std::nullopt;
  // As argparse appends: pytest's options (addopts come first there) before jackd's command line.
  std::vector<std::string> sources = pytest.sources;
  sources.insert(sources.end(), jackd.sources.begin(), jackd.sources.end());
  if (sources.empty()) return std::nullopt;

  CoverageSettings settings;
  // A bare --cov anywhere means no source filter, as in pytest-cov.
  if (std::find(sources.begin(), sources.end(), "") == sources.end()) settings.sources = sources;
  settings.reports = pytest.reports;
  settings.reports.insert(settings.reports.end(), jackd.reports.begin(), jackd.reports.end());
  settings.config = !jackd.config.empty() ? jackd.config : pytest.config;
  if (settings.config == kPytestCovDefaultConfig) settings.config.clear();
  settings.branch = jackd.branch || pytest.branch;
  settings.fail_under = jackd.fail_under ? jackd.fail_under : pytest.fail_under;
  settings.keep_worker_data = jackd.keep_worker_data;
  settings.pytest_cov_installed = pytest_cov.has_value();
  return settings;
}

std::string CoverageSettingsJson(const CoverageSettings& settings, const std::string& worker_directory,
                                 const std::string& tag) {
  nlohmann::json json;
  json["source"] = settings.sources ? nlohmann::json(*settings.sources) : nlohmann::json(nullptr);
  // null, not false: without --cov-branch the configuration's [run] branch decides.
  json["branch"] = settings.branch ? nlohmann::json(true) : nlohmann::json(nullptr);
  json["config_file"] = settings.config.empty() ? nlohmann::json(true) : nlohmann::json(settings.config);
  json["data_dir"] = worker_directory;
  json["tag"] = tag;
  json["reports"] = settings.reports;
  json["fail_under"] = settings.fail_under ? nlohmann::json(*settings.fail_under) : nlohmann::json(nullptr);
  json["keep_worker_data"] = settings.keep_worker_data;
  return json.dump();
}

void CombineCoverage(asio::io_context& io, ChildReaper& reaper, const std::string& python,
                     const std::vector<std::string>& shim_environment, const std::string& settings_json,
                     const std::string& run_directory, const CoverageSettings& settings, RunResult& result) {
  if (settings.pytest_cov_installed) {
    result.notes.push_back(
        "pytest-cov is disabled inside jackd's processes; jackd measured coverage in every worker and "
        "combined it");
  }
  const std::string settings_path = run_directory + "/coverage-settings.json";
  const std::string result_path = run_directory + "/coverage-result.json";
  const std::string stderr_path = run_directory + "/coverage.stderr";
  {
    std::ofstream out(settings_path, std::ios::binary);
    out << settings_json;
    if (!out) return Fail(result, "cannot write " + settings_path);
  }
  const pid_t pid =
      Spawn(SpawnRequest{ShimCommand(python, "coverage", {settings_path, result_path}),
                         EnvironmentWith(shim_environment), run_directory + "/coverage.stdout", stderr_path});
  if (pid < 0) return Fail(result, "cannot start the combine process");
  bool done = false;
  ExitStatus status;
  reaper.Watch(pid, [&](ExitStatus s) {
    status = s;
    done = true;
  });
  io.restart();  // the run loop stopped it
  while (!done && io.run_one() > 0) {
  }
  io.restart();

  const std::string stderr_text = ReadFile(stderr_path);
  if (status.exit_code == kBootstrapMissingModules)
    return Fail(result, MissingModulesMessage(python, stderr_text));
  const std::string text = ReadFile(result_path);
  if (!status.Success() || text.empty()) {
    return Fail(result, absl::StrCat("combining the workers' data failed (", status.Describe(),
                                     "): ", LastLine(stderr_text)));
  }
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object())
    return Fail(result, "the combine step wrote no readable result");
  for (const auto& warning : json.value("warnings", nlohmann::json::array())) {
    if (warning.is_string()) result.notes.push_back(absl::StrCat("coverage: ", warning.get<std::string>()));
  }
  const std::string error = json.value("error", "");
  if (!error.empty()) {
    return Fail(result, absl::StrCat(error,
                                     " (check --cov's sources and the coverage configuration; "
                                     "no coverage report was written)"));
  }
  CoverageSummary summary;
  summary.title = json.value("title", "");
  summary.report = json.value("report", "");
  summary.verdict = json.value("verdict", "");
  summary.below_minimum = json.value("below_minimum", false);
  if (summary.below_minimum && result.exit_code == kExitOk) result.exit_code = kExitTestsFailed;
  result.coverage = std::move(summary);
}

}  // namespace jackd
