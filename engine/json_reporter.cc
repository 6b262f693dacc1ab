#include "engine/json_reporter.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/version.h"

namespace jackd {
namespace {

using nlohmann::json;

// What one run of a test produced: the test's own entry, and each of its earlier attempts.
json AttemptJson(const TestRecord& r) {
  json out = {
      {"outcome", std::string(scheduler::OutcomeName(r.outcome))},
      {"worker", r.worker.empty() ? json(nullptr) : json(r.worker)},
      {"duration", r.Duration()},
      {"setup", r.setup_seconds},
      {"call", r.call_seconds},
      {"teardown", r.teardown_seconds},
  };
  if (!r.reason.empty()) out["reason"] = r.reason;
  if (!r.warnings.empty()) out["warnings"] = r.warnings;
  if (!r.reports.empty()) {
    json reports = json::array();
    for (const PhaseReport& p : r.reports) {
      json sections = json::array();
      for (const auto& [title, content] : p.sections)
        sections.push_back({{"title", title}, {"content", content}});
      reports.push_back({{"when", PhaseName(p.when)},
                         {"longrepr", p.longrepr},
                         {"message", p.summary},
                         {"sections", sections}});
    }
    out["reports"] = reports;
  }
  return out;
}

// What `jackd merge` needs to tell that the shards add up to one run; null when the run was not sharded.
json ShardJson(const std::optional<ShardInfo>& shard) {
  if (!shard) return nullptr;
  return {{"index", shard->index},
          {"total", shard->total},
          {"mode", shard->mode},
          {"collected_total", shard->collected_total},
          {"deselected", shard->deselected},
          {"collection_digest", shard->collection_digest}};
}

}  // namespace

void JsonReporter::RunFinished(const RunContext& context, const RunResult& result) {
  const Collection& collection = *context.collection;
  json summary = json::object();
  for (scheduler::Outcome outcome : scheduler::kAllOutcomes)
    summary[std::string(scheduler::OutcomeName(outcome))] = 0;
  json tests = json::array();
  for (TestIndex i = 0; i < result.records.size(); ++i) {
    const TestRecord& r = result.records[i];
    const std::string outcome(scheduler::OutcomeName(r.outcome));
    summary[outcome] = summary[outcome].get<int>() + 1;
    json test = {{"node_id", collection.items[i].node_id}, {"file", collection.items[i].file}};
    test.update(AttemptJson(r));
    if (!r.attempts.empty()) {
      json attempts = json::array();
      for (const TestRecord& attempt : r.attempts) attempts.push_back(AttemptJson(attempt));
      test["attempts"] = attempts;
    }
    tests.push_back(std::move(test));
  }
  json warnings = json::array();
  for (const auto& w : collection.warnings)
    warnings.push_back({{"message", w.message}, {"location", w.location}});
  json errors = json::array();
  for (const CollectError& e : collection.errors)
    errors.push_back({{"node_id", e.node_id}, {"longrepr", e.longrepr}});
  json report = {
      {"schema", "jackd.report"},
      {"version", kJsonReportVersion},
      {"jackd_version", kVersion},
      {"pytest_version", collection.settings.pytest_version},
      {"python_version", collection.settings.python_version},
      {"command_line", context.command_line},
      {"rootdir", collection.settings.rootdir},
      {"workers", context.workers},
      {"dist", context.dist},
      {"exit_code", result.exit_code},
      {"duration", result.seconds},
      {"stop_reason", result.stop_reason},
      {"notes", result.notes},
      {"deselected", collection.deselected},
      {"collection_errors", errors},
      {"collection_warnings", warnings},
      {"shard", ShardJson(collection.shard)},
      {"summary", summary},
      {"tests", tests},
  };
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ignored);
  std::ofstream out(path_);
  out << report.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  if (!out) std::fprintf(stderr, "jackd: error: cannot write the JSON report to %s\n", path_.c_str());
}

}  // namespace jackd
