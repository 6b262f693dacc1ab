#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "scheduler/distribution.h"

namespace jackd::scheduler {
namespace {

Policy PolicyFor(DistMode mode) {
  Policy policy;
  policy.mode = mode;
  return policy;
}

Inventory Trivial(std::size_t n, std::size_t per_file = 10) {
  Inventory inventory;
  for (std::size_t i = 0; i < n; ++i) {
    TestItem item;
    item.file = "t" + std::to_string(i / per_file) + ".py";
    item.node_id = item.file + "::test_" + std::to_string(i);
    inventory.push_back(item);
  }
  return inventory;
}

WorkPlan Plan(const Inventory& inventory, DistMode mode = DistMode::kLoad, std::uint32_t workers = 2) {
  return PlanWork(inventory, PolicyFor(mode), workers);
}

// Plays the engine and the workers: round-robin, each worker runs the front of its queue (only when it
// knows the next test or was told to finish), reports, and asks again. Returns each worker's run order;
// `on_run` sees every test start with the set of workers running at that moment.
struct Simulation {
  std::map<WorkerId, std::vector<TestIndex>> ran;
  std::vector<std::pair<TestIndex, std::set<WorkerId>>> starts;
  std::size_t steps = 0;
};

Simulation Simulate(Scheduler& scheduler, const std::vector<WorkerId>& workers) {
  Simulation sim;
  std::map<WorkerId, std::deque<TestIndex>> queues;
  std::map<WorkerId, bool> finished;
  for (WorkerId w : workers) scheduler.AddWorker(w);
  auto ask = [&](WorkerId w) {
    Assignment a = scheduler.Next(w);
    EXPECT_GE(a.report_at, 1u);
    for (TestIndex t : a.tests) queues[w].push_back(t);
    if (a.finish) finished[w] = true;
  };
  for (WorkerId w : workers) ask(w);
  for (bool progress = true; progress && sim.steps < 1'000'000; ++sim.steps) {
    progress = false;
    for (WorkerId w : workers) {
      auto& q = queues[w];
      if (q.empty() || (q.size() < 2 && !finished[w])) continue;  // nextitem unknown: wait
      std::set<WorkerId> running;  // every worker holding tests, this one included
      for (WorkerId o : workers) {
        if (!queues[o].empty()) running.insert(o);
      }
      TestIndex t = q.front();
      q.pop_front();
      sim.starts.emplace_back(t, running);
      scheduler.TestFinished(w, t);
      sim.ran[w].push_back(t);
      progress = true;
      ask(w);
      for (WorkerId s : scheduler.Starving()) ask(s);
    }
  }
  for (WorkerId w : workers) {
    EXPECT_TRUE(queues[w].empty()) << "worker " << w << " was left holding tests";
    EXPECT_TRUE(finished[w]) << "worker " << w << " was never told to finish";
  }
  return sim;
}

void ExpectExactlyOnce(const Simulation& sim, std::size_t n) {
  std::multiset<TestIndex> all;
  for (const auto& [w, tests] : sim.ran) all.insert(tests.begin(), tests.end());
  ASSERT_EQ(all.size(), n);
  for (TestIndex i = 0; i < n; ++i) EXPECT_EQ(all.count(i), 1u) << i;
}

TEST(SchedulerTest, EveryModeRunsEveryTestExactlyOnceAndFinishesEveryWorker) {
  for (DistMode mode : {DistMode::kLoad, DistMode::kLoadFile, DistMode::kLoadScope, DistMode::kLoadGroup,
                        DistMode::kWorkSteal}) {
    Scheduler scheduler(Plan(Trivial(1000), mode, 3));
    Simulation sim = Simulate(scheduler, {0, 1, 2});
    ExpectExactlyOnce(sim, 1000);
    EXPECT_TRUE(scheduler.Exhausted());
    for (WorkerId w : {0u, 1u, 2u}) EXPECT_FALSE(sim.ran[w].empty()) << DistModeName(mode) << " worker " << w;
  }
}

TEST(SchedulerTest, KnownShortDurationsAllowLargerAssignments) {
  const Inventory inventory = Trivial(1000);
  const std::vector<double> expected(inventory.size(), 0.001);
  Scheduler timed(PlanWork(inventory, PolicyFor(DistMode::kLoad), 2, expected),
                  SchedulerOptions{.max_batch = 16, .max_batch_timed = 64});
  timed.AddWorker(0);
  timed.AddWorker(1);
  EXPECT_EQ(timed.Next(0).tests.size(), 64u);
  // Unknown durations: the plain bound.
  Scheduler untimed(Plan(inventory), SchedulerOptions{.max_batch = 16, .max_batch_timed = 64});
  untimed.AddWorker(0);
  EXPECT_EQ(untimed.Next(0).tests.size(), 16u);
  // Slow tests are still capped by seconds: 20 of 10 s among 980 short ones queue about 201 s, a
  // quarter of a worker's share is 25 s, so two of them make an assignment.
  std::vector<double> skewed(inventory.size(), 0.001);
  std::fill(skewed.begin(), skewed.begin() + 20, 10.0);
  Scheduler slow(PlanWork(inventory, PolicyFor(DistMode::kLoad), 2, skewed),
                 SchedulerOptions{.max_batch = 16, .max_batch_timed = 64});
  slow.AddWorker(0);
  slow.AddWorker(1);
  EXPECT_EQ(slow.Next(0).tests.size(), 2u);
}

TEST(SchedulerTest, AssignmentsShrinkTowardsTheEnd) {
  Scheduler scheduler(Plan(Trivial(400)), SchedulerOptions{.max_batch = 16});
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  Assignment first = scheduler.Next(0);
  EXPECT_EQ(first.tests.size(), 16u);
  EXPECT_EQ(first.report_at, 8u);
  // A worker whose queue is still long gets nothing more.
  EXPECT_TRUE(scheduler.Next(0).tests.empty());
  Assignment a = scheduler.Next(1);
  std::size_t last_size = a.tests.size();
  while (!scheduler.Exhausted()) {
    for (TestIndex t : a.tests) scheduler.TestFinished(1, t);
    a = scheduler.Next(1);
    ASSERT_FALSE(a.tests.empty());
    last_size = a.tests.size();
  }
  EXPECT_LE(last_size, 2u);  // two: an empty worker always gets a next item too
  EXPECT_TRUE(a.finish);
}

TEST(SchedulerTest, AStandbyWorkerWaitsForTheOthersAndTakesWhatALostWorkerHeld) {
  Scheduler scheduler(Plan(Trivial(4)), SchedulerOptions{.max_batch = 2, .keep_standby = true});
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  Assignment a = scheduler.Next(0);
  Assignment b = scheduler.Next(1);
  ASSERT_EQ(a.tests.size(), 2u);
  ASSERT_EQ(b.tests.size(), 2u);
  EXPECT_FALSE(b.finish);                 // worker 0 still holds tests: worker 1 stands by
  EXPECT_TRUE(scheduler.Next(0).finish);  // one standby is enough
  std::vector<TestIndex> lost = scheduler.WorkerLost(0);
  EXPECT_EQ(lost, a.tests);
  scheduler.Requeue(lost);
  for (TestIndex t : b.tests) scheduler.TestFinished(1, t);
  Assignment again = scheduler.Next(1);
  EXPECT_EQ(again.tests, a.tests);
  EXPECT_TRUE(again.finish);  // nobody else holds tests now
}

TEST(SchedulerTest, TheStandbyFinishesOnceTheOthersHoldNothing) {
  Scheduler scheduler(Plan(Trivial(4)), SchedulerOptions{.max_batch = 2, .keep_standby = true});
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  Assignment a = scheduler.Next(0);
  Assignment b = scheduler.Next(1);
  ASSERT_FALSE(b.finish);
  // Asked again whenever the others report (the engine asks the starving), though it holds tests.
  EXPECT_EQ(scheduler.Starving(), std::vector<WorkerId>{1});
  EXPECT_FALSE(scheduler.Next(1).finish);
  for (TestIndex t : a.tests) scheduler.TestFinished(0, t);
  EXPECT_TRUE(scheduler.Next(0).finish);
  EXPECT_EQ(scheduler.Starving(), std::vector<WorkerId>{1});
  EXPECT_TRUE(scheduler.Next(1).finish);
  EXPECT_EQ(scheduler.Starving(), std::vector<WorkerId>{});
}

TEST(SchedulerTest, WithAStandbyEveryTestRunsAndEveryWorkerIsToldToFinish) {
  // Remote hosts keep a standby (SchedulerOptions::keep_standby). A standby holding its last test cannot
  // run it until it is told to finish, so it must be asked again once the others are done: a standby
  // that got tests in the same assignment that withheld its finish was not, and the run hung.
  for (DistMode mode : {DistMode::kLoad, DistMode::kLoadFile, DistMode::kWorkSteal}) {
    for (std::uint32_t workers : {2u, 3u}) {
      for (std::size_t n : {1u, 2u, 3u, 5u, 6u, 17u, 100u}) {
        SCOPED_TRACE(testing::Message()
                     << DistModeName(mode) << ", " << workers << " workers, " << n << " tests");
        Scheduler scheduler(Plan(Trivial(n, 2), mode, workers), SchedulerOptions{.keep_standby = true});
        std::vector<WorkerId> ids;
        for (WorkerId w = 0; w < workers; ++w) ids.push_back(w);
        ExpectExactlyOnce(Simulate(scheduler, ids), n);
      }
    }
  }
}

TEST(SchedulerTest, TheFirstReadyWorkerGetsABatchSizedForThePlannedPool) {
  // 400 tests of 25 ms for 8 workers: a quarter of a worker's share is 12 tests (0.3 s). Sized by the
  // one worker ready so far, the first batch was 64 tests (1.6 s of a 1.25 s run).
  const Inventory inventory = Trivial(400, 20);
  const std::vector<double> expected(inventory.size(), 0.025);
  Scheduler planned(PlanWork(inventory, PolicyFor(DistMode::kLoad), 8, expected),
                    SchedulerOptions{.planned_workers = 8});
  planned.AddWorker(0);
  EXPECT_EQ(planned.Next(0).tests.size(), 12u);
  // Without the plan's size, batches follow the workers added so far.
  Scheduler unplanned(PlanWork(inventory, PolicyFor(DistMode::kLoad), 8, expected));
  unplanned.AddWorker(0);
  EXPECT_EQ(unplanned.Next(0).tests.size(), 64u);
}

TEST(SchedulerTest, AWorkerAddedMidRunGetsWork) {
  Scheduler scheduler(Plan(Trivial(40)), SchedulerOptions{.max_batch = 4});
  scheduler.AddWorker(0);
  Assignment a = scheduler.Next(0);
  EXPECT_FALSE(a.tests.empty());
  scheduler.AddWorker(7);
  Assignment late = scheduler.Next(7);
  EXPECT_FALSE(late.tests.empty());
  for (TestIndex t : late.tests) EXPECT_EQ(std::count(a.tests.begin(), a.tests.end(), t), 0);
}

TEST(SchedulerTest, AssignmentsAreContiguousInCollectionOrderUnderLoad) {
  Scheduler scheduler(Plan(Trivial(50)), SchedulerOptions{.max_batch = 8});
  scheduler.AddWorker(7);
  Assignment a = scheduler.Next(7);
  ASSERT_EQ(a.tests.size(), 8u);
  for (std::size_t i = 0; i < a.tests.size(); ++i) EXPECT_EQ(a.tests[i], i);
  EXPECT_FALSE(a.finish);
}

TEST(SchedulerTest, AWorkerAlwaysHoldsMoreThanItsReportThreshold) {
  // Even when the target size is one test, a worker gets two: with one, it could not run it (nextitem
  // unknown) and would have no result to report, so nothing would ever ask for more.
  Scheduler scheduler(Plan(Trivial(3)), SchedulerOptions{.max_batch = 1});
  scheduler.AddWorker(0);
  Assignment a = scheduler.Next(0);
  EXPECT_EQ(a.tests, (std::vector<TestIndex>{0, 1}));
  EXPECT_GT(scheduler.InFlight(0), a.report_at);
  EXPECT_TRUE(scheduler.Next(0).tests.empty());
  scheduler.TestFinished(0, 0);
  // Down to one: it gets the last test and, in the same breath, the news that nothing follows.
  Assignment last = scheduler.Next(0);
  EXPECT_EQ(last.tests, std::vector<TestIndex>{2});
  EXPECT_TRUE(last.finish);
}

TEST(SchedulerTest, UnitsAreNeverSplitAndKeepTheirOrder) {
  Scheduler scheduler(Plan(Trivial(30, 10), DistMode::kLoadFile), SchedulerOptions{.max_batch = 2});
  Simulation sim = Simulate(scheduler, {0, 1});
  ExpectExactlyOnce(sim, 30);
  for (const auto& [w, tests] : sim.ran) {
    for (std::size_t i = 0; i < tests.size(); ++i) {
      // Within a worker's run order, each file's tests are consecutive and ascending.
      if (i > 0 && tests[i] / 10 == tests[i - 1] / 10) {
        EXPECT_EQ(tests[i], tests[i - 1] + 1);
      }
    }
    std::set<TestIndex> files;
    for (TestIndex t : tests) files.insert(t / 10);
    for (TestIndex f : files) {
      EXPECT_EQ(std::count_if(tests.begin(), tests.end(), [&](TestIndex t) { return t / 10 == f; }), 10);
    }
  }
}

TEST(SchedulerTest, LostWorkerReturnsUnfinishedTestsAndRequeueRunsThemNext) {
  Scheduler scheduler(Plan(Trivial(20)), SchedulerOptions{.max_batch = 4, .batches_per_worker = 1});
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  Assignment a0 = scheduler.Next(0);
  ASSERT_EQ(a0.tests, (std::vector<TestIndex>{0, 1, 2, 3}));
  scheduler.TestFinished(0, 0);
  EXPECT_EQ(scheduler.WorkerLost(0), (std::vector<TestIndex>{1, 2, 3}));
  EXPECT_EQ(scheduler.InFlight(0), 0u);
  // Test 1 crashed the worker; the engine requeues the rest, which go out first and together.
  scheduler.Requeue({2, 3});
  Assignment next = scheduler.Next(1);
  ASSERT_GE(next.tests.size(), 2u);
  EXPECT_EQ(next.tests[0], 2u);
  EXPECT_EQ(next.tests[1], 3u);
}

TEST(SchedulerTest, CancelReturnsEveryTestNotHandedOut) {
  Inventory inventory = Trivial(10);
  inventory[9].marks = {"serial"};
  Scheduler scheduler(Plan(inventory), SchedulerOptions{.max_batch = 3});
  scheduler.AddWorker(0);
  Assignment a = scheduler.Next(0);
  std::vector<TestIndex> dropped = scheduler.Cancel();
  EXPECT_EQ(a.tests.size() + dropped.size(), 10u);
  EXPECT_EQ(dropped.back(), 9u);
  EXPECT_TRUE(scheduler.Exhausted());
  EXPECT_TRUE(scheduler.Next(0).tests.empty());
}

TEST(SchedulerTest, IdenticalInputGivesIdenticalDecisions) {
  auto run = [] {
    Scheduler scheduler(Plan(Trivial(333), DistMode::kWorkSteal, 4));
    return Simulate(scheduler, {0, 1, 2, 3}).ran;
  };
  EXPECT_EQ(run(), run());
}

TEST(SchedulerTest, WorkstealSplitsEvenlyThenStealsFromTheBackOfTheLongestQueue) {
  Scheduler scheduler(Plan(Trivial(100), DistMode::kWorkSteal, 2), SchedulerOptions{.max_batch = 4});
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  Assignment a0 = scheduler.Next(0);
  EXPECT_EQ(a0.tests.front(), 0u);
  Assignment a1 = scheduler.Next(1);
  EXPECT_EQ(a1.tests.front(), 50u);  // its own half
  // Worker 1 sits on a slow test; worker 0 runs its half, then steals worker 1's queue from the back.
  std::vector<TestIndex> ran0;
  for (Assignment a = a0; !a.tests.empty();) {
    for (TestIndex t : a.tests) scheduler.TestFinished(0, t), ran0.push_back(t);
    if (a.finish) break;
    a = scheduler.Next(0);
  }
  std::vector<TestIndex> expected;
  for (TestIndex t = 0; t < 100; ++t) {
    if (t < 50 || t >= 50 + a1.tests.size()) expected.push_back(t);
  }
  std::vector<TestIndex> sorted = ran0;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(sorted, expected);
  auto first_stolen = std::find_if(ran0.begin(), ran0.end(), [](TestIndex t) { return t >= 50; });
  ASSERT_NE(first_stolen, ran0.end());
  EXPECT_GE(*first_stolen, 75u);
}

TEST(SchedulerTest, RunAloneTestsRunWhileNothingElseRunsInTheirOrder) {
  Inventory inventory = Trivial(60);
  for (TestIndex i : {3u, 17u, 40u}) inventory[i].marks = {"serial"};
  inventory[25].fixtures = {"benchmark"};
  for (DistMode mode : {DistMode::kLoad, DistMode::kLoadFile, DistMode::kLoadScope}) {
    Scheduler scheduler(Plan(inventory, mode, 3));
    Simulation sim = Simulate(scheduler, {0, 1, 2});
    ExpectExactlyOnce(sim, 60);
    std::vector<TestIndex> alone_order;
    for (const auto& [test, busy] : sim.starts) {
      if (test == 3 || test == 17 || test == 25 || test == 40) {
        alone_order.push_back(test);
        EXPECT_EQ(busy.size(), 1u) << "test " << test << " started while another worker held tests";
      }
    }
    EXPECT_EQ(alone_order, (std::vector<TestIndex>{3, 17, 25, 40})) << DistModeName(mode);
  }
}

TEST(SchedulerTest, AConcurrencyLimitIsNeverExceeded) {
  Inventory inventory = Trivial(90, 30);
  std::set<TestIndex> db;
  for (TestIndex i = 0; i < 90; i += 4) {
    inventory[i].limit = ConcurrencyLimit{"db", 2};
    db.insert(i);
  }
  Scheduler scheduler(Plan(inventory, DistMode::kLoad, 4), SchedulerOptions{.max_batch = 4});
  std::map<WorkerId, std::deque<TestIndex>> held;
  // Drive by hand to see every worker's holdings at every step.
  std::vector<WorkerId> workers = {0, 1, 2, 3};
  std::map<WorkerId, bool> finished;
  for (WorkerId w : workers) scheduler.AddWorker(w);
  auto ask = [&](WorkerId w) {
    Assignment a = scheduler.Next(w);
    for (TestIndex t : a.tests) held[w].push_back(t);
    finished[w] = finished[w] || a.finish;
  };
  auto holders = [&] {
    int n = 0;
    for (auto& [w, q] : held)
      n += std::any_of(q.begin(), q.end(), [&](TestIndex t) { return db.count(t) > 0; });
    return n;
  };
  for (WorkerId w : workers) ask(w);
  std::size_t ran = 0;
  for (bool progress = true; progress;) {
    progress = false;
    for (WorkerId w : workers) {
      EXPECT_LE(holders(), 2);
      auto& q = held[w];
      if (q.empty() || (q.size() < 2 && !finished[w])) continue;
      scheduler.TestFinished(w, q.front());
      q.pop_front();
      ++ran;
      progress = true;
      ask(w);
      for (WorkerId s : scheduler.Starving()) ask(s);
    }
  }
  EXPECT_EQ(ran, 90u);
}

}  // namespace
}  // namespace jackd::scheduler

namespace jackd::scheduler {
namespace {

TEST(SchedulerRetryTest, ARetryGoesToAnotherWorkerWhileOneTakesWork) {
  Scheduler scheduler(Plan(Trivial(20)), SchedulerOptions{.max_batch = 4});
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  Assignment a = scheduler.Next(0);
  ASSERT_FALSE(a.tests.empty());
  const TestIndex failed = a.tests.front();
  scheduler.TestFinished(0, failed);
  scheduler.Retry(failed, 0);
  // Worker 0 skips its own retry; worker 1 takes it first.
  for (TestIndex t : scheduler.Next(0).tests) EXPECT_NE(t, failed);
  Assignment b = scheduler.Next(1);
  ASSERT_FALSE(b.tests.empty());
  EXPECT_EQ(b.tests.front(), failed);
}

TEST(SchedulerRetryTest, ARetryStaysOnItsWorkerWhenNoOtherTakesWork) {
  Scheduler scheduler(Plan(Trivial(3)));
  scheduler.AddWorker(0);
  Assignment a = scheduler.Next(0);
  ASSERT_EQ(a.tests, (std::vector<TestIndex>{0, 1}));
  scheduler.TestFinished(0, 0);
  scheduler.Retry(0, 0);
  // Worker 0 is the only one: it runs the retry next, then the rest.
  Assignment b = scheduler.Next(0);
  EXPECT_EQ(b.tests, (std::vector<TestIndex>{0}));
  scheduler.TestFinished(0, 1);
  Assignment c = scheduler.Next(0);
  EXPECT_EQ(c.tests, (std::vector<TestIndex>{2}));
  EXPECT_TRUE(c.finish);
}

TEST(SchedulerRetryTest, AParkedRetryKeepsWorkersFromFinishing) {
  Scheduler scheduler(Plan(Trivial(2)));
  scheduler.AddWorker(0);
  Assignment a = scheduler.Next(0);
  ASSERT_EQ(a.tests, (std::vector<TestIndex>{0, 1}));
  EXPECT_TRUE(a.finish);  // everything handed out: the worker may run its last test
  Scheduler delayed(Plan(Trivial(3)));
  delayed.AddWorker(0);
  ASSERT_EQ(delayed.Next(0).tests, (std::vector<TestIndex>{0, 1}));
  delayed.TestFinished(0, 0);
  delayed.Park(0);  // test 0 failed; it runs again after a delay
  Assignment b = delayed.Next(0);
  EXPECT_EQ(b.tests, (std::vector<TestIndex>{2}));
  EXPECT_FALSE(b.finish) << "a parked retry is still to come";
  EXPECT_FALSE(delayed.Exhausted());
  delayed.TestFinished(0, 1);
  EXPECT_TRUE(delayed.Next(0).tests.empty());
  EXPECT_EQ(delayed.Starving(), (std::vector<WorkerId>{0}));
  delayed.Retry(0, 0);
  Assignment c = delayed.Next(0);
  EXPECT_EQ(c.tests, (std::vector<TestIndex>{0}));
  EXPECT_TRUE(c.finish);
}

TEST(SchedulerRetryTest, CancelReturnsParkedTests) {
  Scheduler scheduler(Plan(Trivial(4)));
  scheduler.AddWorker(0);
  ASSERT_EQ(scheduler.Next(0).tests, (std::vector<TestIndex>{0, 1}));
  scheduler.TestFinished(0, 0);
  scheduler.Park(0);
  std::vector<TestIndex> dropped = scheduler.Cancel();
  std::sort(dropped.begin(), dropped.end());
  EXPECT_EQ(dropped, (std::vector<TestIndex>{0, 2, 3}));
  EXPECT_TRUE(scheduler.Exhausted());
}

TEST(SchedulerRetryTest, RepeatedPlanRunsEveryTestOncePerRound) {
  for (DistMode mode : {DistMode::kLoad, DistMode::kLoadFile, DistMode::kLoadScope}) {
    Scheduler scheduler(RepeatPlan(Plan(Trivial(60), mode, 2), 3));
    Simulation sim = Simulate(scheduler, {0, 1});
    std::map<TestIndex, int> runs;
    std::map<TestIndex, std::set<WorkerId>> where;
    for (const auto& [w, tests] : sim.ran) {
      for (TestIndex t : tests) ++runs[t], where[t].insert(w);
    }
    ASSERT_EQ(runs.size(), 60u) << DistModeName(mode);
    for (const auto& [t, n] : runs) EXPECT_EQ(n, 3) << DistModeName(mode) << " test " << t;
    const auto spread =
        std::count_if(where.begin(), where.end(), [](const auto& e) { return e.second.size() > 1; });
    EXPECT_EQ(spread, 60) << DistModeName(mode) << ": tests whose every round ran on one worker";
  }
}

// Split collection: file f was collected by worker f % ways.
std::vector<WorkerId> CollectedByFile(const Inventory& inventory, WorkerId ways = 2) {
  std::vector<WorkerId> by;
  for (const TestItem& item : inventory)
    by.push_back(static_cast<WorkerId>(std::stoul(item.file.substr(1)) % ways));
  return by;
}

TEST(PreferCollectorsTest, EachWorkerRunsTheFilesItCollectedWhenTheyBalance) {
  const Inventory inventory = Trivial(200);  // 20 files of 10, collected alternately
  const std::vector<WorkerId> by = CollectedByFile(inventory);
  for (DistMode mode : {DistMode::kLoad, DistMode::kLoadFile, DistMode::kLoadScope}) {
    WorkPlan plan = Plan(inventory, mode);
    PreferCollectors(plan, inventory, by, 2);
    EXPECT_EQ(plan.home_queues, 2u);
    Scheduler scheduler(std::move(plan));
    Simulation sim = Simulate(scheduler, {0, 1});
    std::size_t total = 0, away = 0;
    for (const auto& [worker, tests] : sim.ran) {
      total += tests.size();
      for (TestIndex t : tests) away += by[t] != worker;
    }
    EXPECT_EQ(total, inventory.size());
    // Only the tail is stolen across workers.
    EXPECT_LE(away, inventory.size() / 10) << DistModeName(mode);
  }
}

TEST(PreferCollectorsTest, AWorkerRunsEachFilesTestsBackToBack) {
  // What keeps module and class fixtures set up once per worker: on every worker, the tests of a file
  // it ran are consecutive in its run order, also where it took work from another worker's queue.
  Inventory uneven = Trivial(300);
  for (std::size_t i = 0; i < uneven.size(); ++i) {  // two files of 50 tests, then files of 7
    uneven[i].file = "t" + std::to_string(i < 100 ? i / 50 : 2 + (i - 100) / 7) + ".py";
  }
  for (const auto& [inventory, ways] : {std::pair{uneven, 2u}, {uneven, 3u}, {Trivial(25, 5), 2u}}) {
    WorkPlan plan = Plan(inventory, DistMode::kLoad, ways);
    PreferCollectors(plan, inventory, CollectedByFile(inventory, ways), ways);
    Scheduler scheduler(std::move(plan));
    std::vector<WorkerId> workers;
    for (WorkerId w = 0; w < ways; ++w) workers.push_back(w);
    Simulation sim = Simulate(scheduler, workers);
    std::size_t total = 0;
    for (const auto& [worker, tests] : sim.ran) {
      total += tests.size();
      std::set<std::string> done;
      for (std::size_t i = 0; i < tests.size(); ++i) {
        const std::string& file = inventory[tests[i]].file;
        if (i > 0 && inventory[tests[i - 1]].file != file) {
          EXPECT_TRUE(done.insert(inventory[tests[i - 1]].file).second) << "worker " << worker;
          EXPECT_FALSE(done.count(file)) << file << " resumed on worker " << worker << " of " << ways;
        }
      }
    }
    EXPECT_EQ(total, inventory.size());
  }
}

TEST(PreferCollectorsTest, ALateWorkerLeavesEveryWorkersFilesBackToBack) {
  // Worker 1 connects after worker 0 ran `head` tests: worker 0 has taken from worker 1's queue by then.
  const Inventory inventory = Trivial(25, 5);
  for (std::size_t head : {3u, 8u, 13u, 18u}) {
    WorkPlan plan = Plan(inventory);
    PreferCollectors(plan, inventory, CollectedByFile(inventory), 2);
    Scheduler scheduler(std::move(plan));
    std::map<WorkerId, std::deque<TestIndex>> queues;
    std::map<WorkerId, bool> finished;
    std::map<WorkerId, std::vector<TestIndex>> ran;
    auto ask = [&](WorkerId w) {
      Assignment a = scheduler.Next(w);
      queues[w].insert(queues[w].end(), a.tests.begin(), a.tests.end());
      finished[w] = finished[w] || a.finish;
    };
    auto step = [&](WorkerId w) {
      auto& q = queues[w];
      if (q.empty() || (q.size() < 2 && !finished[w])) return false;
      ran[w].push_back(q.front());
      scheduler.TestFinished(w, q.front());
      q.pop_front();
      ask(w);
      for (WorkerId starving : scheduler.Starving()) ask(starving);
      return true;
    };
    scheduler.AddWorker(0);
    ask(0);
    for (std::size_t i = 0; i < head && step(0);) ++i;
    scheduler.AddWorker(1);
    ask(1);
    for (bool progress = true; progress;) progress = step(0) | step(1);
    EXPECT_EQ(ran[0].size() + ran[1].size(), inventory.size());
    for (const auto& [worker, tests] : ran) {
      std::set<std::string> left;
      for (std::size_t i = 1; i < tests.size(); ++i) {
        const std::string& before = inventory[tests[i - 1]].file;
        if (before == inventory[tests[i]].file) continue;
        left.insert(before);
        EXPECT_FALSE(left.count(inventory[tests[i]].file))
            << inventory[tests[i]].file << " resumed on worker " << worker << " (head " << head << ")";
      }
    }
  }
}

TEST(PreferCollectorsTest, LongUnitsSpreadEvenWhenOneWorkerCollectedThemAll) {
  Inventory inventory = Trivial(40);
  std::vector<double> expected(inventory.size(), 0.01);
  for (TestIndex t : {0u, 1u, 2u, 3u}) expected[t] = 2.0;  // all in t0.py, collected by worker 0
  WorkPlan plan = PlanWork(inventory, PolicyFor(DistMode::kLoad), 2, expected);
  PreferCollectors(plan, inventory, CollectedByFile(inventory), 2);
  std::map<WorkerId, double> seconds;
  for (const Unit& unit : plan.units) {
    ASSERT_TRUE(unit.home.has_value());
    seconds[*unit.home] += unit.seconds;
  }
  EXPECT_NEAR(seconds[0], seconds[1], 0.55);  // within the slack (8.36 s / 16) and one short test
}

TEST(PreferCollectorsTest, LongUnitsGoLongestFirstToTheLeastLoadedQueue) {
  // Six long tests for four workers (bench_skewed's shape): the two that must share a worker should be
  // the two shortest, whoever collected them. Worker 0 collected both the 1.65 s and a 1.38 s test.
  Inventory inventory = Trivial(60);  // t0.py ... t5.py, collected by file % 4
  std::vector<double> expected(inventory.size(), 0.005);
  const std::map<TestIndex, double> long_tests = {{0, 1.65},  {10, 1.62}, {20, 1.48},
                                                  {30, 1.38}, {1, 1.38},  {11, 1.37}};
  for (const auto& [test, seconds] : long_tests) expected[test] = seconds;
  WorkPlan plan = PlanWork(inventory, PolicyFor(DistMode::kLoad), 4, expected);
  PreferCollectors(plan, inventory, CollectedByFile(inventory, 4), 4);
  std::map<WorkerId, double> long_seconds;
  for (const Unit& unit : plan.units) {
    ASSERT_TRUE(unit.home.has_value());
    if (unit.seconds > 1) long_seconds[*unit.home] += unit.seconds;
  }
  // LPT pairs 1.38 + 1.38 and 1.48 + 1.37; 1.65 + 1.38 (where the collector would put it) is longer.
  for (const auto& [worker, seconds] : long_seconds) EXPECT_LE(seconds, 2.86) << "worker " << worker;
}

TEST(PreferCollectorsTest, ALongTestsCompanionIsShortEvenWhenItsQueueEndsInALongTest) {
  // t0.py holds four long tests, t1.py..t5.py short ones, all collected by worker 0: the long tests
  // alternate between the two queues, the short ones follow in worker 0's (they weigh less than the
  // slack), so worker 1's queue holds two long tests only.
  Inventory inventory = Trivial(24, 4);
  std::vector<double> expected(inventory.size(), 0.01);
  for (TestIndex t : {0u, 1u, 2u, 3u}) expected[t] = 1.0;
  WorkPlan plan = PlanWork(inventory, PolicyFor(DistMode::kLoad), 2, expected);
  PreferCollectors(plan, inventory, std::vector<WorkerId>(inventory.size(), 0), 2);
  Scheduler scheduler(std::move(plan), SchedulerOptions{.planned_workers = 2});
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  const Assignment first = scheduler.Next(1);
  ASSERT_EQ(first.tests.size(), 2u);
  EXPECT_EQ(expected[first.tests[0]], 1.0);
  // Its back held the next long test, which worker 0 can start at once: a short one comes instead.
  EXPECT_EQ(expected[first.tests[1]], 0.01);
}

// Three long tests (1 s) ahead of 39 short ones (0.01 s) under `load`, on `workers` workers. Worker 0
// takes a long test and its companion, finishes the long test and asks (holding the companion), then
// finishes the companion and asks while holding only what it got before.
struct LongTestAsks {
  std::vector<double> expected;
  Assignment holding_companion;
  Assignment holding_long_test;
};

LongTestAsks AskWhileHoldingALongTest(std::uint32_t workers) {
  LongTestAsks asks;
  const Inventory inventory = Trivial(42);
  asks.expected.assign(inventory.size(), 0.01);
  for (TestIndex t : {0u, 1u, 2u}) asks.expected[t] = 1.0;
  Scheduler scheduler(PlanWork(inventory, PolicyFor(DistMode::kLoad), workers, asks.expected),
                      SchedulerOptions{.planned_workers = workers});
  for (WorkerId w = 0; w < workers; ++w) scheduler.AddWorker(w);
  const Assignment first = scheduler.Next(0);  // a long test and a short companion
  EXPECT_EQ(first.tests.size(), 2u);
  if (first.tests.size() != 2) return asks;
  scheduler.TestFinished(0, first.tests[0]);
  asks.holding_companion = scheduler.Next(0);
  scheduler.TestFinished(0, first.tests[1]);
  asks.holding_long_test = scheduler.Next(0);
  return asks;
}

TEST(SchedulerTest, AWorkerHoldingALongTestGetsOnlyACompanion) {
  // Holding one long test, whatever worker 0 gets waits behind it: one short companion, not a batch the
  // other worker could run meanwhile.
  const LongTestAsks asks = AskWhileHoldingALongTest(2);
  ASSERT_EQ(asks.holding_companion.tests.size(), 1u);  // the next long test
  EXPECT_EQ(asks.expected[asks.holding_companion.tests[0]], 1.0);
  ASSERT_EQ(asks.holding_long_test.tests.size(), 1u);
  EXPECT_EQ(asks.expected[asks.holding_long_test.tests[0]], 0.01);
}

TEST(SchedulerTest, ALoneWorkerHoldingALongTestTakesTheQueueInOrder) {
  // Nobody else would run what waits behind its long test: the order stays longest first.
  const LongTestAsks asks = AskWhileHoldingALongTest(1);
  ASSERT_FALSE(asks.holding_companion.tests.empty());
  EXPECT_EQ(asks.expected[asks.holding_companion.tests[0]], 1.0);
  ASSERT_FALSE(asks.holding_long_test.tests.empty());
  // The third long test, not a short one from the back.
  EXPECT_EQ(asks.expected[asks.holding_long_test.tests[0]], 1.0);
}

// How many files had tests run on more than one worker.
std::size_t SplitFiles(const Simulation& sim, const Inventory& inventory) {
  std::map<std::string, std::set<WorkerId>> workers_of;
  for (const auto& [w, tests] : sim.ran) {
    for (TestIndex t : tests) workers_of[inventory[t].file].insert(w);
  }
  return static_cast<std::size_t>(std::count_if(workers_of.begin(), workers_of.end(),
                                                [](const auto& file) { return file.second.size() > 1; }));
}

TEST(SchedulerTest, WithDurationsTheRestOfAFileIsLeftToTheWorkerInIt) {
  // A worker that takes the rest of a file another worker is running imports it (and sets up its module
  // fixtures) a second time. With known short durations the workers keep to their own files; only the
  // last ones are shared, to even out the end.
  const Inventory inventory = Trivial(200, 25);
  const std::vector<double> expected(inventory.size(), 0.01);
  Scheduler scheduler(PlanWork(inventory, PolicyFor(DistMode::kLoad), 2, expected),
                      SchedulerOptions{.planned_workers = 2});
  Simulation sim = Simulate(scheduler, {0, 1});
  ExpectExactlyOnce(sim, inventory.size());
  EXPECT_LE(SplitFiles(sim, inventory), 2u);  // 6 of the 8 when workers took from any file
  EXPECT_NEAR(static_cast<double>(sim.ran[0].size()), 100.0, 10.0);  // and the load stays even
}

TEST(SchedulerTest, AWorkerTakesFromAFileAnotherIsInRatherThanIdle) {
  Inventory inventory = Trivial(42, 42);  // t0.py, which worker 0 starts
  for (TestItem b : Trivial(5, 5)) {
    b.file = "b.py";
    b.node_id = "b.py::" + b.node_id;
    inventory.push_back(b);
  }
  const std::vector<double> expected(inventory.size(), 0.125);
  Scheduler scheduler(PlanWork(inventory, PolicyFor(DistMode::kLoad), 2, expected),
                      SchedulerOptions{.planned_workers = 2});
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  ASSERT_FALSE(scheduler.Next(0).tests.empty());
  const Assignment first = scheduler.Next(1);  // all of b.py
  ASSERT_EQ(first.tests.size(), 5u);
  EXPECT_EQ(inventory[first.tests.front()].file, "b.py");
  // Worker 1 runs down to where it asks for more, still holding two or more tests (so no companion is
  // due): only t0.py is left, and worker 0 is in it.
  std::size_t held = first.tests.size();
  for (std::size_t i = 0; held > first.report_at; ++i, --held) scheduler.TestFinished(1, first.tests[i]);
  ASSERT_GE(held, 2u);
  const Assignment next = scheduler.Next(1);
  ASSERT_FALSE(next.tests.empty());
  EXPECT_EQ(inventory[next.tests.front()].file, "t0.py");
}

// Files of classes of uneven sizes: loadscope's units (the classes) sort by size, so a module's classes
// are scattered over the queue.
Inventory ClassesOfUnevenSizes() {
  Inventory inventory;
  const std::vector<std::pair<std::string, std::vector<int>>> files = {
      {"m0.py", {6, 1, 3}}, {"m1.py", {5, 2}}, {"m2.py", {4, 1, 1}}, {"m3.py", {3, 2}}};
  for (const auto& [file, classes] : files) {
    for (std::size_t c = 0; c < classes.size(); ++c) {
      for (int t = 0; t < classes[c]; ++t) {
        TestItem item;
        item.file = file;
        item.class_chain = {"C" + std::to_string(c)};
        item.node_id = file + "::C" + std::to_string(c) + "::test_" + std::to_string(t);
        inventory.push_back(item);
      }
    }
  }
  return inventory;
}

// How often a worker came back to a file it had left: each time, pytest tears the module's fixtures
// down when the worker leaves and sets them up again when it returns.
std::size_t ReturnsToFiles(const Simulation& sim, const Inventory& inventory) {
  std::size_t returns = 0;
  for (const auto& [w, tests] : sim.ran) {
    std::set<std::string> left;
    for (std::size_t i = 0; i < tests.size(); ++i) {
      const std::string& file = inventory[tests[i]].file;
      if (left.count(file)) ++returns;
      if (i + 1 < tests.size() && inventory[tests[i + 1]].file != file) left.insert(file);
    }
  }
  return returns;
}

TEST(SchedulerTest, UnderLoadscopeAWorkerNeverReturnsToAModuleItLeft) {
  const Inventory inventory = ClassesOfUnevenSizes();
  for (std::uint32_t workers : {1u, 2u, 3u}) {
    for (bool timed : {false, true}) {
      std::vector<double> expected;
      if (timed) expected.assign(inventory.size(), 0.05);
      Scheduler scheduler(PlanWork(inventory, PolicyFor(DistMode::kLoadScope), workers, expected),
                          SchedulerOptions{.max_batch = 4, .planned_workers = workers});
      std::vector<WorkerId> ids;
      for (WorkerId w = 0; w < workers; ++w) ids.push_back(w);
      Simulation sim = Simulate(scheduler, ids);
      ExpectExactlyOnce(sim, inventory.size());
      EXPECT_EQ(ReturnsToFiles(sim, inventory), 0u) << workers << " workers, timed " << timed;
    }
  }
}

TEST(PreferCollectorsTest, OneWorkerNoSplitOrWorkstealLeavesThePlanAlone) {
  const Inventory inventory = Trivial(20);
  WorkPlan plan = Plan(inventory);
  PreferCollectors(plan, inventory, {}, 2);
  PreferCollectors(plan, inventory, CollectedByFile(inventory), 1);
  EXPECT_EQ(plan.home_queues, 1u);
  for (const Unit& unit : plan.units) EXPECT_FALSE(unit.home.has_value());
  WorkPlan worksteal = Plan(inventory, DistMode::kWorkSteal);
  PreferCollectors(worksteal, inventory, CollectedByFile(inventory), 2);
  for (const Unit& unit : worksteal.units) EXPECT_FALSE(unit.home.has_value());
}

}  // namespace
}  // namespace jackd::scheduler
