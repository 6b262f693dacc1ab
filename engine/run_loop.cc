#include "engine/run_loop.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/exit_code.h"
#include "engine/proto_convert.h"
#include "engine/python_interpreter.h"
#include "engine/status_slot.h"
#include "engine/version.h"
#include "engine/worker_launch.h"

namespace jackd {
namespace {

using namespace std::chrono_literals;

// A worker collects the whole suite before it says ready; give it a generous multiple of what the
// engine's own collection took, plus a floor for slow machines.
std::chrono::milliseconds DefaultConnectDeadline(double collection_seconds) {
  return std::chrono::milliseconds(static_cast<long>((120.0 + 5.0 * collection_seconds) * 1000));
}

// After a worker's process exits, its stream closes within milliseconds; after its stream closes, the
// process exits as soon as pytest's session finishes. Past these bounds we stop waiting.
constexpr auto kExitGrace = 5s;
constexpr auto kSessionFinishGrace = 30s;

// The first few differing node IDs each way, so the user sees what depends on where it is collected.
std::string MismatchDetails(const pb::CollectionMismatch& mismatch) {
  constexpr int kShown = 10;
  std::string out;
  auto list = [&](const char* what, const auto& ids) {
    if (ids.empty()) return;
    absl::StrAppend(&out, ids.size(), " ", what, ":\n");
    for (int i = 0; i < ids.size() && i < kShown; ++i) absl::StrAppend(&out, "  ", ids[i], "\n");
    if (ids.size() > kShown) absl::StrAppend(&out, "  ...\n");
  };
  list("collected by the engine but not by the worker", mismatch.missing());
  list("collected by the worker but not by the engine", mismatch.unexpected());
  if (!out.empty()) out.pop_back();
  return out;
}

}  // namespace

RunLoop::RunLoop(asio::io_context& io, WorkerLauncher& launcher, Clock& clock, RunPlan plan,
                 const Collection& collection, scheduler::WorkPlan work, Reporter& reporter,
                 const RunContext& context)
    : io_(io),
      launcher_(launcher),
      clock_(clock),
      plan_(std::move(plan)),
      collection_(collection),
      reporter_(reporter),
      context_(context),
      // Remote workers may vanish without a trace: one stays to take what they held.
      scheduler_(std::move(work),
                 scheduler::SchedulerOptions{.planned_workers = static_cast<std::uint32_t>(plan_.workers),
                                             .keep_standby = plan_.listening}),
      book_(collection.items, plan_.detect_flaky),
      watchdog_(clock, plan_.timeout, collection.timeouts, plan_.session_timeout),
      admission_(plan_, collection) {
  if (plan_.worker_start_timeout.count() == 0) {
    plan_.worker_start_timeout = DefaultConnectDeadline(collection.seconds);
  }
}

RunLoop::~RunLoop() { KillAll(); }

void RunLoop::Start() {
  const bool prestarted = !plan_.prestarted.empty();
  for (int i = 0; i < plan_.workers; ++i) SpawnWorker(static_cast<scheduler::WorkerId>(i));
  // Workers started while the engine collected wait for this file; the server listens by now.
  if (prestarted && !WriteStartFile(plan_.start_file, collection_.digest, collection_.settings.basetemp)) {
    Fatal(absl::StrCat("cannot write ", plan_.start_file, ": ", std::strerror(errno)));
  }
  watchdog_.Start([this] { CheckTimeouts(); },
                  [this] { Stop(StopKind::kSessionTimeout, watchdog_.SessionExpired()); });
  if (plan_.tick_period.count() > 0) ArmTicker();
  if (plan_.workers == 0) WaitForRemoteWorkers();  // -n 0 --listen: remote workers only
}

void RunLoop::SpawnWorker(scheduler::WorkerId slot) {
  Worker& worker = workers_.Reset(slot);
  const WorkerFiles files = FilesOf(plan_.run_directory, slot);
  worker.id = files.id;
  worker.stderr_path = files.stderr_path;
  worker.status_path = files.status_path;
  if (auto early = plan_.prestarted.find(slot); early != plan_.prestarted.end()) {
    // Started while the engine collected, with the same files (its status slot exists already).
    worker.pid = early->second;
    plan_.prestarted.erase(early);
  } else {
    launcher_.CreateStatusSlot(worker.status_path);
    worker.pid =
        launcher_.Start(plan_, LaunchRequest(plan_, files,
                                             {.digest = collection_.digest,
                                              .report = plan_.collection_report,
                                              .basetemp = collection_.settings.basetemp,
                                              .start_file = "",
                                              .collection_out = "",
                                              // After a split collection it collects only the files it runs.
                                              .share = collection_.collected_by.empty() ? "" : "none"}));
  }
  // After a split collection a worker has its share (prestarted) or none: no digest of its own.
  worker.collects_on_demand = !collection_.collected_by.empty();
  if (worker.pid < 0) {
    worker.exited = true;
    worker.MarkRetired();
    Fatal(absl::StrCat("cannot start worker ", worker.id, ": ", std::strerror(errno)));
    return;
  }
  spdlog::debug("spawned {} as pid {}", worker.id, worker.pid);
  launcher_.Watch(worker.pid,
                  [this, slot, pid = worker.pid](ExitStatus status) { OnExited(slot, pid, status); });
  worker.timer = clock_.After(plan_.worker_start_timeout, [this, slot, pid = worker.pid] {
    Worker* late = workers_.Find(slot);
    if (late == nullptr || late->pid != pid || late->Connected() || late->exited) return;
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(plan_.worker_start_timeout).count();
    Fatal(absl::StrCat("worker ", late->id, " did not connect within ", seconds,
                       "s (its collection or a conftest may hang; run the same pytest command alone to see, "
                       "or raise --worker-start-timeout)"),
          StderrTail(*late));
  });
}

void RunLoop::MessageReceived(const std::shared_ptr<WorkerLink>& link, pb::WorkerMessage message) {
  switch (message.kind_case()) {
    case pb::WorkerMessage::kReady:
      OnReady(link, message.ready());
      return;
    case pb::WorkerMessage::kFailed:
      OnWorkerFailed(link, message.failed());
      return;
    case pb::WorkerMessage::kResults:
      if (Worker* worker = workers_.FindByLink(link)) {
        OnResults(*worker, message.results());
        return;
      }
      break;
    case pb::WorkerMessage::KIND_NOT_SET:
      break;
  }
  spdlog::warn("rejected a stream that did not introduce itself as a worker of this run");
  link->Close(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not a worker of this run"));
}

void RunLoop::OnReady(const std::shared_ptr<WorkerLink>& link, const pb::WorkerReady& ready) {
  Worker* worker = workers_.AwaitingConnection(ready.worker_id());
  if (worker == nullptr && plan_.listening) {
    OnRemoteReady(link, ready);
    return;
  }
  if (ready.token() != plan_.token || worker == nullptr || static_cast<pid_t>(ready.pid()) != worker->pid) {
    spdlog::warn("rejected stream claiming to be worker '{}' (pid {}): unknown worker or wrong token",
                 ready.worker_id(), ready.pid());
    link->Close(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not a worker of this run"));
    return;
  }
  worker->link = link;
  if (ready.protocol_version() != kProtocolVersion) {
    Fatal(absl::StrCat("worker ", worker->id, " runs jackd-shim ", ready.shim_version(), " (protocol ",
                       ready.protocol_version(), ") but this engine speaks protocol ", kProtocolVersion,
                       " (install the jackd-shim that came with jackd ", kVersion, ")"));
    return;
  }
  if (!(worker->collects_on_demand && ready.digest().empty()) && ready.digest() != collection_.digest) {
    Fatal(absl::StrCat("worker ", worker->id, " collected a different set of tests (", ready.collected(),
                       " tests, the engine collected ", collection_.items.size(),
                       "); does collection depend on the environment or on randomness?"));
    return;
  }
  worker->MarkReady();
  worker->timer.reset();
  spdlog::debug("{} ready", worker->id);
  scheduler_.AddWorker(worker->slot);
  if (stop_.stopped()) {
    worker->link->Send(StopMessage());
    return;
  }
  Dispatch(*worker);
}

void RunLoop::OnWorkerFailed(const std::shared_ptr<WorkerLink>& link, const pb::WorkerFailed& failed) {
  for (auto& [slot, worker] : workers_) {
    if (worker.id == failed.worker_id() && failed.token() == plan_.token && !worker.link) {
      worker.link = link;
      if (failed.has_mismatch()) {
        Fatal(absl::StrCat("worker ", worker.id,
                           " collected different tests than the engine (collection must not depend on the "
                           "process, the environment or randomness; details below)"),
              MismatchDetails(failed.mismatch()), kExitCollectionMismatch);
        return;
      }
      Fatal(absl::StrCat("worker ", worker.id, " could not start (its collection failed; details below)"),
            failed.message());
      return;
    }
  }
  if (plan_.listening && OnRemoteFailed(link, failed)) return;
  link->Close(grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "not a worker of this run"));
}

void RunLoop::OnResults(Worker& worker, const pb::TestResults& results) {
  spdlog::trace("{} -> {} results, {} queued", worker.id, results.results_size(), results.queued());
  for (const pb::TestResult& result : results.results()) {
    const TestIndex index = result.index();
    if (!book_.Release(index, worker.slot)) {
      spdlog::warn("{} reported test #{} which it was not running; ignored", worker.id, index);
      continue;
    }
    std::optional<TestRecord> record = FromProto(result, worker.id);
    if (!record) {
      record = TestRecord{};
      record->outcome = Outcome::kError;
      record->worker = worker.id;
      record->reason = "the worker reported an outcome jackd does not know";
    }
    scheduler_.TestFinished(worker.slot, index);
    Attempted(index, worker.slot, std::move(*record));
  }
  if (results.has_session_exit() && stop_.kind() < StopKind::kSessionExit) {
    // pytest.exit(): pytest ends its session there, with the code asked for. The test that called it
    // has no result (pytest reports none either) and ends not_run with the rest.
    Stop(StopKind::kSessionExit, SessionExitLine(results.session_exit().reason()),
         results.session_exit().returncode());
    return;
  }
  Dispatch(worker);
  DispatchStarving();
}

void RunLoop::Dispatch(Worker& worker) {
  if (!worker.TakesWork() || stop_.stopped()) return;
  scheduler::Assignment assignment = scheduler_.Next(worker.slot);
  if (!assignment.tests.empty()) {
    for (TestIndex index : assignment.tests) book_.Hold(index, worker.slot);
    spdlog::trace("{} <- {} tests (report at {})", worker.id, assignment.tests.size(), assignment.report_at);
    worker.link->Send(RunBatchMessage(assignment, collection_.items));
  }
  // Said as soon as it is true: a worker holding its last test cannot run it until it knows nothing
  // follows.
  if (assignment.finish) {
    worker.MarkFinishing();
    spdlog::trace("{} <- finish", worker.id);
    worker.link->Send(FinishMessage());
  }
}

// Workers held back by a concurrency limit or waiting to run the run-alone tests may proceed once
// others finished tests.
void RunLoop::DispatchStarving() {
  for (scheduler::WorkerId slot : scheduler_.Starving()) {
    if (Worker* worker = workers_.Find(slot)) Dispatch(*worker);
  }
}

void RunLoop::StreamClosed(const std::shared_ptr<WorkerLink>& link) {
  Worker* worker = workers_.FindByLink(link);
  if (worker == nullptr || worker->stream_closed) return;
  worker->stream_closed = true;
  if (worker->exited) {
    Retire(*worker);
    return;
  }
  // The worker closed its side; it exits once pytest's session finishes. Bound the wait.
  worker->timer = clock_.After(kSessionFinishGrace, [this, slot = worker->slot, pid = worker->pid] {
    Worker* lingering = workers_.Find(slot);
    if (lingering == nullptr || lingering->pid != pid || lingering->exited) return;
    spdlog::warn("{} did not exit {}s after closing its stream; killing it", lingering->id,
                 std::chrono::duration_cast<std::chrono::seconds>(kSessionFinishGrace).count());
    lingering->killed_by_us = true;
    launcher_.SignalGroup(pid, SIGKILL);
  });
}

void RunLoop::OnExited(scheduler::WorkerId slot, pid_t pid, ExitStatus status) {
  Worker* found = workers_.Find(slot);
  if (found == nullptr || found->pid != pid) return;
  Worker& worker = *found;
  worker.exited = true;
  worker.exit_status = status;
  spdlog::debug("{} (pid {}) exited: {}", worker.id, worker.pid, status.Describe());
  // Whatever the test left behind in the worker's process group goes with it.
  launcher_.SignalGroup(worker.pid, SIGKILL);
  if (!worker.link || worker.stream_closed) {
    Retire(worker);
    return;
  }
  // Results the worker flushed just before dying may still be in flight on the stream: wait for it to
  // close so they are counted, not blamed on a crash.
  worker.timer = clock_.After(kExitGrace, [this, slot, pid = worker.pid] {
    Worker* silent = workers_.Find(slot);
    if (silent == nullptr || silent->pid != pid || silent->Retired()) return;
    Retire(*silent);
  });
}

void RunLoop::Stop(StopKind kind, const std::string& reason, int exit_code) {
  if (!stop_.Escalate(kind, reason, exit_code)) return;
  MarkNotRun(scheduler_.Cancel(), reason);
  for (auto& [slot, worker] : workers_) {
    if (worker.Retired()) continue;
    if (worker.Connected() && worker.link && !stop_.Kills()) {
      worker.link->Send(StopMessage());
    } else if (worker.remote) {
      worker.link->Close(grpc::Status(grpc::StatusCode::ABORTED, reason));
    } else if (!worker.exited) {
      // Not connected yet (or the run cannot go on): nothing to wait for.
      worker.killed_by_us = true;
      launcher_.SignalGroup(worker.pid, SIGKILL);
    }
  }
  MaybeEnd();
}

void RunLoop::Fatal(const std::string& message, const std::string& details, int exit_code) {
  // The first reason is the one to read; the others are its echoes (every worker timing out, say).
  if (stop_.kind() == StopKind::kFatal) return;
  errors_.push_back({message, details});
  Stop(StopKind::kFatal, "jackd could not go on (see the error below)", exit_code);
}

void RunLoop::Interrupt(int signal) {
  ++interrupts_;
  if (interrupts_ == 1) {
    Stop(StopKind::kInterrupt,
         absl::StrCat("Interrupted: ", signal == SIGTERM ? "SIGTERM" : "KeyboardInterrupt"));
    return;
  }
  // Second interrupt: do not wait for running tests.
  KillAll();
}

void RunLoop::KillAll() {
  for (auto& [slot, worker] : workers_) {
    if (worker.remote && !worker.Retired())
      worker.link->Close(grpc::Status(grpc::StatusCode::ABORTED, "killed"));
    if (!worker.exited && worker.pid > 0) {
      worker.killed_by_us = true;
      launcher_.SignalGroup(worker.pid, SIGKILL);
    }
  }
}

void RunLoop::MaybeEnd() {
  if (ended_) return;
  if (!workers_.AllRetired()) return;
  if (parked_retries_ > 0 && !stop_.stopped()) return;  // a worker starts when the delay is over
  if (WaitForRemoteWorkers()) return;
  // Every worker is gone. Tests still without an outcome were never started.
  const std::vector<TestIndex> missing = book_.Unsettled();
  if (!missing.empty()) {
    if (!stop_.stopped()) {
      spdlog::error("{} tests had no outcome when the last worker exited", missing.size());
      notes_.push_back(absl::StrCat(missing.size(), " tests were never run: every worker exited"));
    }
    MarkNotRun(missing, stop_.reason().empty() ? "no worker was left to run it" : stop_.reason());
  }
  ended_ = true;
  watchdog_.Stop();
  ticker_.reset();
  activity_timer_.reset();
  remote_wait_.reset();
  io_.stop();
}

RunResult RunLoop::TakeResult() {
  RunResult result;
  // MaybeEnd guarantees an outcome for every test (TakeRecords aborts otherwise).
  result.records = book_.TakeRecords();
  bool failed = false;
  for (const TestRecord& record : result.records) {
    // pytest counts every failed report: a failed subtest fails the run even where its test passed.
    failed = failed || IsFailure(record.outcome) || record.FailedSubtests() > 0;
  }
  // --continue-on-collection-errors: the errors still fail the run, as in pytest.
  failed = failed || !collection_.errors.empty();
  if (plan_.fail_on_flaky || plan_.detect_flaky > 1) {
    failed = failed || std::any_of(result.records.begin(), result.records.end(),
                                   [](const TestRecord& r) { return r.outcome == Outcome::kFlaky; });
  }
  result.stop_reason = stop_.reason();
  result.stepwise_skipped = stepwise_skipped_;
  result.notes = notes_;
  result.errors = errors_;
  result.exit_code = stop_.ExitCode(failed);
  result.session_exit = stop_.kind() == StopKind::kSessionExit;
  return result;
}

}  // namespace jackd
