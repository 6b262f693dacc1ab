#include "engine/coverage_options.h"

#include <CLI/CLI.hpp>
#include <charconv>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace jackd {
namespace {

// pytest-cov's report kinds; the terminal ones take ":skip-covered", the file ones ":DEST".
constexpr std::string_view kTerminalKinds[] = {"term", "term-missing"};
constexpr std::string_view kFileKinds[] = {"annotate",        "html", "xml", "json", "markdown",
                                           "markdown-append", "lcov"};

bool Contains(const auto& list, std::string_view value) {
  return std::find(std::begin(list), std::end(list), value) != std::end(list);
}

absl::Status CheckReport(const std::string& value) {
  if (value.empty()) return absl::OkStatus();  // `--cov-report=`: no report
  const std::size_t colon = value.find(':');
  const std::string_view kind = std::string_view(value).substr(0, colon);
  const bool terminal = Contains(kTerminalKinds, kind);
  if (!terminal && !Contains(kFileKinds, kind)) {
    std::vector<std::string> all(std::begin(kTerminalKinds), std::end(kTerminalKinds));
    all.insert(all.end(), std::begin(kFileKinds), std::end(kFileKinds));
    return absl::InvalidArgumentError(absl::StrCat("--cov-report: invalid choice '", value, "' (choose from ",
                                                   absl::StrJoin(all, ", "), ")"));
  }
  if (terminal && colon != std::string::npos && value.substr(colon + 1) != "skip-covered") {
    return absl::InvalidArgumentError(
        absl::StrCat("--cov-report: '", value, "' (term and term-missing take only ':skip-covered')"));
  }
  return absl::OkStatus();
}

absl::StatusOr<double> ParsePercent(const std::string& text) {
  double value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (error != std::errc() || ptr != end || value < 0 || value > 100) {
    return absl::InvalidArgumentError(
        absl::StrCat("--cov-fail-under: '", text, "' is not a percentage (give a number from 0 to 100)"));
  }
  return value;
}

}  // namespace

absl::StatusOr<CoverageOptions> TakeCoverageOptions(std::vector<std::string>& args) {
  CoverageOptions options;
  std::vector<std::string> rest;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--") {
      rest.insert(rest.end(), args.begin() + static_cast<std::ptrdiff_t>(i), args.end());
      break;
    }
    const std::size_t equals = arg.find('=');
    const std::string name = arg.substr(0, equals);
    const bool glued = equals != std::string::npos;
    const bool next_is_value = i + 1 < args.size() && !args[i + 1].starts_with("-");
    // The value of an option that needs one: glued with '=' or the next argument.
    auto value = [&]() -> absl::StatusOr<std::string> {
      if (glued) return arg.substr(equals + 1);
      if (i + 1 >= args.size())
        return absl::InvalidArgumentError(absl::StrCat(name, " needs a value (see 'jackd run --help')"));
      return args[++i];
    };
    auto flag = [&](bool& target) -> absl::Status {
      if (glued)
        return absl::InvalidArgumentError(absl::StrCat(name, " takes no value (see 'jackd run --help')"));
      target = true;
      return absl::OkStatus();
    };
    absl::Status status;
    if (name == "--cov") {
      options.sources.push_back(glued ? arg.substr(equals + 1) : next_is_value ? args[++i] : "");
    } else if (name == "--cov-report") {
      auto report = value();
      if (report.ok()) status = CheckReport(*report);
      if (!report.ok()) status = report.status();
      if (status.ok()) options.reports.push_back(*report);
    } else if (name == "--cov-config") {
      auto config = value();
      if (config.ok()) options.config = *config;
      status = config.status();
    } else if (name == "--cov-fail-under") {
      auto text = value();
      auto percent = text.ok() ? ParsePercent(*text) : absl::StatusOr<double>(text.status());
      if (percent.ok()) options.fail_under = *percent;
      status = percent.status();
    } else if (name == "--cov-branch") {
      status = flag(options.branch);
    } else if (name == "--no-cov") {
      status = flag(options.no_cov);
    } else if (name == "--cov-keep-worker-data") {
      status = flag(options.keep_worker_data);
    } else {
      rest.push_back(arg);
    }
    if (!status.ok()) return status;
  }
  args = std::move(rest);
  return options;
}

const std::set<std::string>& CoverageOptionNames() {
  static const std::set<std::string> kNames = {
      "--cov",    "--cov-report",          "--cov-config", "--cov-branch", "--cov-fail-under",
      "--no-cov", "--cov-keep-worker-data"};
  return kNames;
}

std::set<std::string> CoverageOptionsGiven(const std::vector<std::string>& args) {
  std::set<std::string> given;
  for (const std::string& arg : args) {
    if (arg == "--") break;
    const std::string name = arg.substr(0, arg.find('='));
    if (CoverageOptionNames().contains(name)) given.insert(name);
  }
  return given;
}

void OverlayCoverageOptions(const CoverageOptions& from, CoverageOptions& into) {
  if (!from.sources.empty()) into.sources = from.sources;
  if (!from.reports.empty()) into.reports = from.reports;
  if (!from.config.empty()) into.config = from.config;
  if (from.fail_under) into.fail_under = from.fail_under;
  into.branch = into.branch || from.branch;
  into.no_cov = into.no_cov || from.no_cov;
  into.keep_worker_data = into.keep_worker_data || from.keep_worker_data;
}

void DocumentCoverageOptions(CLI::App& run, const CoverageOptions& values) {
  // Bound to nothing: TakeCoverageOptions has taken these arguments out before CLI11 parses. The
  // bindings' types still tell the configuration layer (option_sources.h) what each option takes, and
  // each default function shows the value TakeCoverageOptions found, for `jackd config`.
  static std::vector<std::string> unused_list;
  static std::string unused;
  static double unused_number = 0;
  static bool unused_flag = false;
  auto* group = "Coverage";
  auto flag = [](const bool& value) { return [&value] { return std::string(value ? "true" : "false"); }; };
  run.add_option("--cov", unused_list,
                 "Measure coverage of SOURCE (a path or package; repeatable), as pytest-cov's --cov: "
                 "every worker measures, jackd combines. A bare --cov measures everything the coverage "
                 "configuration allows")
      ->group(group)
      ->type_name("[SOURCE]")
      ->default_function([&values] {
        std::vector<std::string> shown;
        for (const std::string& source : values.sources) shown.push_back(source.empty() ? "(all)" : source);
        return absl::StrJoin(shown, ", ");
      });
  run.add_option("--cov-report", unused_list,
                 "term (default), term-missing (either with :skip-covered), xml[:PATH], html[:DIR], "
                 "json[:PATH], lcov[:PATH], annotate[:DIR], markdown[:PATH], markdown-append[:PATH]; "
                 "repeatable. --cov-report= writes none")
      ->group(group)
      ->type_name("TYPE")
      ->default_function([&values] {
        std::vector<std::string> shown;
        for (const std::string& report : values.reports) shown.push_back(report.empty() ? "(none)" : report);
        return absl::StrJoin(shown, ", ");
      });
  run.add_option("--cov-config", unused,
                 "coverage.py's configuration file (default: .coveragerc, setup.cfg, tox.ini or "
                 "pyproject.toml, as coverage.py finds it)")
      ->group(group)
      ->type_name("PATH")
      ->default_function([&values] { return values.config; });
  run.add_flag("--cov-branch", unused_flag, "Measure branch coverage too")
      ->group(group)
      ->default_function(flag(values.branch));
  run.add_option("--cov-fail-under", unused_number,
                 "Fail the run when the total coverage is below this percentage")
      ->group(group)
      ->default_function(
          [&values] { return values.fail_under ? absl::StrCat(*values.fail_under) : std::string(); });
  run.add_flag("--no-cov", unused_flag, "Measure no coverage, even when pytest's addopts ask for it")
      ->group(group)
      ->default_function(flag(values.no_cov));
  run.add_flag("--cov-keep-worker-data", unused_flag,
               "Keep each worker's data file (<data_file>.jackd-*) beside the combined one")
      ->group(group)
      ->default_function(flag(values.keep_worker_data));
}

}  // namespace jackd
