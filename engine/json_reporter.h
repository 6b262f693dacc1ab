// --json-report: every test with its outcome, worker, phase durations and place in the run's time, plus
// run metadata. The schema is versioned ("schema": "jackd.report", "version": 1), documented in
// docs/json-report.md and described exactly by docs/json-report.schema.json.
#pragma once

#include <chrono>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "engine/reporter.h"

namespace jackd {

inline constexpr int kJsonReportVersion = 1;

// The whole report as one JSON value; the HTML report embeds the same value.
nlohmann::json JsonReport(const RunContext& context, const RunResult& result);

// The workers that ran at least one test (or attempt), in worker order: gw2 before gw10.
std::vector<std::string> WorkersThatRan(const RunResult& result);

// `when` as ISO 8601 in UTC with milliseconds: "2026-11-27T14:19:28.123Z".
std::string IsoUtc(std::chrono::system_clock::time_point when);

class JsonReporter final : public Reporter {
 public:
  explicit JsonReporter(std::string path) : path_(std::move(path)) {}
  void RunFinished(const RunContext& context, const RunResult& result) override;

 private:
  std::string path_;
};

}  // namespace jackd
