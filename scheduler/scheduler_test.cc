#include "scheduler/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "scheduler/distribution.h"

namespace jackd::scheduler {
namespace {

Inventory Trivial(std::size_t n) {
  Inventory inventory;
  for (std::size_t i = 0; i < n; ++i) {
    TestItem item;
    item.node_id = "t.py::test_" + std::to_string(i);
    item.file = "t.py";
    inventory.push_back(item);
  }
  return inventory;
}

// Drives a scheduler the way the engine does: workers finish their queue front first and only ask for
// more when told to, until nothing is queued. Returns the order each worker ran its tests in.
std::map<WorkerId, std::vector<TestIndex>> Drain(Scheduler& scheduler, std::vector<WorkerId> workers) {
  std::map<WorkerId, std::vector<TestIndex>> ran;
  std::map<WorkerId, std::deque<TestIndex>> queues;
  for (WorkerId w : workers) scheduler.AddWorker(w);
  bool progress = true;
  while (progress) {
    progress = false;
    for (WorkerId w : workers) {
      Batch batch = scheduler.NextBatch(w);
      for (TestIndex t : batch.tests) queues[w].push_back(t);
      if (!queues[w].empty()) {
        TestIndex t = queues[w].front();
        queues[w].pop_front();
        scheduler.TestFinished(w, t);
        ran[w].push_back(t);
        progress = true;
      }
    }
  }
  return ran;
}

TEST(SchedulerTest, EveryTestIsDispatchedExactlyOnce) {
  Scheduler scheduler(MakeUnits(Trivial(1000), DistMode::kLoad));
  auto ran = Drain(scheduler, {0, 1, 2});
  std::multiset<TestIndex> all;
  for (auto& [w, tests] : ran) all.insert(tests.begin(), tests.end());
  ASSERT_EQ(all.size(), 1000u);
  for (TestIndex i = 0; i < 1000; ++i) EXPECT_EQ(all.count(i), 1u) << i;
  EXPECT_TRUE(scheduler.QueueEmpty());
  EXPECT_EQ(scheduler.QueuedTests(), 0u);
}

TEST(SchedulerTest, EveryWorkerGetsWorkAndBatchesShrinkTowardsTheEnd) {
  Scheduler scheduler(MakeUnits(Trivial(400), DistMode::kLoad), SchedulerOptions{.max_batch = 16});
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  Batch first = scheduler.NextBatch(0);
  EXPECT_EQ(first.tests.size(), 16u);
  EXPECT_EQ(first.report_at, 8u);
  // A worker whose queue is still long gets nothing more.
  EXPECT_TRUE(scheduler.NextBatch(0).tests.empty());
  Batch batch = scheduler.NextBatch(1);
  EXPECT_EQ(batch.tests.size(), 16u);
  // Worker 1 drains the rest, finishing everything it holds before asking again.
  std::size_t last_size = batch.tests.size();
  while (!scheduler.QueueEmpty()) {
    for (TestIndex t : batch.tests) scheduler.TestFinished(1, t);
    batch = scheduler.NextBatch(1);
    ASSERT_FALSE(batch.tests.empty());
    last_size = batch.tests.size();
  }
  EXPECT_LE(last_size, 2u);  // two: an empty worker always gets a next item too
}

TEST(SchedulerTest, BatchesAreContiguousInCollectionOrderSoNextItemIsKnown) {
  Scheduler scheduler(MakeUnits(Trivial(50), DistMode::kLoad), SchedulerOptions{.max_batch = 8});
  scheduler.AddWorker(7);
  Batch batch = scheduler.NextBatch(7);
  ASSERT_EQ(batch.tests.size(), 8u);
  for (std::size_t i = 0; i < batch.tests.size(); ++i) EXPECT_EQ(batch.tests[i], i);
  // report_at is never 0: a worker holding one test cannot run it without knowing the next.
  EXPECT_GE(batch.report_at, 1u);
}

TEST(SchedulerTest, AWorkerAlwaysHoldsMoreThanItsReportThreshold) {
  // Even when the target batch is a single test, a worker gets at least two: with one, it could not run
  // it (nextitem unknown) and would have no result to report, so nothing would ever ask for more.
  Scheduler scheduler(MakeUnits(Trivial(3), DistMode::kLoad), SchedulerOptions{.max_batch = 1});
  scheduler.AddWorker(0);
  Batch batch = scheduler.NextBatch(0);
  EXPECT_EQ(batch.tests, (std::vector<TestIndex>{0, 1}));
  EXPECT_GT(scheduler.InFlight(0), batch.report_at);
  EXPECT_TRUE(scheduler.NextBatch(0).tests.empty());
  scheduler.TestFinished(0, 0);
  // Down to one: refilled with the last test.
  EXPECT_EQ(scheduler.NextBatch(0).tests, std::vector<TestIndex>{2});
}

TEST(SchedulerTest, LostWorkerReturnsUnfinishedTestsAndRequeueRunsThemNext) {
  Scheduler scheduler(MakeUnits(Trivial(20), DistMode::kLoad), SchedulerOptions{.max_batch = 4, .batches_per_worker = 1});
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  Batch b0 = scheduler.NextBatch(0);
  ASSERT_EQ(b0.tests, (std::vector<TestIndex>{0, 1, 2, 3}));
  scheduler.TestFinished(0, 0);
  std::vector<TestIndex> lost = scheduler.WorkerLost(0);
  EXPECT_EQ(lost, (std::vector<TestIndex>{1, 2, 3}));
  EXPECT_EQ(scheduler.InFlight(0), 0u);
  // Test 1 crashed the worker; the engine requeues the rest, which go out first and together.
  scheduler.Requeue({2, 3});
  Batch next = scheduler.NextBatch(1);
  ASSERT_GE(next.tests.size(), 2u);
  EXPECT_EQ(next.tests[0], 2u);
  EXPECT_EQ(next.tests[1], 3u);
}

TEST(SchedulerTest, CancelReturnsEveryUndispatchedTest) {
  Scheduler scheduler(MakeUnits(Trivial(10), DistMode::kLoad), SchedulerOptions{.max_batch = 3});
  scheduler.AddWorker(0);
  Batch batch = scheduler.NextBatch(0);
  std::vector<TestIndex> dropped = scheduler.Cancel();
  EXPECT_EQ(batch.tests.size() + dropped.size(), 10u);
  EXPECT_EQ(dropped.front(), batch.tests.size());
  EXPECT_TRUE(scheduler.QueueEmpty());
  EXPECT_TRUE(scheduler.NextBatch(0).tests.empty());
}

TEST(SchedulerTest, IdenticalInputGivesIdenticalDecisions) {
  auto run = [] {
    Scheduler scheduler(MakeUnits(Trivial(333), DistMode::kLoad));
    return Drain(scheduler, {0, 1, 2, 3});
  };
  EXPECT_EQ(run(), run());
}

TEST(SchedulerTest, UnitsAreNeverSplit) {
  std::vector<Unit> units = {Unit{{0, 1, 2, 3, 4, 5}}, Unit{{6}}, Unit{{7, 8}}};
  Scheduler scheduler(units, SchedulerOptions{.max_batch = 2});
  scheduler.AddWorker(0);
  EXPECT_EQ(scheduler.NextBatch(0).tests, (std::vector<TestIndex>{0, 1, 2, 3, 4, 5}));
}

TEST(DistributionTest, LoadMakesOneUnitPerTestInCollectionOrder) {
  std::vector<Unit> units = MakeUnits(Trivial(5), DistMode::kLoad);
  ASSERT_EQ(units.size(), 5u);
  for (TestIndex i = 0; i < 5; ++i) EXPECT_EQ(units[i].tests, std::vector<TestIndex>{i});
  EXPECT_EQ(ParseDistMode("load"), DistMode::kLoad);
  EXPECT_FALSE(ParseDistMode("bogus").has_value());
}

}  // namespace
}  // namespace jackd::scheduler
