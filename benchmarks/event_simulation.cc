#include "benchmarks/event_simulation.h"

#include <deque>
#include <queue>

namespace jackd::bench {
namespace {

using scheduler::Assignment;
using scheduler::TestIndex;
using scheduler::WorkerId;

// The shim's flush thresholds (worker_loop.py FLUSH_RESULTS, FLUSH_SECONDS): kept in step by hand.
constexpr std::size_t kFlushResults = 64;
constexpr double kFlushSeconds = 0.1;

enum class Kind { kTestDone, kResults, kAssignment };

struct Event {
  double time = 0;
  std::uint64_t seq = 0;  // ties in time keep the order events were scheduled in: deterministic
  Kind kind = Kind::kTestDone;
  WorkerId worker = 0;
  std::vector<TestIndex> tests;  // results or assignment
  std::uint32_t report_at = 0;
  bool finish = false;

  bool operator>(const Event& other) const {
    return time != other.time ? time > other.time : seq > other.seq;
  }
};

// The worker as the shim is: a queue, a buffer of unsent results, and whether Finish arrived.
struct Worker {
  std::deque<TestIndex> queue;
  std::vector<TestIndex> buffered;
  std::uint32_t report_at = 0;
  bool finish = false;
  bool running = false;
  bool gone = false;
  double last_flush = 0;
  bool finish_sent = false;  // the engine's side: Finish was sent, so no more Next for it
};

class Run {
 public:
  Run(scheduler::Scheduler& scheduler, const std::vector<double>& seconds, std::uint32_t workers)
      : scheduler_(scheduler), seconds_(seconds), workers_(workers), ran_(seconds.size(), 0) {}

  SimOutcome Go() {
    for (WorkerId w = 0; w < workers_.size(); ++w) scheduler_.AddWorker(w);
    for (WorkerId w = 0; w < workers_.size(); ++w) Dispatch(w);
    // A sound run schedules a bounded number of events; the cap turns a livelock into a violation.
    const std::size_t cap = 16 * seconds_.size() + 64 * workers_.size() + 1024;
    for (std::size_t n = 0; !events_.empty(); ++n) {
      if (n > cap) {
        outcome_.violations.push_back("the run did not end (event cap reached)");
        break;
      }
      Event event = events_.top();
      events_.pop();
      now_ = event.time;
      Handle(event);
    }
    Check();
    return outcome_;
  }

 private:
  void Schedule(Event event) {
    event.seq = next_seq_++;
    events_.push(std::move(event));
  }

  void Handle(const Event& event) {
    switch (event.kind) {
      case Kind::kTestDone:
        TestDone(event.worker, event.tests.front());
        break;
      case Kind::kResults:
        Results(event.worker, event.tests);
        break;
      case Kind::kAssignment:
        Arrive(event);
        break;
    }
  }

  // --- the engine's side (run_loop.cc) ---
  void Dispatch(WorkerId w) {
    if (workers_[w].finish_sent) return;
    Assignment a = scheduler_.Next(w);
    if (a.tests.empty() && !a.finish) return;
    if (!a.tests.empty()) ++outcome_.assignments;
    workers_[w].finish_sent = a.finish;
    Schedule({.time = now_ + kRoundTripSeconds / 2,
              .kind = Kind::kAssignment,
              .worker = w,
              .tests = std::move(a.tests),
              .report_at = a.report_at,
              .finish = a.finish});
  }

  void Results(WorkerId w, const std::vector<TestIndex>& tests) {
    ++outcome_.messages;
    for (TestIndex t : tests) scheduler_.TestFinished(w, t);
    Dispatch(w);
    for (WorkerId s : scheduler_.Starving()) Dispatch(s);
  }

  // --- the worker's side (worker_loop.py) ---
  void Arrive(const Event& event) {
    Worker& worker = workers_[event.worker];
    if (worker.gone) {
      outcome_.violations.push_back("worker " + std::to_string(event.worker) + " got work after it left");
      return;
    }
    worker.queue.insert(worker.queue.end(), event.tests.begin(), event.tests.end());
    if (!event.tests.empty()) worker.report_at = event.report_at;
    worker.finish = worker.finish || event.finish;
    if (!worker.running) Step(event.worker);
  }

  void TestDone(WorkerId w, TestIndex t) {
    Worker& worker = workers_[w];
    worker.running = false;
    ++ran_[t];
    outcome_.makespan = now_;
    worker.buffered.push_back(t);
    if (worker.buffered.size() >= kFlushResults || worker.queue.size() <= worker.report_at ||
        now_ - worker.last_flush >= kFlushSeconds) {
      Flush(w);
    }
    Step(w);
  }

  // Runs the next test if the worker may, else flushes and waits (or leaves, once told to finish).
  void Step(WorkerId w) {
    Worker& worker = workers_[w];
    if (worker.queue.size() >= 2 || (!worker.queue.empty() && worker.finish)) {
      const TestIndex t = worker.queue.front();
      worker.queue.pop_front();
      worker.running = true;
      Schedule({.time = now_ + seconds_[t], .kind = Kind::kTestDone, .worker = w, .tests = {t}});
      return;
    }
    Flush(w);
    if (worker.finish) worker.gone = true;
  }

  void Flush(WorkerId w) {
    Worker& worker = workers_[w];
    worker.last_flush = now_;
    if (worker.buffered.empty()) return;
    Schedule({.time = now_ + kRoundTripSeconds / 2,
              .kind = Kind::kResults,
              .worker = w,
              .tests = std::move(worker.buffered)});
    worker.buffered.clear();
  }

  void Check() {
    std::size_t lost = 0, duplicated = 0;
    for (int count : ran_) {
      lost += count == 0;
      duplicated += count > 1;
    }
    if (lost > 0) outcome_.violations.push_back(std::to_string(lost) + " tests never ran");
    if (duplicated > 0)
      outcome_.violations.push_back(std::to_string(duplicated) + " tests ran twice or more");
    for (WorkerId w = 0; w < workers_.size(); ++w) {
      if (!workers_[w].finish_sent) {
        outcome_.violations.push_back("worker " + std::to_string(w) + " was never told to finish");
      } else if (!workers_[w].gone) {
        outcome_.violations.push_back("worker " + std::to_string(w) + " never left");
      }
    }
    if (!scheduler_.Exhausted()) outcome_.violations.push_back("the scheduler still holds queued tests");
  }

  scheduler::Scheduler& scheduler_;
  const std::vector<double>& seconds_;
  std::vector<Worker> workers_;
  std::vector<int> ran_;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> events_;
  std::uint64_t next_seq_ = 0;
  double now_ = 0;
  SimOutcome outcome_;
};

}  // namespace

SimOutcome Simulate(scheduler::Scheduler& scheduler, const std::vector<double>& seconds,
                    std::uint32_t workers) {
  return Run(scheduler, seconds, workers).Go();
}

}  // namespace jackd::bench
