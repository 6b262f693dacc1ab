#include "scheduler/scheduler.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace jackd::scheduler {
namespace {

// Invariant violations are engine bugs: fail loudly rather than lose or duplicate a test.
[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "jackd: internal error: scheduler invariant violated: %s\n", what);
  std::abort();
}

}  // namespace

Scheduler::Scheduler(std::vector<Unit> units, SchedulerOptions options) : options_(options) {
  for (auto& unit : units) {
    if (unit.tests.empty()) continue;
    queued_tests_ += unit.tests.size();
    queue_.push_back(std::move(unit));
  }
}

void Scheduler::AddWorker(WorkerId worker) {
  if (!workers_.emplace(worker, WorkerState{}).second) Violated("worker added twice");
}

std::uint32_t Scheduler::TargetBatchSize() const {
  const std::size_t workers = std::max<std::size_t>(1, workers_.size());
  const std::size_t share = queued_tests_ / (workers * std::max<std::uint32_t>(1, options_.batches_per_worker));
  return static_cast<std::uint32_t>(std::clamp<std::size_t>(share, 1, std::max<std::uint32_t>(1, options_.max_batch)));
}

Batch Scheduler::NextBatch(WorkerId worker) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) Violated("batch requested for an unknown worker");
  WorkerState& state = it->second;
  Batch batch;
  if (queue_.empty() || state.in_flight.size() > state.report_at) return batch;

  const std::uint32_t target = TargetBatchSize();
  // Whole units only: a unit larger than the target still goes in one piece. A worker must end up
  // holding at least two tests (or all that is left): holding one, it could not run it without knowing
  // the next, and would have no result to report that asks for more.
  auto wants_more = [&] {
    return batch.tests.empty() || batch.tests.size() + queue_.front().tests.size() <= target ||
           state.in_flight.size() + batch.tests.size() < 2;
  };
  while (!queue_.empty() && wants_more()) {
    Unit& unit = queue_.front();
    batch.tests.insert(batch.tests.end(), unit.tests.begin(), unit.tests.end());
    queued_tests_ -= unit.tests.size();
    queue_.pop_front();
  }
  batch.report_at = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(batch.tests.size() / 2));
  state.report_at = batch.report_at;
  state.in_flight.insert(state.in_flight.end(), batch.tests.begin(), batch.tests.end());
  return batch;
}

void Scheduler::TestFinished(WorkerId worker, TestIndex test) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) Violated("result from an unknown worker");
  auto& in_flight = it->second.in_flight;
  // Workers run their queue in order, so the finished test is almost always the front one.
  auto pos = std::find(in_flight.begin(), in_flight.end(), test);
  if (pos == in_flight.end()) Violated("result for a test that was not in flight on that worker");
  in_flight.erase(pos);
}

std::vector<TestIndex> Scheduler::WorkerLost(WorkerId worker) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) return {};
  std::vector<TestIndex> unfinished(it->second.in_flight.begin(), it->second.in_flight.end());
  workers_.erase(it);
  return unfinished;
}

void Scheduler::Requeue(std::vector<TestIndex> tests) {
  if (tests.empty()) return;
  queued_tests_ += tests.size();
  queue_.push_front(Unit{std::move(tests)});
}

std::vector<TestIndex> Scheduler::Cancel() {
  std::vector<TestIndex> dropped;
  dropped.reserve(queued_tests_);
  for (const Unit& unit : queue_) dropped.insert(dropped.end(), unit.tests.begin(), unit.tests.end());
  queue_.clear();
  queued_tests_ = 0;
  return dropped;
}

std::size_t Scheduler::InFlight(WorkerId worker) const {
  auto it = workers_.find(worker);
  return it == workers_.end() ? 0 : it->second.in_flight.size();
}

}  // namespace jackd::scheduler
