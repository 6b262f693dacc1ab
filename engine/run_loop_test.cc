// The run loop's rules, driven by scripted worker events: a fake launcher (no processes), fake links
// that record what the loop says, and a clock moved by hand. The e2e tests prove the real thing again.
#include "engine/run_loop.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/exit_code.h"
#include "engine/fake_clock.h"
#include "engine/version.h"
#include "engine/worker_launch.h"

namespace jackd {
namespace {

using namespace std::chrono_literals;
using scheduler::WorkerId;

// Workers as pids that exist only here; each exit is reported when the test says so.
class FakeLauncher final : public WorkerLauncher {
 public:
  pid_t Start(const RunPlan&, const SpawnRequest& request) override {
    const pid_t pid = next_pid_++;
    for (const std::string& variable : request.env) {
      if (variable.starts_with("JACKD_WORKER_ID=")) pids[variable.substr(16)] = pid;
    }
    ++started;
    return pid;
  }
  void Watch(pid_t pid, ChildReaper::OnExit on_exit) override { watched_[pid] = std::move(on_exit); }
  void SignalGroup(pid_t pid, int signal) override { group_signals.push_back({pid, signal}); }
  void Signal(pid_t pid, int signal) override { signals.push_back({pid, signal}); }
  void CreateStatusSlot(const std::string& path) override { slots.erase(path); }
  std::optional<RunningTest> ReadStatusSlot(const std::string& path) override {
    auto it = slots.find(path);
    if (it == slots.end()) return std::nullopt;
    return it->second;
  }

  void Exit(pid_t pid, ExitStatus status) {
    auto watched = watched_.extract(pid);
    ASSERT_FALSE(watched.empty()) << "pid " << pid << " is not watched";
    watched.mapped()(status);
  }
  bool Killed(pid_t pid) const {
    return std::find(group_signals.begin(), group_signals.end(), std::pair(pid, SIGKILL)) !=
           group_signals.end();
  }

  std::map<std::string, pid_t> pids;         // by worker id: the latest process under that id
  std::map<std::string, RunningTest> slots;  // by status slot path: what the worker runs now
  std::vector<std::pair<pid_t, int>> group_signals;
  std::vector<std::pair<pid_t, int>> signals;
  int started = 0;

 private:
  pid_t next_pid_ = 100;
  std::map<pid_t, ChildReaper::OnExit> watched_;
};

// Keeps what the loop sends instead of writing it to a stream.
class FakeLink final : public WorkerLink {
 public:
  FakeLink() : WorkerLink(0) {}
  void Send(pb::EngineMessage message) override {
    if (message.has_run()) {
      for (const pb::TestRef& ref : message.run().tests()) queue.push_back(ref.index());
    }
    finished = finished || message.has_finish();
    stopped = stopped || message.has_stop();
  }
  void Close(grpc::Status) override { closed = true; }

  std::deque<TestIndex> queue;  // sent to run, not reported yet
  bool finished = false;
  bool stopped = false;
  bool closed = false;
};

class RecordingReporter final : public Reporter {
 public:
  void TestFinished(const RunContext&, TestIndex index, const TestRecord& record) override {
    ++finished[index];
    last[index] = record;
  }
  void AttemptFinished(const RunContext&, TestIndex index, const TestRecord&) override { ++attempts[index]; }

  std::map<TestIndex, int> finished;
  std::map<TestIndex, int> attempts;
  std::map<TestIndex, TestRecord> last;
};

class RunLoopTest : public ::testing::Test {
 protected:
  void SetUpRun(int tests, int workers) {
    for (int i = 0; i < tests; ++i) {
      scheduler::TestItem& item = collection_.items.emplace_back();
      item.node_id = "test_a.py::test_" + std::to_string(i);
      item.file = "test_a.py";
    }
    collection_.timeouts.assign(tests, 0);
    collection_.flaky.assign(tests, std::nullopt);
    collection_.digest = "digest";
    plan_.workers = workers;
    plan_.run_directory = "/nonexistent/jackd-run-loop-test";
    plan_.token = "token";
    plan_.worker_start_timeout = 60s;
    context_.collection = &collection_;
  }

  scheduler::WorkPlan Plan() const {
    return scheduler::PlanWork(collection_.items, scheduler::Policy{},
                               static_cast<std::uint32_t>(plan_.workers));
  }

  void Start() { Start(Plan()); }

  void Start(scheduler::WorkPlan work) {
    loop_ = std::make_unique<RunLoop>(io_, launcher_, clock_, plan_, collection_, std::move(work), reporter_,
                                      context_);
    loop_->Start();
  }

  // The worker `id` connects and says it is ready; returns its link.
  std::shared_ptr<FakeLink> Connect(const std::string& id) {
    auto link = std::make_shared<FakeLink>();
    pb::WorkerMessage message;
    pb::WorkerReady& ready = *message.mutable_ready();
    ready.set_protocol_version(kProtocolVersion);
    ready.set_worker_id(id);
    ready.set_token(plan_.token);
    ready.set_pid(static_cast<std::uint32_t>(launcher_.pids.at(id)));
    ready.set_digest(collection_.digest);
    loop_->MessageReceived(link, std::move(message));
    links_[id] = link;
    return link;
  }

  // The worker `id` reports the next test of its queue with `outcome`.
  TestIndex Report(const std::string& id, Outcome outcome) {
    FakeLink& link = *links_.at(id);
    EXPECT_FALSE(link.queue.empty()) << id << " has nothing to report";
    const TestIndex index = link.queue.front();
    link.queue.pop_front();
    ReportIndex(id, index, outcome);
    return index;
  }

  void ReportIndex(const std::string& id, TestIndex index, Outcome outcome) {
    pb::WorkerMessage message;
    pb::TestResult& result = *message.mutable_results()->add_results();
    result.set_index(index);
    result.set_outcome(outcome == Outcome::kPassed ? pb::OUTCOME_PASSED : pb::OUTCOME_FAILED);
    loop_->MessageReceived(links_.at(id), std::move(message));
  }

  // The worker `id` is running its next test now (its status slot says so).
  TestIndex Running(const std::string& id) {
    const TestIndex index = links_.at(id)->queue.front();
    launcher_.slots[FilesOf(plan_.run_directory, SlotOf(id)).status_path] = {index, clock_.Nanos()};
    return index;
  }

  // Every queued test of `id` passes; after Finish it closes its stream and exits.
  void RunOut(const std::string& id) {
    while (!links_.at(id)->queue.empty()) Report(id, Outcome::kPassed);
    if (links_.at(id)->finished || links_.at(id)->stopped) End(id, {.exit_code = 0, .signal = 0});
  }

  // The worker's stream closes and its process exits with `status`.
  void End(const std::string& id, ExitStatus status) {
    loop_->StreamClosed(links_.at(id));
    launcher_.Exit(launcher_.pids.at(id), status);
  }

  // Its process dies by `signal`; the stream closes after.
  void Crash(const std::string& id, int signal) {
    launcher_.Exit(launcher_.pids.at(id), {.exit_code = -1, .signal = signal});
    loop_->StreamClosed(links_.at(id));
  }

  static WorkerId SlotOf(const std::string& id) { return static_cast<WorkerId>(std::stoi(id.substr(2))); }

  void ExpectExactlyOneOutcomeEach() {
    for (TestIndex i = 0; i < collection_.items.size(); ++i) {
      EXPECT_EQ(reporter_.finished[i], 1) << "test " << i;
    }
  }

  Outcome OutcomeOf(TestIndex index) { return reporter_.last.at(index).outcome; }

  asio::io_context io_;
  FakeLauncher launcher_;
  FakeClock clock_;
  Collection collection_;
  RunPlan plan_;
  RunContext context_;
  RecordingReporter reporter_;
  std::unique_ptr<RunLoop> loop_;
  std::map<std::string, std::shared_ptr<FakeLink>> links_;
};

TEST_F(RunLoopTest, EveryTestEndsOnceWhenAllPass) {
  SetUpRun(6, 2);
  Start();
  Connect("gw0");
  Connect("gw1");
  for (int round = 0; round < 10 && !io_.stopped(); ++round) {
    RunOut("gw0");
    RunOut("gw1");
  }
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(loop_->TakeResult().exit_code, kExitOk);
}

TEST_F(RunLoopTest, CrashBlamesTheRunningTestAndRequeuesTheRest) {
  SetUpRun(8, 1);
  Start();
  Connect("gw0");
  ASSERT_GE(links_["gw0"]->queue.size(), 2u);
  const TestIndex running = Running("gw0");
  const pid_t first = launcher_.pids["gw0"];
  Crash("gw0", SIGSEGV);
  EXPECT_TRUE(launcher_.Killed(first));  // what the test left in its process group goes with it
  EXPECT_EQ(OutcomeOf(running), Outcome::kCrashed);
  EXPECT_NE(reporter_.last[running].reason.find("worker gw0 crashed while running this test (signal 11"),
            std::string::npos)
      << reporter_.last[running].reason;
  // A replacement under the same id runs the rest of the batch.
  ASSERT_EQ(launcher_.started, 2);
  Connect("gw0");
  RunOut("gw0");
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  for (TestIndex i = 0; i < 8; ++i) {
    if (i != running) {
      EXPECT_EQ(OutcomeOf(i), Outcome::kPassed) << i;
    }
  }
  EXPECT_EQ(loop_->TakeResult().exit_code, kExitTestsFailed);
}

TEST_F(RunLoopTest, RetryCrashedRunsTheCrashingTestAgain) {
  SetUpRun(2, 1);
  plan_.retry_crashed = 1;
  Start();
  Connect("gw0");
  const TestIndex running = Running("gw0");
  Crash("gw0", SIGKILL);
  EXPECT_EQ(reporter_.finished[running], 0);
  Connect("gw0");
  RunOut("gw0");
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(OutcomeOf(running), Outcome::kPassed);
}

TEST_F(RunLoopTest, RerunOfAFailureThatPassesIsFlaky) {
  SetUpRun(8, 1);
  plan_.reruns = 2;
  Start();
  Connect("gw0");
  const TestIndex failed = Report("gw0", Outcome::kFailed);
  EXPECT_EQ(reporter_.finished[failed], 0);
  RunOut("gw0");  // the rerun passes
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(reporter_.attempts[failed], 1);
  EXPECT_EQ(OutcomeOf(failed), Outcome::kFlaky);
  EXPECT_EQ(reporter_.last[failed].attempts.size(), 1u);
}

TEST_F(RunLoopTest, RerunsEndAtTheirLimit) {
  SetUpRun(8, 1);
  plan_.reruns = 2;
  Start();
  Connect("gw0");
  const TestIndex failing = links_["gw0"]->queue.front();
  while (!links_["gw0"]->queue.empty()) {
    const TestIndex next = links_["gw0"]->queue.front();
    Report("gw0", next == failing ? Outcome::kFailed : Outcome::kPassed);
  }
  End("gw0", {.exit_code = 1, .signal = 0});
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(reporter_.attempts[failing], 2);
  EXPECT_EQ(OutcomeOf(failing), Outcome::kFailed);
  EXPECT_EQ(reporter_.last[failing].attempts.size(), 2u);
}

TEST_F(RunLoopTest, ASecondReportOfATestIsIgnored) {
  SetUpRun(1, 1);
  Start();
  Connect("gw0");
  Report("gw0", Outcome::kPassed);
  ReportIndex("gw0", 0, Outcome::kFailed);
  RunOut("gw0");
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(OutcomeOf(0), Outcome::kPassed);
}

TEST_F(RunLoopTest, MaxfailStopsDispatchAndLetsRunningTestsFinish) {
  SetUpRun(40, 2);
  collection_.settings.maxfail = 1;  // -x
  Start();
  Connect("gw0");
  Connect("gw1");
  const TestIndex other = Running("gw1");
  const TestIndex failed = Report("gw0", Outcome::kFailed);
  EXPECT_EQ(reporter_.finished[39], 1);  // never handed out: not run at once, not when the run ends
  EXPECT_TRUE(links_["gw0"]->stopped);
  EXPECT_TRUE(links_["gw1"]->stopped);
  EXPECT_FALSE(launcher_.Killed(launcher_.pids["gw1"]));
  Report("gw1", Outcome::kPassed);  // gw1 had started `other`; it ends as it ran
  End("gw0", {.exit_code = 1, .signal = 0});
  End("gw1", {.exit_code = 0, .signal = 0});
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(OutcomeOf(failed), Outcome::kFailed);
  EXPECT_EQ(OutcomeOf(other), Outcome::kPassed);
  std::size_t not_run = 0;
  for (const auto& [index, record] : reporter_.last) {
    if (record.outcome == Outcome::kNotRun) {
      ++not_run;
      EXPECT_EQ(record.reason, "stopping after 1 failures");
    }
  }
  EXPECT_EQ(not_run, 38u);
  RunResult result = loop_->TakeResult();
  EXPECT_EQ(result.exit_code, kExitTestsFailed);
  EXPECT_EQ(result.stop_reason, "stopping after 1 failures");
}

TEST_F(RunLoopTest, FirstInterruptStopsDispatchWithoutKilling) {
  SetUpRun(40, 2);
  Start();
  Connect("gw0");
  Connect("gw1");
  const TestIndex running = Running("gw0");
  loop_->Interrupt(SIGINT);
  EXPECT_TRUE(links_["gw0"]->stopped);
  EXPECT_TRUE(launcher_.group_signals.empty());
  Report("gw0", Outcome::kPassed);
  End("gw0", {.exit_code = 2, .signal = 0});
  End("gw1", {.exit_code = 2, .signal = 0});
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(OutcomeOf(running), Outcome::kPassed);
  EXPECT_EQ(reporter_.last[39].reason, "Interrupted: KeyboardInterrupt");
  EXPECT_EQ(loop_->TakeResult().exit_code, kExitInterrupted);
}

TEST_F(RunLoopTest, SecondInterruptKillsTheWorkers) {
  SetUpRun(40, 2);
  Start();
  Connect("gw0");
  Connect("gw1");
  const TestIndex running = Running("gw0");
  loop_->Interrupt(SIGINT);
  loop_->Interrupt(SIGINT);
  EXPECT_TRUE(launcher_.Killed(launcher_.pids["gw0"]));
  EXPECT_TRUE(launcher_.Killed(launcher_.pids["gw1"]));
  Crash("gw0", SIGKILL);
  Crash("gw1", SIGKILL);
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  // Killed on the user's word: not a crash of the test.
  EXPECT_EQ(OutcomeOf(running), Outcome::kNotRun);
  EXPECT_EQ(loop_->TakeResult().exit_code, kExitInterrupted);
}

TEST_F(RunLoopTest, SessionTimeoutTimesOutRunningTestsAndKills) {
  SetUpRun(40, 2);
  plan_.session_timeout = 5;
  Start();
  Connect("gw0");
  Connect("gw1");
  const TestIndex running = Running("gw0");
  clock_.Advance(4900ms);
  EXPECT_TRUE(launcher_.group_signals.empty());
  clock_.Advance(100ms);
  EXPECT_TRUE(launcher_.Killed(launcher_.pids["gw0"]));
  EXPECT_TRUE(launcher_.Killed(launcher_.pids["gw1"]));
  Crash("gw0", SIGKILL);
  Crash("gw1", SIGKILL);
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(OutcomeOf(running), Outcome::kTimeout);
  EXPECT_EQ(reporter_.last[running].reason, "session timeout (5s) expired");
  EXPECT_EQ(OutcomeOf(39), Outcome::kNotRun);
  EXPECT_EQ(loop_->TakeResult().exit_code, kExitInterrupted);
}

TEST_F(RunLoopTest, PerTestTimeoutAsksForStacksThenKills) {
  SetUpRun(3, 1);
  plan_.timeout = 2;
  Start();
  Connect("gw0");
  const TestIndex running = Running("gw0");
  const pid_t pid = launcher_.pids["gw0"];
  clock_.Advance(1900ms);
  EXPECT_TRUE(launcher_.signals.empty());
  clock_.Advance(200ms);
  ASSERT_EQ(launcher_.signals.size(), 1u);
  EXPECT_EQ(launcher_.signals[0], std::pair(pid, SIGUSR1));
  EXPECT_FALSE(launcher_.Killed(pid));
  clock_.Advance(1s);  // the stacks' grace
  EXPECT_TRUE(launcher_.Killed(pid));
  Crash("gw0", SIGKILL);
  EXPECT_EQ(OutcomeOf(running), Outcome::kTimeout);
  EXPECT_NE(reporter_.last[running].reason.find("Timeout (>2s)"), std::string::npos);
  Connect("gw0");
  RunOut("gw0");
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
}

TEST_F(RunLoopTest, AMoreSevereStopOverridesAnEarlierOne) {
  SetUpRun(40, 2);
  collection_.settings.maxfail = 1;
  plan_.session_timeout = 30;
  Start();
  Connect("gw0");
  Connect("gw1");
  const TestIndex running = Running("gw1");
  Report("gw0", Outcome::kFailed);  // -x: gw1 may finish its test...
  clock_.Advance(30s);              // ...but the session timeout comes first and kills it
  EXPECT_TRUE(launcher_.Killed(launcher_.pids["gw1"]));
  Crash("gw1", SIGKILL);
  End("gw0", {.exit_code = 1, .signal = 0});
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(OutcomeOf(running), Outcome::kTimeout);
  RunResult result = loop_->TakeResult();
  EXPECT_EQ(result.stop_reason, "session timeout (30s) expired");
  EXPECT_EQ(result.exit_code, kExitInterrupted);
}

TEST_F(RunLoopTest, ALessSevereStopKeepsTheEarlierOne) {
  SetUpRun(40, 2);
  Start();
  Connect("gw0");
  launcher_.Exit(launcher_.pids["gw1"], {.exit_code = 4, .signal = 0});  // fatal: pytest cannot start
  loop_->Interrupt(SIGINT);  // an interrupt after it changes nothing
  Crash("gw0", SIGKILL);
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  RunResult result = loop_->TakeResult();
  EXPECT_EQ(result.stop_reason, "jackd could not go on (see the error below)");
  EXPECT_EQ(result.exit_code, kExitInternalError);
}

TEST_F(RunLoopTest, RestartBudgetSpentLeavesTheRestNotRun) {
  SetUpRun(10, 1);
  plan_.max_worker_restarts = 1;
  Start();
  Connect("gw0");
  Running("gw0");
  Crash("gw0", SIGSEGV);
  Connect("gw0");
  Running("gw0");
  Crash("gw0", SIGSEGV);
  EXPECT_EQ(launcher_.started, 2);
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(OutcomeOf(9), Outcome::kNotRun);
  EXPECT_EQ(loop_->TakeResult().stop_reason, "the worker restart budget (1, --max-worker-restart) is spent");
}

TEST_F(RunLoopTest, WorkerDyingBeforeItIsReadyIsFatal) {
  SetUpRun(3, 1);
  Start();
  launcher_.Exit(launcher_.pids["gw0"], {.exit_code = 4, .signal = 0});
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  RunResult result = loop_->TakeResult();
  EXPECT_EQ(result.exit_code, kExitInternalError);
  ASSERT_EQ(result.errors.size(), 1u);
  EXPECT_NE(result.errors[0].message.find("before it was ready"), std::string::npos);
}

TEST_F(RunLoopTest, DetectFlakyCopyDroppedByAStopWaitsForTheCopyStillRunning) {
  SetUpRun(2, 2);
  plan_.detect_flaky = 2;
  Start(scheduler::RepeatPlan(Plan(), 2));
  Connect("gw0");
  Connect("gw1");
  // Each worker holds a copy of test 0, gw0's first.
  auto holds = [&](const std::string& id) {
    const std::deque<TestIndex>& queue = links_[id]->queue;
    return std::find(queue.begin(), queue.end(), 0u) != queue.end();
  };
  ASSERT_TRUE(holds("gw0") && holds("gw1"));
  ASSERT_EQ(Running("gw0"), 0u);
  loop_->Interrupt(SIGINT);
  // gw1 drops its tests unstarted and leaves while gw0's copy still runs: that one decides.
  links_["gw1"]->queue.clear();
  End("gw1", {.exit_code = 2, .signal = 0});
  EXPECT_EQ(reporter_.finished[0], 0);
  Report("gw0", Outcome::kPassed);
  links_["gw0"]->queue.clear();
  End("gw0", {.exit_code = 2, .signal = 0});
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  EXPECT_EQ(OutcomeOf(0), Outcome::kPassed);
  EXPECT_EQ(OutcomeOf(1), Outcome::kNotRun);
}

TEST_F(RunLoopTest, ACrashThatReachesMaxfailLeavesTheRestOfItsBatchNotRun) {
  SetUpRun(8, 1);
  collection_.settings.maxfail = 1;
  Start();
  Connect("gw0");
  ASSERT_GE(links_["gw0"]->queue.size(), 2u);
  const TestIndex running = Running("gw0");
  Crash("gw0", SIGSEGV);
  ASSERT_TRUE(io_.stopped());
  ExpectExactlyOneOutcomeEach();
  if (HasFailure()) return;  // TakeResult aborts on a test without an outcome
  EXPECT_EQ(OutcomeOf(running), Outcome::kCrashed);
  for (TestIndex i = 0; i < 8; ++i) {
    if (i != running) {
      EXPECT_EQ(OutcomeOf(i), Outcome::kNotRun) << i;
    }
  }
  EXPECT_EQ(launcher_.started, 1);  // no replacement after the stop
  EXPECT_EQ(loop_->TakeResult().exit_code, kExitTestsFailed);
}

}  // namespace
}  // namespace jackd
