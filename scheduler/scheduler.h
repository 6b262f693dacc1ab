// Scheduler: decides which tests each worker receives next. Pure: it sees plain values and returns
// decisions; the engine turns them into messages. Deterministic for identical call sequences.
//
// Three kinds of constraint, kept apart:
//  - affinity: a Unit goes whole to one worker, in order (files, scopes, xdist groups);
//  - exclusion: `run_alone` tests run after the parallel work, one worker running and the rest gone;
//  - concurrency limits: at most `max_running` workers hold tests of a pool at any time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "scheduler/test_item.h"
#include "scheduler/work_plan.h"

namespace jackd::scheduler {

// What a worker gets now.
struct Assignment {
  std::vector<TestIndex> tests;  // append to the worker's queue, in order
  // The worker reports its results once its queue is down to this many tests, so the next assignment
  // arrives before it runs dry. Always >= 1: a worker cannot run its last queued test before it knows
  // the next one (pytest's nextitem), so a queue of one is already a starving queue.
  std::uint32_t report_at = 1;
  // Nothing more will come: run the queue out (the last test with nextitem=None) and leave.
  bool finish = false;
};

struct SchedulerOptions {
  // Upper bound on tests per assignment. Small enough that a slow test strands little queued work
  // behind it, large enough that trivial tests do not pay a message per test.
  std::uint32_t max_batch = 16;
  // The bound when earlier runs' durations are known: assignments are then also capped by expected
  // seconds (a share of what is queued), which keeps a slow test from stranding work, so trivial tests
  // may come in larger batches and pay fewer messages.
  std::uint32_t max_batch_timed = 64;
  // Aim to give each worker at least this many assignments of what is queued, so assignments shrink as
  // the queue drains and the tail balances.
  std::uint32_t batches_per_worker = 4;
  // How many workers the run starts (0: count only those added). Batches are sized for the whole pool
  // from the first assignment on: sized by the workers ready so far, the first one to be ready would
  // take a quarter of the run in its first batch while the others still start.
  std::uint32_t planned_workers = 0;
  // Keep one worker on standby: the first worker that could be told to finish while others still hold
  // tests is not told so until they hold none. Workers that may vanish without a trace (remote hosts)
  // need it: a vanished worker's tests go back to the queue, and someone must still be there to take
  // them. It costs at most one test's delay at the end (the standby holds its last test until the
  // others are done); the others finish as usual, so the standby never waits for a waiting worker.
  bool keep_standby = false;
};

class Scheduler {
 public:
  explicit Scheduler(WorkPlan plan, SchedulerOptions options = {});

  void AddWorker(WorkerId worker);

  // What to send `worker` now. Afterwards the worker holds more than `report_at` tests, or all it will
  // get for now (a limit or the run-alone phase may hold it back: see Starving), or `finish` is set.
  Assignment Next(WorkerId worker);

  // Workers that hold too little and got nothing on their last Next, and the standby (keep_standby). Their
  // situation changes when some other worker finishes tests, so the engine asks Next for them again
  // after each batch of results.
  std::vector<WorkerId> Starving() const { return {starving_.begin(), starving_.end()}; }

  // `worker` finished `test`. Aborts if `test` was not in flight on `worker`: that is an engine bug.
  void TestFinished(WorkerId worker, TestIndex test);

  // `worker` is gone. Returns its unfinished tests in the order it would have run them; the scheduler
  // forgets the worker and does not requeue them: the caller decides (see Requeue).
  std::vector<TestIndex> WorkerLost(WorkerId worker);

  // Puts `tests` back to run next: run-alone tests at the front of their queue, the others as one unit at
  // the front of the shared (or first) queue.
  void Requeue(const std::vector<TestIndex>& tests);

  // Another attempt at `test`, which just finished on `worker`: it runs next, on another worker if one is
  // still taking work (retries spread over workers), else on `worker` itself.
  void Retry(TestIndex test, WorkerId worker);

  // `test` will be retried (Retry) later, after a delay: until then the run is not exhausted, so no
  // worker is told to finish while it waits.
  void Park(TestIndex test) { parked_.insert(test); }

  // Empties every queue and returns the tests that were never handed out (parked ones included), in
  // plan order.
  std::vector<TestIndex> Cancel();

  // Nothing is queued or parked anywhere (tests may still be in flight).
  bool Exhausted() const { return parallel_tests_ == 0 && alone_.empty() && parked_.empty(); }
  std::size_t QueuedTests() const { return parallel_tests_ + alone_.size(); }
  std::size_t InFlight(WorkerId worker) const;

 private:
  struct WorkerState {
    std::deque<TestIndex> in_flight;
    double held_seconds = 0;  // expected seconds of in_flight (0 when nothing was measured)
    std::uint32_t report_at = 1;
    bool finished = false;
    bool standby = false;                        // SchedulerOptions::keep_standby: held back from finishing
    std::size_t draws_from = SIZE_MAX;           // collectors' homes: the other queue it takes from
    std::uint32_t file = 0;                      // Unit::file of the last unit handed to it
    std::map<std::string, std::uint32_t> pools;  // pool -> tests of it in flight here
  };

  std::size_t PoolSize() const;
  std::uint32_t TargetSize() const;
  double TargetSeconds() const;
  std::deque<Unit>& HomeQueue(WorkerId worker);
  void StealInto(std::deque<Unit>& home);
  bool OthersTakeWork(WorkerId worker) const;
  // Moves `state` into `file` (0: none) in workers_in_file_.
  void EnterFile(WorkerState& state, std::uint32_t file);
  std::pair<std::deque<Unit>*, std::size_t> Companion(WorkerId worker, const WorkerState& state,
                                                      std::deque<Unit>& home, double short_seconds);
  bool Admits(const WorkerState& state, const Unit& unit) const;
  bool Avoids(WorkerId worker, const Unit& unit) const;
  void Hand(WorkerId worker, WorkerState& state, const std::vector<TestIndex>& tests, Assignment& out);
  Assignment NextParallel(WorkerId worker, WorkerState& state);
  // NextParallel's state while it fills one assignment, and its steps (scheduler.cc).
  class ParallelFill;
  Assignment NextAlone(WorkerId worker, WorkerState& state);
  const std::optional<ConcurrencyLimit>& LimitOf(TestIndex test) const;

  SchedulerOptions options_;
  std::vector<std::deque<Unit>> queues_;  // one shared queue, or one per worker under worksteal
  std::size_t parallel_tests_ = 0;
  double queued_seconds_ = 0;  // expected seconds of the queued parallel units (0 when unknown)
  std::deque<TestIndex> alone_;
  std::multiset<TestIndex> parked_;
  bool repeats_ = false;                       // the plan has spread units
  bool collector_homes_ = false;               // units came with homes (PreferCollectors)
  std::map<TestIndex, WorkerId> last_ran_on_;  // by a unit's first test, when the plan repeats
  std::vector<bool> runs_alone_;
  std::vector<double> test_seconds_;  // by TestIndex: a unit's expected seconds shared by its tests
  std::vector<std::optional<ConcurrencyLimit>> limits_;
  std::map<std::string, std::uint32_t> pool_max_;
  std::map<std::string, std::set<WorkerId>> pool_holders_;
  std::map<WorkerId, WorkerState> workers_;
  std::vector<std::uint32_t> workers_in_file_;  // by Unit::file: the workers whose last unit was of it
  std::optional<WorkerId> alone_runner_;
  std::set<WorkerId> starving_;
};

}  // namespace jackd::scheduler
