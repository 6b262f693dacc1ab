// The run loop owns one run's state: the scheduler, the worker table and every test's outcome. It lives
// on one io_context thread; gRPC reactors, the child reaper, timers and signal handlers reach it only
// through events posted there, so nothing here is locked.
#pragma once

#include <asio/io_context.hpp>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/clock.h"
#include "engine/output_tail.h"
#include "engine/process.h"
#include "engine/reporter.h"
#include "engine/run_model.h"
#include "engine/run_plan.h"
#include "engine/worker_launcher.h"
#include "engine/worker_service.h"
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
  struct Worker {
    std::string id;  // "gw0"; a replacement keeps the id of the worker it replaces
    scheduler::WorkerId slot = 0;
    pid_t pid = -1;
    std::shared_ptr<WorkerLink> link;
    bool ready = false;
    bool finish_sent = false;
    bool stream_closed = false;
    bool exited = false;
    bool retired = false;
    bool killed_by_us = false;
    // A worker of a `jackd worker` host: no process, status slot or files here; it lives as long as its
    // stream (`exited` is set from the start), and is never replaced.
    bool remote = false;
    bool collects_on_demand = false;  // of a split collection: collected a share or nothing up front
    ExitStatus exit_status;
    std::string stderr_path;
    std::string status_path;
    std::unique_ptr<Timer> timer;                  // connect deadline, then exit/close grace
    std::optional<TestIndex> timed_out;            // the test the watchdog killed this worker for
    std::optional<std::size_t> stack_dump_offset;  // where in its stderr the timeout's stack dump starts
    std::unique_ptr<Timer> kill_timer;
    OutputTail stdout_tail;  // read only when the plan streams output
    OutputTail stderr_tail;
  };

  // Why dispatch stopped, by severity: a later, more severe reason overrides an earlier one.
  // kSessionTimeout and kFatal kill running workers; the others let running tests finish.
  // kStepwise: --sw stopped at a failure (pytest's -x/--maxfail wins when both stop at the same one).
  // kSessionExit: pytest.exit() in a worker, which ends pytest's session with the code it asked for.
  enum class StopKind {
    kNone,
    kMaxfail,
    kStepwise,
    kExhausted,
    kSessionExit,
    kInterrupt,
    kSessionTimeout,
    kFatal
  };

  void SpawnWorker(scheduler::WorkerId slot);
  Worker* FindByLink(const std::shared_ptr<WorkerLink>& link);
  void OnReady(const std::shared_ptr<WorkerLink>& link, const pb::WorkerReady& ready);
  void OnWorkerFailed(const std::shared_ptr<WorkerLink>& link, const pb::WorkerFailed& failed);
  void OnResults(Worker& worker, const pb::TestResults& results);
  void OnExited(scheduler::WorkerId slot, pid_t pid, ExitStatus status);
  void Dispatch(Worker& worker);
  void DispatchStarving();
  // Both the process and its stream are gone: settle its unfinished tests, maybe replace it.
  void Retire(Worker& worker);
  // Remote workers (run_loop_remote.cc): a WorkerReady or WorkerFailed no local worker claims; the end
  // of a remote worker's stream; and, once every worker is gone, the wait for another to join.
  void OnRemoteReady(const std::shared_ptr<WorkerLink>& link, const pb::WorkerReady& ready);
  bool OnRemoteFailed(const std::shared_ptr<WorkerLink>& link, const pb::WorkerFailed& failed);
  void RetireRemote(Worker& worker);
  bool WaitForRemoteWorkers();
  scheduler::WorkerId NextFreeSlot() const;
  // One attempt of a test ended: decides whether it runs again (reruns, --detect-flaky) or is final.
  void Attempted(TestIndex index, scheduler::WorkerId slot, TestRecord record);
  void ScheduleRetry(TestIndex index, scheduler::WorkerId slot, double delay);
  // Starts one more worker when a retry is queued and no live worker will take work any more.
  void EnsureWorkerForRetry();
  // The final outcome of a test. A not-run record for a test with earlier attempts settles it from them.
  void Record(TestIndex index, TestRecord record);
  TestRecord Settled(TestIndex index, TestRecord last);
  // Takes one copy of `index` off `slot`'s holdings; false if it held none.
  bool Release(TestIndex index, scheduler::WorkerId slot);
  void MarkNotRun(const std::vector<TestIndex>& tests, const std::string& reason);
  void Stop(StopKind kind, const std::string& reason);
  void Fatal(const std::string& message, const std::string& details = "", int exit_code = 3);
  void ArmWatchdog();
  void CheckTimeouts();
  void TimedOut(Worker& worker, TestIndex index, double limit);
  double TimeoutOf(TestIndex index) const;
  void KillAll();
  // The live view (run_loop_live.cc).
  void ArmTicker();
  std::vector<WorkerActivity> Activity() const;
  void PassOutputOn(Worker& worker, bool exited);
  void ReportActivity(std::map<scheduler::WorkerId, std::uint64_t> stderr_offsets);
  void MaybeEnd();
  std::string StderrTail(const Worker& worker) const;

  asio::io_context& io_;
  WorkerLauncher& launcher_;
  Clock& clock_;
  RunPlan plan_;
  const Collection& collection_;
  Reporter& reporter_;
  const RunContext& context_;
  scheduler::Scheduler scheduler_;
  std::map<scheduler::WorkerId, Worker> workers_;
  // Which workers hold each in-flight test (a test is held more than once under --detect-flaky); guards
  // against results a worker had no business sending.
  std::vector<std::vector<scheduler::WorkerId>> holders_;
  std::vector<std::vector<TestRecord>> attempts_;  // by TestIndex: attempts before the current one
  int parked_retries_ = 0;                         // retries waiting out --reruns-delay
  std::vector<std::unique_ptr<Timer>> retry_timers_;
  // By TestIndex; settled_ says which hold an outcome. Not optional<TestRecord>: TakeResult hands the
  // vector over whole, where a second array of 100,000 records was the engine's peak memory.
  std::vector<TestRecord> records_;
  std::vector<bool> settled_;
  std::size_t recorded_ = 0;
  std::function<void(const std::vector<TestRecord>&)> outcomes_final_;
  std::uint32_t failures_ = 0;
  std::optional<TestIndex> stepwise_skipped_;  // --sw-skip: the failure that did not stop the run
  int restarts_ = 0;
  int interrupts_ = 0;
  StopKind stop_ = StopKind::kNone;
  std::string stop_reason_;
  std::vector<std::string> notes_;
  std::vector<RunResult::Error> errors_;
  std::vector<int> crashes_;  // by TestIndex: how often the test crashed its worker
  std::unique_ptr<Timer> watchdog_;
  std::unique_ptr<Timer> session_timer_;
  std::unique_ptr<Timer> ticker_;
  std::unique_ptr<Timer> activity_timer_;  // set while a ShowActivity waits for stacks
  int fatal_exit_code_ = 3;
  int session_exit_code_ = 2;  // the code pytest.exit() asked for (kSessionExit)
  bool ended_ = false;
  std::map<std::string, scheduler::WorkerId> reserved_;  // remote worker ids handed out by Join, unused yet
  bool remote_joined_ = false;                           // some remote worker was ready at some point
  std::unique_ptr<Timer> remote_wait_;                   // no worker left: how long one may take to join
};

}  // namespace jackd
