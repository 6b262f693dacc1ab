// What users see is produced by reporters; the run loop only emits events. Each reporter is one format.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/run_model.h"

namespace jackd {

class Reporter {
 public:
  virtual ~Reporter() = default;
  virtual void RunStarted(const RunContext&) {}
  virtual void TestFinished(const RunContext&, TestIndex, const TestRecord&) {}
  // One attempt of a test that runs again (a rerun, or a --detect-flaky repeat); TestFinished follows
  // once, with the attempt that decides.
  virtual void AttemptFinished(const RunContext&, TestIndex, const TestRecord&) {}
  virtual void RunFinished(const RunContext&, const RunResult&) {}
  // Every RunPlan::tick_period while tests run: what each live worker is doing.
  virtual void Tick(const RunContext&, const std::vector<WorkerActivity>&) {}
  // Whole lines a worker wrote to its stdout or stderr while output is live (PytestSettings::LiveOutput),
  // in the order they were read (-s shows both streams as one, as a terminal would).
  virtual void WorkerOutput(const RunContext&, const std::string& /*worker*/, std::string_view /*lines*/) {}
  // Text for the user now, outside the test results (the status dump asked for with SIGUSR1).
  virtual void Notice(const RunContext&, std::string_view) {}
};

// Fans every event out to several reporters, in order.
class ReporterList final : public Reporter {
 public:
  void Add(std::unique_ptr<Reporter> reporter) {
    reporters_.push_back(reporter.get());
    owned_.push_back(std::move(reporter));
  }
  // A reporter owned elsewhere, which must outlive this list.
  void Add(Reporter& reporter) { reporters_.push_back(&reporter); }
  bool empty() const { return reporters_.empty(); }
  void RunStarted(const RunContext& context) override {
    for (auto& r : reporters_) r->RunStarted(context);
  }
  void TestFinished(const RunContext& context, TestIndex index, const TestRecord& record) override {
    for (auto& r : reporters_) r->TestFinished(context, index, record);
  }
  void AttemptFinished(const RunContext& context, TestIndex index, const TestRecord& attempt) override {
    for (auto& r : reporters_) r->AttemptFinished(context, index, attempt);
  }
  void RunFinished(const RunContext& context, const RunResult& result) override {
    for (auto& r : reporters_) r->RunFinished(context, result);
  }
  void Tick(const RunContext& context, const std::vector<WorkerActivity>& activity) override {
    for (auto& r : reporters_) r->Tick(context, activity);
  }
  void WorkerOutput(const RunContext& context, const std::string& worker, std::string_view lines) override {
    for (auto& r : reporters_) r->WorkerOutput(context, worker, lines);
  }
  void Notice(const RunContext& context, std::string_view text) override {
    for (auto& r : reporters_) r->Notice(context, text);
  }

 private:
  std::vector<Reporter*> reporters_;
  std::vector<std::unique_ptr<Reporter>> owned_;
};

}  // namespace jackd
