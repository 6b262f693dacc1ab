// The run loop's end of a worker: once both its process and its stream are gone, its unfinished tests
// are settled (the one it was running crashed or timed out, the rest go back to the queue) and a
// replacement may start. Its stderr tells the user why.
#include <spdlog/spdlog.h>
#include <time.h>

#include <algorithm>
#include <fstream>
#include <iterator>

#include "absl/strings/str_cat.h"
#include "engine/run_loop.h"
#include "engine/status_slot.h"

namespace jackd {
namespace {

// How much of a dead worker's stderr to show: enough for faulthandler's tracebacks of a few threads.
constexpr std::size_t kStderrTailBytes = 8192;
// A crash or hang report from faulthandler: every thread's stack, a few kilobytes each.
constexpr std::size_t kStderrExcerptBytes = 32768;

// A test that ended without a result (crash, timeout) ran from the time its status slot names until
// now; the durations store counts that span (CLOCK_MONOTONIC, the slot's clock).
void SpanUntil(double now, const RunningTest& running, TestRecord& record) {
  record.started = static_cast<double>(running.started_ns) * 1e-9;
  record.finished = now;
}

}  // namespace

void RunLoop::Retire(Worker& worker) {
  if (worker.Retired()) return;
  if (worker.remote) {
    RetireRemote(worker);
    return;
  }
  const bool told_to_finish = worker.state == WorkerState::kFinishing;
  const bool was_connected = worker.Connected();
  worker.MarkRetired();
  PassOutputOn(worker, true);  // its last words, before a replacement rewrites its files
  worker.timer.reset();
  if (worker.link) worker.link->Close();
  std::vector<TestIndex> unfinished = scheduler_.WorkerLost(worker.slot);
  for (TestIndex index : unfinished) book_.Release(index, worker.slot);
  const bool clean = told_to_finish && unfinished.empty();
  if (!clean && stop_.kind() == StopKind::kSessionTimeout) {
    SettleSessionTimeout(worker, unfinished);
  } else if (!clean && !stop_.stopped()) {
    if (!was_connected) {
      Fatal(absl::StrCat("worker ", worker.id, " exited with ", worker.exit_status.Describe(),
                         " before it was ready (pytest failed to start in the worker; its stderr is below)"),
            StderrTail(worker));
    } else {
      SettleCrash(worker, unfinished);
      if (Replace(worker)) return;  // `worker` is the replacement now
    }
  }
  // Stopped runs (or a worker that vanished after its budget ran out) leave these unrun.
  if (!unfinished.empty()) {
    MarkNotRun(unfinished, stop_.reason().empty() ? "its worker stopped" : stop_.reason());
  }
  // pytest's own verdicts on what the worker ran: 1, tests failed; 5, it collected and ran nothing (a
  // worker that got no tests, its share of the files being empty).
  const int code = worker.exit_status.exit_code;
  if (clean && !worker.exit_status.Success() && code != 1 && code != 5 && !worker.killed_by_us) {
    notes_.push_back(absl::StrCat("worker ", worker.id, " exited with ", worker.exit_status.Describe(),
                                  " after its last test"));
  }
  MaybeEnd();
}

// Killed by the session timeout: the test it was running timed out; the rest never ran.
void RunLoop::SettleSessionTimeout(Worker& worker, std::vector<TestIndex>& unfinished) {
  std::optional<RunningTest> running = launcher_.ReadStatusSlot(worker.status_path);
  auto it = running ? std::find(unfinished.begin(), unfinished.end(), running->index) : unfinished.end();
  if (it == unfinished.end()) return;
  TestRecord record;
  record.outcome = Outcome::kTimeout;
  record.worker = worker.id;
  record.reason = stop_.reason();
  SpanUntil(clock_.Seconds(), *running, record);
  Attempted(*it, worker.slot, std::move(record));
  unfinished.erase(it);
}

// A worker died on its own (or the watchdog killed it): the test its status slot names crashed (or
// timed out), unless --retry-crashed gives it another go; the rest of its tests go back to the queue.
void RunLoop::SettleCrash(Worker& worker, std::vector<TestIndex>& unfinished) {
  std::optional<RunningTest> running = launcher_.ReadStatusSlot(worker.status_path);
  auto crashed = unfinished.end();
  if (running) crashed = std::find(unfinished.begin(), unfinished.end(), running->index);
  std::string blamed = "between tests";
  const bool timed_out = worker.timed_out.has_value();
  if (crashed != unfinished.end()) {
    const TestIndex index = *crashed;
    blamed = "running " + collection_.items[index].node_id;
    unfinished.erase(crashed);
    if (!timed_out && book_.CountCrash(index) < plan_.retry_crashed) {
      // --retry-crashed: it goes back to run first, on whichever worker asks next.
      absl::StrAppend(&blamed, " (attempt ", book_.Crashes(index), " of ", plan_.retry_crashed + 1,
                      "; retrying it)");
      unfinished.insert(unfinished.begin(), index);
    } else {
      RecordCrash(worker, index, *running);
    }
  }
  const std::string how = worker.exit_status.Describe();
  notes_.push_back(timed_out ? absl::StrCat("worker ", worker.id, " was killed after a timeout ", blamed)
                             : absl::StrCat("worker ", worker.id, " crashed (", how, ") ", blamed));
  scheduler_.Requeue(unfinished);
  unfinished.clear();
  DispatchStarving();
}

void RunLoop::RecordCrash(Worker& worker, TestIndex index, const RunningTest& running) {
  const bool timed_out = worker.timed_out.has_value();
  TestRecord record;
  record.outcome = timed_out ? Outcome::kTimeout : Outcome::kCrashed;
  record.worker = worker.id;
  SpanUntil(clock_.Seconds(), running, record);
  record.reason = timed_out ? absl::StrCat("Timeout (>", watchdog_.LimitOf(index), "s) from jackd: worker ",
                                           worker.id, " was killed; the stacks of its threads follow")
                            : absl::StrCat("worker ", worker.id, " crashed while running this test (",
                                           worker.exit_status.Describe(), ")");
  PhaseReport& report = record.reports.emplace_back();
  report.longrepr = record.reason + "\n" + StderrTail(worker);
  report.summary = record.reason;
  Attempted(index, worker.slot, std::move(record));
}

bool RunLoop::Replace(Worker& worker) {
  if (stop_.stopped() || scheduler_.Exhausted()) return false;
  if (restarts_ >= plan_.max_worker_restarts) {
    Stop(StopKind::kExhausted, absl::StrCat("the worker restart budget (", plan_.max_worker_restarts,
                                            ", --max-worker-restart) is spent"));
    return false;
  }
  ++restarts_;
  notes_.back() += "; replaced";
  SpawnWorker(worker.slot);  // invalidates `worker`
  MaybeEnd();
  return true;
}

std::string RunLoop::StderrTail(const Worker& worker) const {
  std::ifstream in(worker.stderr_path, std::ios::binary);
  if (!in) return "";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Python's own crash report (faulthandler) says the most from its first line on: where the crash or
  // the hang happened. Start there when there is one, else show the end of the file.
  std::size_t start = std::string::npos;
  if (worker.stack_dump_offset) start = std::min(*worker.stack_dump_offset, text.size());
  if (start == std::string::npos) start = text.rfind("Fatal Python error");
  bool cut = false;
  if (start == std::string::npos) {
    start = text.size() > kStderrTailBytes ? text.size() - kStderrTailBytes : 0;
    cut = start > 0;
  }
  std::string excerpt = text.substr(start, kStderrExcerptBytes);
  if (cut) {
    auto newline = excerpt.find('\n');
    if (newline != std::string::npos) excerpt = excerpt.substr(newline + 1);
  }
  while (!excerpt.empty() && (excerpt.back() == '\n' || excerpt.back() == ' ')) excerpt.pop_back();
  if (excerpt.empty()) return "";
  return absl::StrCat("--- ", worker.id, "'s stderr ---\n", excerpt);
}

}  // namespace jackd
