// The run loop receives one run's events and dispatches them to the parts that keep the rules: the
// scheduler (who runs what next), the worker table (each worker's state), the outcome book (exactly one
// outcome per test), the watchdog (timeouts), remote admission (who may join) and the run's stop (which
// reason wins). It lives on one io_context thread; gRPC reactors, the child reaper, timers and signal
// handlers reach it only through events posted there, so nothing here is locked. Side effects go through
// its seams, WorkerLauncher and Clock, so engine/run_loop_test.cc drives it without processes.
#pragma once

#include <asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/outcome_book.h"
#include "engine/process.h"
#include "engine/remote_admission.h"
#include "engine/reporter.h"
#include "engine/run_model.h"
#include "engine/run_plan.h"
#include "engine/run_stop.h"
#include "engine/watchdog.h"
#include "engine/worker_launcher.h"
#include "engine/worker_service.h"
#include "engine/worker_table.h"
#include "scheduler/scheduler.h"

namespace jackd {

class RunLoop final : public WorkerEvents {
 public:
  // Workers start, are signalled and watched through `launcher`; every deadline is on `clock`. Both
  // must outlive the loop. The run ends with io.stop().
  RunLoop(asio::io_context& io, WorkerLauncher& launcher, Clock& clock, RunPlan plan,
          const Collection& collection, scheduler::WorkPlan work, Reporter& reporter,
          const RunContext& context);
  ~RunLoop() override;

  // Spawns the workers. The run ends (io.stop()) once every test has an outcome and every worker exited.
  void Start();

  // SIGINT/SIGTERM: the first stops dispatch and lets running tests finish; the second kills workers.
  void Interrupt(int signal);

  // SIGUSR1 (or 't' on a terminal): tells the reporters what every worker is running, for how long, and
  // where its main thread is (the shim's faulthandler prints its stacks on SIGUSR1).
  void ShowActivity();

  // Some remote worker has passed its checks and joined the run (--listen).
  bool RemoteWorkerJoined() const { return remote_joined_; }

  // Called once, on the loop's thread, as soon as every test has its final outcome (usually while the
  // workers still exit), with the outcomes by TestIndex (every one set): what needs only those can start
  // then. Valid during the call only.
  void OnOutcomesFinal(std::function<void(const std::vector<TestRecord>&)> callback) {
    outcomes_final_ = std::move(callback);
  }

  // Valid after the io_context stopped.
  RunResult TakeResult();

  void MessageReceived(const std::shared_ptr<WorkerLink>& link, pb::WorkerMessage message) override;
  void StreamClosed(const std::shared_ptr<WorkerLink>& link) override;
  void JoinRequested(const pb::JoinRequest& request, const std::string& peer, JoinAnswer answer) override;

 private:
  void SpawnWorker(scheduler::WorkerId slot);
  void OnReady(const std::shared_ptr<WorkerLink>& link, const pb::WorkerReady& ready);
  void OnWorkerFailed(const std::shared_ptr<WorkerLink>& link, const pb::WorkerFailed& failed);
  void OnResults(Worker& worker, const pb::TestResults& results);
  void OnExited(scheduler::WorkerId slot, pid_t pid, ExitStatus status);
  void Dispatch(Worker& worker);
  void DispatchStarving();
  // The end of a worker (run_loop_worker_end.cc): both its process and its stream are gone; settle its
  // unfinished tests, maybe replace it.
  void Retire(Worker& worker);
  void SettleSessionTimeout(Worker& worker, std::vector<TestIndex>& unfinished);
  void SettleCrash(Worker& worker, std::vector<TestIndex>& unfinished);
  void RecordCrash(Worker& worker, TestIndex index, const RunningTest& running);
  // Whether a replacement started for a crashed worker (which invalidates `worker`).
  bool Replace(Worker& worker);
  std::string StderrTail(const Worker& worker) const;
  // Remote workers (run_loop_remote.cc): a WorkerReady or WorkerFailed no local worker claims; the end
  // of a remote worker's stream; and, once every worker is gone, the wait for another to join.
  void OnRemoteReady(const std::shared_ptr<WorkerLink>& link, const pb::WorkerReady& ready);
  bool OnRemoteFailed(const std::shared_ptr<WorkerLink>& link, const pb::WorkerFailed& failed);
  void RetireRemote(Worker& worker);
  bool WaitForRemoteWorkers();
  scheduler::WorkerId NextFreeSlot() const;
  // Outcomes (run_loop_attempts.cc). One attempt of a test ended: decides whether it runs again
  // (reruns, --detect-flaky) or is final.
  void Attempted(TestIndex index, scheduler::WorkerId slot, TestRecord record);
  void ScheduleRetry(TestIndex index, scheduler::WorkerId slot, double delay);
  // Starts one more worker when a retry is queued and no live worker will take work any more.
  void EnsureWorkerForRetry();
  // The final outcome of a test; then the stops it triggers (--maxfail, --sw).
  void Record(TestIndex index, TestRecord record);
  void CountFailures(TestIndex index, const TestRecord& record);
  void MarkNotRun(const std::vector<TestIndex>& tests, const std::string& reason);
  // `exit_code`: a kFatal or kSessionExit stop's (RunStop::Escalate).
  void Stop(StopKind kind, const std::string& reason, int exit_code = 0);
  void Fatal(const std::string& message, const std::string& details = "", int exit_code = 3);
  // The watchdog's findings (run_loop_timeouts.cc).
  void CheckTimeouts();
  void TimedOut(Worker& worker, TestIndex index, double limit);
  void KillAll();
  // The live view (run_loop_live.cc).
  void ArmTicker();
  std::vector<WorkerActivity> Activity() const;
  void PassOutputOn(Worker& worker, bool exited);
  void ReportActivity(std::map<scheduler::WorkerId, std::uint64_t> stderr_offsets);
  void MaybeEnd();

  asio::io_context& io_;
  WorkerLauncher& launcher_;
  Clock& clock_;
  RunPlan plan_;
  const Collection& collection_;
  Reporter& reporter_;
  const RunContext& context_;
  scheduler::Scheduler scheduler_;
  WorkerTable workers_;
  OutcomeBook book_;
  Watchdog watchdog_;
  RemoteAdmission admission_;
  RunStop stop_;
  int parked_retries_ = 0;  // retries waiting out --reruns-delay
  std::vector<std::unique_ptr<Timer>> retry_timers_;
  std::function<void(const std::vector<TestRecord>&)> outcomes_final_;
  std::uint32_t failures_ = 0;
  std::optional<TestIndex> stepwise_skipped_;  // --sw-skip: the failure that did not stop the run
  int restarts_ = 0;
  int interrupts_ = 0;
  std::vector<std::string> notes_;
  std::vector<RunResult::Error> errors_;
  std::unique_ptr<Timer> ticker_;
  std::unique_ptr<Timer> activity_timer_;  // set while a ShowActivity waits for stacks
  bool ended_ = false;
  bool remote_joined_ = false;          // some remote worker was ready at some point
  std::unique_ptr<Timer> remote_wait_;  // no worker left: how long one may take to join
};

}  // namespace jackd
