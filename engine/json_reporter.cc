#include "engine/json_reporter.h"

#include <sys/utsname.h>
#include <time.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "engine/version.h"

namespace jackd {
namespace {

using nlohmann::json;

// Times in the run are given to the microsecond: finer digits are clock noise and only make the file
// larger (a timeline of 10,000 tests carries 20,000 of them).
constexpr double kTimeResolution = 1e6;

// Seconds since the run started of a CLOCK_MONOTONIC stamp; null for a test that never ran (no stamp).
json RunTime(const RunContext& context, const TestRecord& r, double stamp) {
  if (r.worker.empty() || r.started <= 0) return nullptr;
  return std::round((stamp - context.started_monotonic) * kTimeResolution) / kTimeResolution;
}

// What one run of a test produced: the test's own entry, and each of its earlier attempts.
json AttemptJson(const RunContext& context, const TestRecord& r) {
  json out = {
      {"outcome", std::string(OutcomeName(r.outcome))},
      {"worker", r.worker.empty() ? json(nullptr) : json(r.worker)},
      {"duration", r.Duration()},
      {"setup", r.setup_seconds},
      {"call", r.call_seconds},
      {"teardown", r.teardown_seconds},
      {"start", RunTime(context, r, r.started)},
      {"stop", RunTime(context, r, r.finished)},
  };
  if (!r.reason.empty()) out["reason"] = r.reason;
  if (!r.warnings.empty()) out["warnings"] = r.warnings;
  if (!r.user_properties.empty()) {
    json properties = json::array();
    for (const auto& [name, value] : r.user_properties)
      properties.push_back({{"name", name}, {"value", value}});
    out["user_properties"] = std::move(properties);
  }
  if (!r.subtests.empty()) {
    json subtests = json::array();
    for (const SubtestStatus& s : r.subtests) {
      subtests.push_back(
          {{"title", s.title}, {"outcome", std::string(OutcomeName(s.outcome))}, {"message", s.message}});
    }
    out["subtests"] = std::move(subtests);
  }
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

// "gw10" sorts after "gw9".
bool WorkerBefore(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// The machine the engine runs on (and its local workers): "Linux 6.1.0-18-amd64 x86_64".
std::string SystemName() {
  utsname name{};
  if (uname(&name) != 0) return "";
  return std::string(name.sysname) + " " + name.release + " " + name.machine;
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

std::vector<std::string> WorkersThatRan(const RunResult& result) {
  std::set<std::string> seen;
  for (const TestRecord& r : result.records) {
    if (!r.worker.empty()) seen.insert(r.worker);
    for (const TestRecord& attempt : r.attempts)
      if (!attempt.worker.empty()) seen.insert(attempt.worker);
  }
  std::vector<std::string> workers(seen.begin(), seen.end());
  std::sort(workers.begin(), workers.end(), WorkerBefore);
  return workers;
}

std::string IsoUtc(std::chrono::system_clock::time_point when) {
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(when.time_since_epoch()).count();
  const time_t seconds = static_cast<time_t>(millis / 1000);
  tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  const std::size_t n = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(text + n, sizeof text - n, ".%03dZ", static_cast<int>(millis % 1000));
  return text;
}

json JsonReport(const RunContext& context, const RunResult& result) {
  const Collection& collection = *context.collection;
  json summary = json::object();
  for (Outcome outcome : kAllOutcomes) summary[std::string(OutcomeName(outcome))] = 0;
  json tests = json::array();
  for (TestIndex i = 0; i < result.records.size(); ++i) {
    const TestRecord& r = result.records[i];
    const std::string outcome(OutcomeName(r.outcome));
    summary[outcome] = summary[outcome].get<int>() + 1;
    json test = {{"node_id", collection.items[i].node_id}, {"file", collection.items[i].file}};
    test.update(AttemptJson(context, r));
    if (!r.attempts.empty()) {
      json attempts = json::array();
      for (const TestRecord& attempt : r.attempts) attempts.push_back(AttemptJson(context, attempt));
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
  json skips = json::array();
  for (const CollectSkip& s : collection.skips)
    skips.push_back({{"node_id", s.node_id}, {"reason", s.reason}, {"location", s.location}});
  return {
      {"schema", "jackd.report"},
      {"version", kJsonReportVersion},
      {"jackd_version", kVersion},
      {"pytest_version", collection.settings.pytest_version},
      {"python_version", collection.settings.python_version},
      {"pluggy_version", collection.settings.pluggy_version},
      {"platform", collection.settings.platform},
      {"system", SystemName()},
      {"command_line", context.command_line},
      {"rootdir", collection.settings.rootdir},
      {"started_at", IsoUtc(context.started_at)},
      {"workers", context.workers},
      {"worker_ids", WorkersThatRan(result)},
      {"dist", context.dist},
      {"exit_code", result.exit_code},
      {"duration", result.seconds},
      {"stop_reason", result.stop_reason},
      {"notes", result.notes},
      {"deselected", collection.deselected},
      {"collection_errors", errors},
      {"collection_skips", skips},
      {"collection_warnings", warnings},
      {"shard", ShardJson(collection.shard)},
      {"summary", summary},
      {"tests", tests},
  };
}

void JsonReporter::RunFinished(const RunContext& context, const RunResult& result) {
  const json report = JsonReport(context, result);
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ignored);
  std::ofstream out(path_);
  out << report.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  if (!out) std::fprintf(stderr, "jackd: error: cannot write the JSON report to %s\n", path_.c_str());
}

}  // namespace jackd
