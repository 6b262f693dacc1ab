// Scheduler: decides which tests each worker receives next. Pure: it sees plain values and returns
// decisions; the engine turns them into messages. Deterministic for identical call sequences.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "scheduler/test_item.h"

namespace jackd::scheduler {

// Tests to append to a worker's queue.
struct Batch {
  std::vector<TestIndex> tests;
  // The worker reports its results once its queue is down to this many tests, so the next batch arrives
  // before it runs dry. Always >= 1: a worker cannot run its last queued test before it knows the next
  // one (pytest's nextitem), so a queue of one is already a starving queue.
  std::uint32_t report_at = 1;
};

struct SchedulerOptions {
  // Upper bound on tests per batch. Small enough that a slow test strands little queued work behind it,
  // large enough that trivial tests do not pay a message per test.
  std::uint32_t max_batch = 16;
  // Aim to give each worker at least this many batches of what is queued, so batches shrink as the queue
  // drains and the tail balances.
  std::uint32_t batches_per_worker = 4;
};

class Scheduler {
 public:
  // `units` in dispatch order; each is sent whole to one worker.
  explicit Scheduler(std::vector<Unit> units, SchedulerOptions options = {});

  void AddWorker(WorkerId worker);

  // What to send `worker` now. Empty when its queue is still long enough or nothing is queued.
  // Afterwards the worker holds more than `report_at` tests, or everything that was left.
  Batch NextBatch(WorkerId worker);

  // `worker` finished `test`. Aborts if `test` was not in flight on `worker`: that is an engine bug.
  void TestFinished(WorkerId worker, TestIndex test);

  // `worker` is gone. Returns its unfinished tests in the order it would have run them; the scheduler
  // forgets the worker and does not requeue them: the caller decides (see Requeue).
  std::vector<TestIndex> WorkerLost(WorkerId worker);

  // Puts `tests` back at the front of the queue as one unit, to run next on some worker, in order.
  void Requeue(std::vector<TestIndex> tests);

  // Empties the queue and returns the tests that were never dispatched, in order.
  std::vector<TestIndex> Cancel();

  bool QueueEmpty() const { return queue_.empty(); }
  std::size_t QueuedTests() const { return queued_tests_; }
  std::size_t InFlight(WorkerId worker) const;

 private:
  struct WorkerState {
    std::deque<TestIndex> in_flight;
    std::uint32_t report_at = 1;
  };

  std::uint32_t TargetBatchSize() const;

  SchedulerOptions options_;
  std::deque<Unit> queue_;
  std::size_t queued_tests_ = 0;
  std::map<WorkerId, WorkerState> workers_;
};

}  // namespace jackd::scheduler
