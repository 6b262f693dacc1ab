#include "scheduler/scheduler.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace jackd::scheduler {
namespace {

// Invariant violations are engine bugs: fail loudly rather than lose or duplicate a test.
[[noreturn]] void Violated(const char* what) {
  std::fprintf(stderr, "jackd: internal error: scheduler invariant violated: %s\n", what);
  std::abort();
}

// How far down the queue to look for a unit a limited worker may take, so one blocked pool does not
// make every Next call scan the whole queue.
constexpr std::size_t kLimitLookahead = 256;

const std::optional<ConcurrencyLimit> kNoLimit;

}  // namespace

Scheduler::Scheduler(WorkPlan plan, SchedulerOptions options)
    : options_(options),
      runs_alone_(plan.test_count, false),
      test_seconds_(plan.test_count, 0.0),
      limits_(std::move(plan.limits)) {
  queues_.resize(std::max<std::uint32_t>(1, plan.home_queues));
  for (const Unit& unit : plan.units) {
    parallel_tests_ += unit.tests.size();
    repeats_ = repeats_ || unit.spread;
    for (TestIndex test : unit.tests) {
      if (test >= test_seconds_.size()) test_seconds_.resize(test + 1, 0.0);
      test_seconds_[test] = unit.seconds / static_cast<double>(unit.tests.size());
    }
  }
  // Worksteal's even initial split: contiguous runs of units with about the same expected seconds, or
  // the same number of tests when nothing was measured.
  double expected_total = 0;
  for (const Unit& unit : plan.units) expected_total += unit.seconds;
  const bool timed = expected_total > 0;
  auto weight = [&](const Unit& unit) {
    return timed ? unit.seconds : static_cast<double>(unit.tests.size());
  };
  double total = 0;
  for (const Unit& unit : plan.units) total += weight(unit);
  const double per_queue = total / static_cast<double>(queues_.size());
  std::size_t queue = 0;
  double filled = 0;
  for (Unit& unit : plan.units) {
    if (unit.tests.empty()) continue;
    queued_seconds_ += unit.seconds;
    if (unit.home) {  // PreferCollectors chose
      collector_homes_ = true;
      queues_[*unit.home % queues_.size()].push_back(std::move(unit));
      continue;
    }
    // A queue is full once it holds its share; what is left over goes to the next. Counts compare as
    // `filled >= ceil(share)`, which keeps the count-based split exactly as it was.
    const double share = timed ? per_queue : std::ceil(per_queue);
    if (filled > 0 && filled >= share && queue + 1 < queues_.size()) ++queue, filled = 0;
    filled += weight(unit);
    queues_[queue].push_back(std::move(unit));
  }
  for (TestIndex test : plan.run_alone) {
    if (test >= runs_alone_.size()) runs_alone_.resize(test + 1, false);
    runs_alone_[test] = true;
    alone_.push_back(test);
  }
  for (const auto& limit : limits_) {
    if (!limit) continue;
    auto [it, inserted] = pool_max_.emplace(limit->pool, std::max<std::uint32_t>(1, limit->max_running));
    // Tests disagreeing about a pool's cap: the strictest one holds.
    if (!inserted) it->second = std::min(it->second, std::max<std::uint32_t>(1, limit->max_running));
  }
}

void Scheduler::AddWorker(WorkerId worker) {
  if (!workers_.emplace(worker, WorkerState{}).second) Violated("worker added twice");
}

const std::optional<ConcurrencyLimit>& Scheduler::LimitOf(TestIndex test) const {
  return test < limits_.size() ? limits_[test] : kNoLimit;
}

std::size_t Scheduler::PoolSize() const {
  return std::max<std::size_t>({1, workers_.size(), options_.planned_workers});
}

std::uint32_t Scheduler::TargetSize() const {
  const std::size_t workers = PoolSize();
  const std::size_t share =
      parallel_tests_ / (workers * std::max<std::uint32_t>(1, options_.batches_per_worker));
  const std::uint32_t bound =
      queued_seconds_ > 0 ? std::max(options_.max_batch, options_.max_batch_timed) : options_.max_batch;
  return static_cast<std::uint32_t>(std::clamp<std::size_t>(share, 1, std::max<std::uint32_t>(1, bound)));
}

double Scheduler::TargetSeconds() const {
  const std::size_t workers = PoolSize();
  return queued_seconds_ /
         static_cast<double>(workers * std::max<std::uint32_t>(1, options_.batches_per_worker));
}

std::deque<Unit>& Scheduler::HomeQueue(WorkerId worker) { return queues_[worker % queues_.size()]; }

void Scheduler::StealInto(std::deque<Unit>& home) {
  auto size = [](const std::deque<Unit>& q) {
    std::size_t n = 0;
    for (const Unit& u : q) n += u.tests.size();
    return n;
  };
  std::deque<Unit>* victim = nullptr;
  std::size_t most = 0;
  for (auto& queue : queues_) {
    if (&queue == &home) continue;
    if (std::size_t n = size(queue); n > most) most = n, victim = &queue;
  }
  if (victim == nullptr) return;
  // The back half, so the victim keeps the work it is about to run and its locality.
  std::size_t take = std::max<std::size_t>(1, victim->size() / 2);
  std::deque<Unit> stolen(victim->end() - static_cast<std::ptrdiff_t>(take), victim->end());
  victim->erase(victim->end() - static_cast<std::ptrdiff_t>(take), victim->end());
  for (Unit& unit : stolen) home.push_back(std::move(unit));
}

bool Scheduler::Admits(const WorkerState& state, const Unit& unit) const {
  if (limits_.empty()) return true;
  for (TestIndex test : unit.tests) {
    const auto& limit = LimitOf(test);
    if (!limit || state.pools.count(limit->pool)) continue;
    auto holders = pool_holders_.find(limit->pool);
    const std::size_t held = holders == pool_holders_.end() ? 0 : holders->second.size();
    if (held >= pool_max_.at(limit->pool)) return false;
  }
  return true;
}

bool Scheduler::Avoids(WorkerId worker, const Unit& unit) const {
  std::optional<WorkerId> avoid = unit.avoid;
  if (unit.spread && !unit.tests.empty()) {
    auto last = last_ran_on_.find(unit.tests.front());
    if (last != last_ran_on_.end()) avoid = last->second;
  }
  if (avoid != worker) return false;
  for (const auto& [other, state] : workers_) {
    if (other != worker && !state.finished) return true;
  }
  return false;  // nobody else will take it
}

void Scheduler::Hand(WorkerId worker, WorkerState& state, const std::vector<TestIndex>& tests,
                     Assignment& out) {
  out.tests.insert(out.tests.end(), tests.begin(), tests.end());
  state.in_flight.insert(state.in_flight.end(), tests.begin(), tests.end());
  for (TestIndex test : tests) {
    if (test < test_seconds_.size()) state.held_seconds += test_seconds_[test];
    if (const auto& limit = LimitOf(test)) {
      ++state.pools[limit->pool];
      pool_holders_[limit->pool].insert(worker);
    }
  }
}

Assignment Scheduler::Next(WorkerId worker) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) Violated("assignment requested for an unknown worker");
  WorkerState& state = it->second;
  Assignment out;
  if (state.finished) return out;
  if (parallel_tests_ > 0) {
    out = NextParallel(worker, state);
    // Said as soon as it is true: a worker holding its last test cannot run it until it knows that
    // nothing follows.
    out.finish = Exhausted();
  } else if (!parked_.empty()) {
    // A retry waits out its delay; the run-alone phase (which finishes every other worker) comes after.
  } else if (!alone_.empty()) {
    out = NextAlone(worker, state);
  } else {
    out.finish = true;
  }
  if (out.finish && options_.keep_standby) {
    bool others_hold_tests = false;
    bool other_standby = false;
    for (const auto& [other, other_state] : workers_) {
      if (other == worker) continue;
      others_hold_tests = others_hold_tests || !other_state.in_flight.empty();
      other_standby = other_standby || other_state.standby;
    }
    // The standby is asked again (Starving) whenever the others report results, until they hold nothing.
    state.standby = others_hold_tests && (state.standby || !other_standby);
    if (state.standby) out.finish = false;
  }
  if (out.finish) {
    state.finished = true;
    EnterFile(state, 0);
  }
  // A standby is asked again whenever the others report, whatever it holds: with its last test in hand
  // it cannot run it until it is told to finish.
  const bool starving =
      state.standby || (!out.finish && out.tests.empty() && state.in_flight.size() <= state.report_at);
  if (starving) {
    starving_.insert(worker);
  } else {
    starving_.erase(worker);
  }
  return out;
}

// One assignment being filled for one worker: where it draws from, how much it may take, and what it
// took so far. Its steps are NextParallel's, in the order NextParallel calls them.
class Scheduler::ParallelFill {
 public:
  ParallelFill(Scheduler& scheduler, WorkerId worker, WorkerState& state);

  // Takes units from the queue while the assignment wants more; then, if it took nothing, one unit from
  // another queue, so the worker does not idle while there is work it may run.
  void Fill();
  // Once only what other workers' files hold is left: better taken than idling.
  bool RetryWithoutKeepingFiles();
  // A worker holding one test cannot run it before it knows the next: adds a companion.
  void AddCompanion();
  Assignment Take() { return std::move(out_); }

 private:
  void Refill();
  bool WantsMore(const Unit& unit) const;
  bool LeftToAnother(const Unit& unit) const;
  bool MayTake(const Unit& unit) const;
  void TakeUnit(std::size_t i);
  void TakeFromAnotherQueue();

  Scheduler& s_;
  const WorkerId worker_;
  WorkerState& state_;
  Assignment out_;
  double out_seconds_ = 0;
  std::deque<Unit>* queue_;
  const std::uint32_t target_;
  // With earlier runs' durations, an assignment is also capped by expected seconds, so a run of slow
  // tests in collection order is not handed to one worker in one batch.
  const double target_seconds_;
  const bool timed_;
  // With durations, a worker already holding its share of expected seconds (say a long test) gets
  // nothing from the front: at most a short companion from a back (AddCompanion). Work queued behind a
  // long test is work other workers could have run (so not when no other worker takes work). Not under
  // worksteal's split: a worker's own queue is its share, and nobody else takes from it before running dry.
  const bool shared_;
  const bool full_;
  // With durations, a short unit of a file another worker is in the middle of is left to that worker: it
  // has imported the file (under collectors' homes, another worker would collect it again) and set up
  // its module fixtures. Only while other work is left to take (RetryWithoutKeepingFiles takes it), and
  // only for shared queues (under worksteal's split a queue is one worker's share). Without durations a
  // long unit cannot be told from a short one, and holding a slow file's tests back for one worker
  // lengthened the simulated tail.
  bool keep_files_;
};

Scheduler::ParallelFill::ParallelFill(Scheduler& scheduler, WorkerId worker, WorkerState& state)
    : s_(scheduler),
      worker_(worker),
      state_(state),
      queue_(&scheduler.HomeQueue(worker)),
      target_(scheduler.TargetSize()),
      target_seconds_(scheduler.TargetSeconds()),
      timed_(target_seconds_ > 0),
      shared_(scheduler.queues_.size() == 1 || scheduler.collector_homes_),
      full_(timed_ && shared_ && state.held_seconds > target_seconds_ && scheduler.OthersTakeWork(worker)),
      keep_files_(timed_ && shared_) {
  Refill();
}

// Where this assignment comes from: the worker's home queue while it holds work. Then, under worksteal's
// split, half of the longest queue moves home (StealInto); under collectors' homes, the front of the
// fullest queue serves, as `load`'s shared queue would: each worker then runs every queue's units in that
// queue's order, so a module or class it returns to was not torn down between.
void Scheduler::ParallelFill::Refill() {
  if (!queue_->empty()) return;
  if (!s_.collector_homes_) {
    s_.StealInto(*queue_);
    return;
  }
  // The queue it drew from last, while that lasts: a file it started there continues there.
  if (state_.draws_from < s_.queues_.size() && !s_.queues_[state_.draws_from].empty()) {
    queue_ = &s_.queues_[state_.draws_from];
    return;
  }
  for (std::size_t q = 0; q < s_.queues_.size(); ++q) {
    if (s_.queues_[q].size() > queue_->size()) queue_ = &s_.queues_[q], state_.draws_from = q;
  }
}

// Whole units only: a unit larger than the target still goes in one piece. A worker must end up holding
// at least two tests (or all it can get): holding one, it could not run it without knowing the next, and
// would have no result to report that asks for more.
bool Scheduler::ParallelFill::WantsMore(const Unit& unit) const {
  if (full_) return false;
  if (out_.tests.empty()) return true;
  if (state_.in_flight.size() < 2 && !(timed_ && out_seconds_ > target_seconds_)) return true;
  return out_.tests.size() + unit.tests.size() <= target_ && out_seconds_ + unit.seconds <= target_seconds_;
}

bool Scheduler::ParallelFill::LeftToAnother(const Unit& unit) const {
  return keep_files_ && unit.file != 0 && unit.file != state_.file && unit.seconds <= target_seconds_ &&
         unit.file < s_.workers_in_file_.size() && s_.workers_in_file_[unit.file] > 0;
}

bool Scheduler::ParallelFill::MayTake(const Unit& unit) const {
  return s_.Admits(state_, unit) && !s_.Avoids(worker_, unit) && !LeftToAnother(unit);
}

void Scheduler::ParallelFill::TakeUnit(std::size_t i) {
  std::deque<Unit>& from = *queue_;
  s_.EnterFile(state_, from[i].file);
  s_.Hand(worker_, state_, from[i].tests, out_);
  if (s_.repeats_) s_.last_ran_on_[from[i].tests.front()] = worker_;
  s_.parallel_tests_ -= from[i].tests.size();
  out_seconds_ += from[i].seconds;
  s_.queued_seconds_ = std::max(0.0, s_.queued_seconds_ - from[i].seconds);
  from.erase(from.begin() + static_cast<std::ptrdiff_t>(i));
  Refill();
}

void Scheduler::ParallelFill::Fill() {
  for (std::size_t i = 0; i < queue_->size() && i < kLimitLookahead;) {
    const Unit& unit = (*queue_)[i];
    // A unit left to another worker is passed over before it could end the assignment.
    if (!LeftToAnother(unit) && !WantsMore(unit)) break;
    if (!MayTake(unit)) {
      ++i;
      continue;
    }
    TakeUnit(i);
  }
  TakeFromAnotherQueue();
}

// Nothing in this queue the worker may take now (a limit or a retry's avoidance holds it back): one unit
// from another queue.
void Scheduler::ParallelFill::TakeFromAnotherQueue() {
  for (std::size_t q = 0; !full_ && out_.tests.empty() && q < s_.queues_.size(); ++q) {
    std::deque<Unit>& other = s_.queues_[q];
    if (&other == queue_) continue;
    for (std::size_t i = 0; i < other.size() && i < kLimitLookahead; ++i) {
      if (MayTake(other[i])) {
        queue_->push_front(std::move(other[i]));
        other.erase(other.begin() + static_cast<std::ptrdiff_t>(i));
        TakeUnit(0);
        break;
      }
    }
  }
}

bool Scheduler::ParallelFill::RetryWithoutKeepingFiles() {
  if (!out_.tests.empty() || !keep_files_) return false;
  keep_files_ = false;
  return true;
}

// When the one test is long, its companion is a short unit from the back of a queue (long tests go
// first, so backs hold short ones), not the next long test, which another worker can start at once.
void Scheduler::ParallelFill::AddCompanion() {
  if (state_.in_flight.size() >= 2) return;
  const double short_seconds = timed_ ? target_seconds_ : 0;
  if (auto [from, i] = s_.Companion(worker_, state_, *queue_, short_seconds); from != nullptr) {
    queue_ = from;
    TakeUnit(i);
  }
}

Assignment Scheduler::NextParallel(WorkerId worker, WorkerState& state) {
  if (state.in_flight.size() > state.report_at) return Assignment{};
  ParallelFill fill(*this, worker, state);
  fill.Fill();
  if (fill.RetryWithoutKeepingFiles()) fill.Fill();
  fill.AddCompanion();
  Assignment out = fill.Take();
  if (!out.tests.empty()) {
    state.report_at = std::max<std::uint32_t>(1, static_cast<std::uint32_t>(out.tests.size() / 2));
    out.report_at = state.report_at;
  }
  return out;
}

void Scheduler::EnterFile(WorkerState& state, std::uint32_t file) {
  if (state.file == file) return;
  if (state.file != 0) --workers_in_file_[state.file];
  state.file = file;
  if (file == 0) return;
  if (file >= workers_in_file_.size()) workers_in_file_.resize(file + 1, 0);
  ++workers_in_file_[file];
}

bool Scheduler::OthersTakeWork(WorkerId worker) const {
  if (workers_.size() < options_.planned_workers) return true;  // some have yet to be ready
  for (const auto& [other, state] : workers_) {
    if (other != worker && !state.finished) return true;
  }
  return false;
}

std::pair<std::deque<Unit>*, std::size_t> Scheduler::Companion(WorkerId worker, const WorkerState& state,
                                                               std::deque<Unit>& home, double short_seconds) {
  // The last unit `worker` may take in `queue`, within the lookahead.
  auto last_admitted = [&](std::deque<Unit>& queue) -> std::optional<std::size_t> {
    for (std::size_t i = queue.size(); i-- > 0 && queue.size() - i <= kLimitLookahead;) {
      if (Admits(state, queue[i]) && !Avoids(worker, queue[i])) return i;
    }
    return std::nullopt;
  };
  std::pair<std::deque<Unit>*, std::size_t> fallback{nullptr, 0};
  if (auto i = last_admitted(home)) {
    if (home[*i].seconds <= short_seconds) return {&home, *i};
    fallback = {&home, *i};
  }
  // The home queue's back is long too (or it is empty): a short unit from another queue's back. Not
  // under worksteal's split, where other queues are other workers' shares.
  if (queues_.size() > 1 && !collector_homes_) return fallback;
  for (auto& queue : queues_) {
    if (&queue == &home) continue;
    if (auto i = last_admitted(queue); i && queue[*i].seconds <= short_seconds) return {&queue, *i};
  }
  return fallback;
}

Assignment Scheduler::NextAlone(WorkerId worker, WorkerState& state) {
  Assignment out;
  if (!alone_runner_ || !workers_.count(*alone_runner_)) alone_runner_ = worker;
  if (*alone_runner_ != worker) {
    out.finish = true;  // the run-alone phase needs the others gone
    return out;
  }
  for (const auto& [other, other_state] : workers_) {
    if (other != worker && !other_state.in_flight.empty()) return out;  // wait until nothing else runs
  }
  Hand(worker, state, {alone_.begin(), alone_.end()}, out);
  alone_.clear();
  out.finish = parallel_tests_ == 0 && parked_.empty();
  return out;
}

void Scheduler::TestFinished(WorkerId worker, TestIndex test) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) Violated("result from an unknown worker");
  WorkerState& state = it->second;
  // Workers run their queue in order, so the finished test is almost always the front one.
  auto pos = std::find(state.in_flight.begin(), state.in_flight.end(), test);
  if (pos == state.in_flight.end()) Violated("result for a test that was not in flight on that worker");
  state.in_flight.erase(pos);
  if (test < test_seconds_.size())
    state.held_seconds = std::max(0.0, state.held_seconds - test_seconds_[test]);
  if (const auto& limit = LimitOf(test)) {
    if (--state.pools[limit->pool] == 0) {
      state.pools.erase(limit->pool);
      pool_holders_[limit->pool].erase(worker);
    }
  }
}

std::vector<TestIndex> Scheduler::WorkerLost(WorkerId worker) {
  auto it = workers_.find(worker);
  if (it == workers_.end()) return {};
  std::vector<TestIndex> unfinished(it->second.in_flight.begin(), it->second.in_flight.end());
  for (const auto& [pool, count] : it->second.pools) pool_holders_[pool].erase(worker);
  EnterFile(it->second, 0);
  workers_.erase(it);
  starving_.erase(worker);
  if (alone_runner_ == worker) alone_runner_.reset();
  return unfinished;
}

void Scheduler::Requeue(const std::vector<TestIndex>& tests) {
  Unit parallel;
  std::vector<TestIndex> alone;
  for (TestIndex test : tests) {
    (test < runs_alone_.size() && runs_alone_[test] ? alone : parallel.tests).push_back(test);
  }
  alone_.insert(alone_.begin(), alone.begin(), alone.end());
  if (!parallel.tests.empty()) {
    parallel_tests_ += parallel.tests.size();
    queues_.front().push_front(std::move(parallel));
  }
  // Workers told to finish stay finished; requeued work goes to live or replacement workers.
}

void Scheduler::Retry(TestIndex test, WorkerId worker) {
  if (auto parked = parked_.find(test); parked != parked_.end()) parked_.erase(parked);
  if (test < runs_alone_.size() && runs_alone_[test]) {
    alone_.push_front(test);
    return;
  }
  Unit unit;
  unit.tests.push_back(test);
  unit.avoid = worker;
  ++parallel_tests_;
  queues_.front().push_front(std::move(unit));
}

std::vector<TestIndex> Scheduler::Cancel() {
  std::vector<TestIndex> dropped;
  dropped.reserve(QueuedTests());
  for (auto& queue : queues_) {
    for (const Unit& unit : queue) dropped.insert(dropped.end(), unit.tests.begin(), unit.tests.end());
    queue.clear();
  }
  dropped.insert(dropped.end(), alone_.begin(), alone_.end());
  alone_.clear();
  dropped.insert(dropped.end(), parked_.begin(), parked_.end());
  parked_.clear();
  parallel_tests_ = 0;
  queued_seconds_ = 0;
  return dropped;
}

std::size_t Scheduler::InFlight(WorkerId worker) const {
  auto it = workers_.find(worker);
  return it == workers_.end() ? 0 : it->second.in_flight.size();
}

}  // namespace jackd::scheduler
