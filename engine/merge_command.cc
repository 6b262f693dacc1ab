#include "engine/merge_command.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <variant>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/coverage_merge.h"
#include "engine/durations_store.h"
#include "engine/exit_code.h"
#include "engine/junit_merge.h"
#include "engine/outcome.h"
#include "engine/python_interpreter.h"
#include "engine/version.h"

namespace jackd {
namespace {

using nlohmann::json;

int Error(const std::string& message, int exit_code) {
  std::fprintf(stderr, "jackd: error: %s\n", message.c_str());
  return exit_code;
}

struct ShardReport {
  std::string path;
  json report;
  std::uint32_t index = 0;  // 1-based
  std::uint32_t total = 0;
};

// Reads one shard's JSON report; an error message (for exit 4) when it is not one.
std::variant<ShardReport, std::string> ReadShard(const std::string& path) {
  std::ifstream in(path);
  if (!in)
    return absl::StrCat("cannot read ", path, " (give the JSON reports the shards wrote with --json-report)");
  json report = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (report.is_discarded() || !report.is_object() || report.value("schema", "") != "jackd.report") {
    return absl::StrCat(path, " is not a jackd JSON report (see docs/json-report.md)");
  }
  const json& shard = report["shard"];
  if (!report["tests"].is_array())
    return absl::StrCat(path, " is not a jackd JSON report (it has no tests list)");
  if (!shard.is_object() || !shard["index"].is_number_unsigned() || !shard["total"].is_number_unsigned()) {
    if (report["collection_errors"].is_array() && !report["collection_errors"].empty()) {
      return absl::StrCat(path,
                          " is from a run that ended at collection errors, before it was cut into its "
                          "shard (fix the errors, or pass --continue-on-collection-errors)");
    }
    return absl::StrCat(path,
                        " is not a shard's report (it has no 'shard' entry: run each shard with "
                        "'jackd run --shard I/N --json-report PATH')");
  }
  ShardReport out{path, std::move(report), 0, 0};
  out.index = out.report["shard"]["index"].get<std::uint32_t>();
  out.total = out.report["shard"]["total"].get<std::uint32_t>();
  return out;
}

// The checks that the shards are exactly one run; the refusal's message, or nullopt when they are.
std::optional<std::string> Incomplete(const std::vector<ShardReport>& shards) {
  const ShardReport& first = shards.front();
  const json& reference = first.report["shard"];
  for (const ShardReport& s : shards) {
    const json& shard = s.report["shard"];
    if (s.total != first.total) {
      return absl::StrCat("the shards are of different runs: ", first.path, " is one of ", first.total, ", ",
                          s.path, " one of ", s.total, " (merge the reports of one sharded run)");
    }
    if (shard.value("collection_digest", "") != reference.value("collection_digest", "") ||
        shard.value("collected_total", 0) != reference.value("collected_total", 0)) {
      return absl::StrCat("the shards collected different tests: ", first.path, " and ", s.path,
                          " differ in their whole-collection digest (run every shard on the same checkout "
                          "with the same pytest arguments)");
    }
    if (shard.value("mode", "") != reference.value("mode", "")) {
      return absl::StrCat("the shards were cut differently: ", first.path, " by --shard-mode ",
                          reference.value("mode", ""), ", ", s.path, " by ", shard.value("mode", ""));
    }
  }
  std::map<std::uint32_t, std::string> by_index;
  for (const ShardReport& s : shards) {
    auto [it, inserted] = by_index.emplace(s.index, s.path);
    if (!inserted) {
      return absl::StrCat("shard ", s.index, "/", s.total, " is given twice (", it->second, " and ", s.path,
                          "; give each shard's report once)");
    }
  }
  std::vector<std::string> missing;
  for (std::uint32_t i = 1; i <= first.total; ++i) {
    if (!by_index.count(i)) missing.push_back(absl::StrCat(i, "/", first.total));
  }
  if (!missing.empty()) {
    return absl::StrCat("shard", missing.size() == 1 ? " " : "s ", absl::StrJoin(missing, ", "),
                        missing.size() == 1 ? " is" : " are", " missing (give every shard's JSON report; ",
                        shards.size(), " of ", first.total, " given)");
  }
  std::map<std::string, std::uint32_t> shard_of;
  for (const ShardReport& s : shards) {
    for (const json& test : s.report["tests"]) {
      const std::string id = test.value("node_id", "");
      auto [it, inserted] = shard_of.emplace(id, s.index);
      if (!inserted) {
        return absl::StrCat("test ", id, " ran in shards ", it->second, " and ", s.index, " of ", s.total,
                            " (the shards planned from different durations or collections; give them the "
                            "same .jackd store, or use --shard-mode hash)");
      }
    }
  }
  const std::size_t expected = reference.value("collected_total", std::size_t{0});
  if (shard_of.size() != expected) {
    return absl::StrCat(expected - std::min(expected, shard_of.size()), " of the ", expected,
                        " collected tests are in no shard's report (the shards planned from different "
                        "durations; give them the same .jackd store, or use --shard-mode hash)");
  }
  return std::nullopt;
}

std::optional<Outcome> OutcomeNamed(const std::string& name) {
  for (Outcome outcome : kAllOutcomes) {
    if (OutcomeName(outcome) == name) return outcome;
  }
  return std::nullopt;
}

// What one unsharded run would have returned: a run-level failure of any shard (interrupted, internal
// error, ...) wins, the most severe first; else 1 when a test failed; else 5 only if no shard ran a test.
int MergedExitCode(const std::vector<ShardReport>& shards, bool any_failure) {
  int worst_other = 0;
  bool all_empty = true;
  for (const ShardReport& s : shards) {
    const int code = s.report.value("exit_code", 0);
    if (code != kExitOk && code != kExitTestsFailed && code != kExitNoTestsCollected)
      worst_other = std::max(worst_other, code);
    if (code == kExitTestsFailed) any_failure = true;
    if (code != kExitNoTestsCollected) all_empty = false;
  }
  if (worst_other != 0) return worst_other;
  if (any_failure) return kExitTestsFailed;
  return all_empty ? kExitNoTestsCollected : kExitOk;
}

json MergedReport(const std::vector<ShardReport>& shards, const std::vector<std::string>& command_line) {
  const json& first = shards.front().report;
  json summary = json::object();
  for (Outcome outcome : kAllOutcomes) summary[std::string(OutcomeName(outcome))] = 0;
  json tests = json::array();
  json notes = json::array();
  std::vector<std::string> stop_reasons;
  int workers = 0;
  double duration = 0;
  bool any_failure = false;
  for (const ShardReport& s : shards) {
    for (const json& test : s.report["tests"]) {
      const std::string outcome = test.value("outcome", "not_run");
      summary[outcome] = summary.value(outcome, 0) + 1;
      if (auto known = OutcomeNamed(outcome)) any_failure = any_failure || IsFailure(*known);
      tests.push_back(test);
    }
    for (const json& note : s.report.value("notes", json::array())) notes.push_back(note);
    if (const std::string reason = s.report.value("stop_reason", ""); !reason.empty())
      stop_reasons.push_back(absl::StrCat("shard ", s.index, "/", s.total, ": ", reason));
    workers += s.report.value("workers", 0);
    duration = std::max(duration, s.report.value("duration", 0.0));  // the shards ran side by side
  }
  const json& shard = first["shard"];
  json merged = first;
  merged["jackd_version"] = kVersion;
  merged["command_line"] = command_line;
  merged["workers"] = workers;
  merged["exit_code"] = MergedExitCode(shards, any_failure);
  merged["duration"] = duration;
  merged["stop_reason"] = absl::StrJoin(stop_reasons, "; ");
  merged["notes"] = notes;
  // pytest's own deselection (-k, -m), the same in every shard; the shards' share is whole again.
  merged["deselected"] = first.value("deselected", 0) - shard.value("deselected", 0);
  merged["shard"] = nullptr;
  json reports = json::array();
  for (const ShardReport& s : shards) reports.push_back(s.path);
  merged["merged_shards"] = {{"total", shard["total"]},
                             {"mode", shard["mode"]},
                             {"collected_total", shard["collected_total"]},
                             {"collection_digest", shard["collection_digest"]},
                             {"reports", reports}};
  merged["summary"] = summary;
  merged["tests"] = tests;
  return merged;
}

// The merged run's durations, as an unsharded run records them (SamplesOf): every test that reached a
// worker and ended.
std::vector<DurationSample> SamplesOf(const json& report) {
  std::vector<DurationSample> samples;
  for (const json& test : report["tests"]) {
    auto outcome = OutcomeNamed(test.value("outcome", ""));
    if (!outcome || *outcome == Outcome::kNotRun || !test["worker"].is_string()) continue;
    samples.push_back(
        {test.value("node_id", ""), test.value("file", ""), test.value("duration", 0.0), *outcome});
  }
  return samples;
}

}  // namespace

void AddMergeOptions(CLI::App& merge, MergeOptions& options) {
  merge.add_option("-o,--output", options.output, "The merged JSON report")->required();
  merge.add_option("--junitxml,--junit-xml", options.junitxml,
                   "Also write merged JUnit XML here, from the shards' JUnit files given as inputs (*.xml)");
  merge.add_option("--durations-store", options.durations_store,
                   "Record the merged run's durations in this .jackd directory (e.g. the one CI caches), "
                   "as an unsharded run would");
  merge.add_option("--cov-combine", options.cov_combine,
                   "Combine the shards' coverage.py data files given as inputs into this data file "
                   "(coverage combine; 'coverage report' then covers the whole suite)");
  merge.add_option("--python", options.python,
                   "The interpreter whose coverage.py combines (default: as for 'jackd run')");
  merge
      .add_option("reports", options.inputs,
                  "Every shard's JSON report (from --json-report), and with --junitxml its JUnit file "
                  "(*.xml), with --cov-combine its coverage data file (.coverage)")
      ->required();
}

namespace {

// The inputs by kind: JUnit files end in .xml, coverage data files are SQLite, the rest are JSON reports.
struct MergeInputs {
  std::vector<std::string> reports;
  std::vector<std::string> junit;
  std::vector<std::string> coverage;
};

MergeInputs SortInputs(const std::vector<std::string>& given) {
  MergeInputs inputs;
  for (const std::string& input : given) {
    if (input.size() > 4 && input.compare(input.size() - 4, 4, ".xml") == 0) {
      inputs.junit.push_back(input);
    } else if (IsCoverageData(input)) {
      inputs.coverage.push_back(input);
    } else {
      inputs.reports.push_back(input);
    }
  }
  return inputs;
}

// A usage error's exit code (printed) when the inputs do not go with the options.
std::optional<int> RefuseInputs(const MergeOptions& options, const MergeInputs& inputs) {
  if (options.cov_combine.empty() != inputs.coverage.empty()) {
    return Error(
        options.cov_combine.empty()
            ? "coverage data files given but no --cov-combine DATA_FILE to combine them into (see "
              "'jackd merge --help')"
            : "--cov-combine needs the shards' coverage data files among the inputs (their .coverage)",
        kExitUsageError);
  }
  if (inputs.reports.empty())
    return Error("no JSON reports to merge (give every shard's --json-report file)", kExitUsageError);
  if (!options.junitxml.empty() && inputs.junit.empty()) {
    return Error("--junitxml needs the shards' JUnit files among the inputs (*.xml)", kExitUsageError);
  }
  if (options.junitxml.empty() && !inputs.junit.empty()) {
    return Error("JUnit files given but no --junitxml to write them to", kExitUsageError);
  }
  return std::nullopt;
}

// The shards' JSON reports, by shard index, when they make exactly one run; else the exit code (printed).
std::variant<std::vector<ShardReport>, int> ReadShards(const MergeInputs& inputs) {
  std::vector<ShardReport> shards;
  for (const std::string& path : inputs.reports) {
    auto shard = ReadShard(path);
    if (auto* message = std::get_if<std::string>(&shard)) return Error(*message, kExitUsageError);
    shards.push_back(std::get<ShardReport>(std::move(shard)));
  }
  if (auto refusal = Incomplete(shards)) return Error(*refusal, kExitShardsIncomplete);
  if (!inputs.junit.empty() && inputs.junit.size() != shards.size()) {
    return Error(absl::StrCat(inputs.junit.size(), " JUnit files for ", shards.size(),
                              " shards (give each shard's JUnit file once)"),
                 kExitShardsIncomplete);
  }
  std::sort(shards.begin(), shards.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  return shards;
}

// The merged JUnit XML and JSON report. The exit code (printed) of a failure.
std::optional<int> WriteReports(const MergeOptions& options, const MergeInputs& inputs, const json& merged) {
  if (!options.junitxml.empty()) {
    absl::Status status = MergeJunit(inputs.junit, options.junitxml);
    if (!status.ok()) {
      return Error(std::string(status.message()),
                   absl::IsFailedPrecondition(status) ? kExitShardsIncomplete : kExitUsageError);
    }
  }
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(options.output).parent_path(), ignored);
  std::ofstream out(options.output);
  out << merged.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  if (!out) return Error("cannot write the merged JSON report to " + options.output, kExitUsageError);
  return std::nullopt;
}

// --cov-combine and --durations-store. The exit code (printed) of a failure.
std::optional<int> CombineAndRecord(const MergeOptions& options, const MergeInputs& inputs,
                                    std::size_t shards, const json& merged) {
  if (!options.cov_combine.empty()) {
    if (inputs.coverage.size() != shards) {
      return Error(absl::StrCat(inputs.coverage.size(), " coverage data files for ", shards,
                                " shards (give each shard's data file once)"),
                   kExitShardsIncomplete);
    }
    auto python = FindPython(options.python);
    if (!python.ok()) return Error(std::string(python.status().message()), kExitUsageError);
    absl::Status status = CombineCoverageData(*python, inputs.coverage, options.cov_combine);
    if (!status.ok()) return Error(std::string(status.message()), kExitUsageError);
  }
  if (!options.durations_store.empty()) {
    auto store = DurationStore::Open(options.durations_store, /*create=*/true);
    absl::Status status = store.ok() ? store->Record(SamplesOf(merged)) : store.status();
    if (!status.ok()) {
      return Error(
          absl::StrCat("cannot record durations in ", options.durations_store, " (", status.message(), ")"),
          kExitUsageError);
    }
  }
  return std::nullopt;
}

}  // namespace

int MergeCommand(const MergeOptions& options, const std::vector<std::string>& command_line) {
  const MergeInputs inputs = SortInputs(options.inputs);
  if (auto refused = RefuseInputs(options, inputs)) return *refused;
  auto read = ReadShards(inputs);
  if (const int* exit_code = std::get_if<int>(&read)) return *exit_code;
  const std::vector<ShardReport>& shards = std::get<std::vector<ShardReport>>(read);
  const json merged = MergedReport(shards, command_line);
  if (auto failed = WriteReports(options, inputs, merged)) return *failed;
  if (auto failed = CombineAndRecord(options, inputs, shards.size(), merged)) return *failed;
  const auto& summary = merged["summary"];
  std::string counts;
  for (const auto& [name, count] : summary.items()) {
    if (count.get<int>() > 0)
      absl::StrAppend(&counts, counts.empty() ? "" : ", ", count.get<int>(), " ", name);
  }
  std::printf("jackd merge: %zu shards, %zu tests (%s) -> %s\n", shards.size(), merged["tests"].size(),
              counts.empty() ? "none" : counts.c_str(), options.output.c_str());
  return merged["exit_code"].get<int>();
}

}  // namespace jackd
