// --json-report: every test with its outcome, worker and phase durations, plus run metadata. The schema
// is versioned ("schema": "jackd.report", "version": 1) and documented in docs/json-report.md.
#pragma once

#include <string>

#include "engine/reporter.h"

namespace jackd {

inline constexpr int kJsonReportVersion = 1;

class JsonReporter final : public Reporter {
 public:
  explicit JsonReporter(std::string path) : path_(std::move(path)) {}
  void RunFinished(const RunContext& context, const RunResult& result) override;

 private:
  std::string path_;
};

}  // namespace jackd
