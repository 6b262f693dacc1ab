#include "scheduler/expected_durations.h"

#include <gtest/gtest.h>

#include "scheduler/distribution.h"
#include "scheduler/scheduler.h"
#include "scheduler/wall_time.h"
#include "scheduler/work_plan.h"

namespace jackd::scheduler {
namespace {

Unit UnitOf(std::vector<TestIndex> tests) {
  Unit unit;
  unit.tests = std::move(tests);
  return unit;
}

TestItem Item(std::string file, std::string name, std::string group = "") {
  TestItem item;
  item.node_id = file + "::" + name;
  item.file = std::move(file);
  item.xdist_group = std::move(group);
  return item;
}

Policy PolicyFor(DistMode mode) {
  Policy policy;
  policy.mode = mode;
  return policy;
}

std::vector<std::vector<TestIndex>> Tests(const std::vector<Unit>& units) {
  std::vector<std::vector<TestIndex>> out;
  for (const Unit& u : units) out.push_back(u.tests);
  return out;
}

// --- ExpectDurations ------------------------------------------------------------------------------

TEST(ExpectDurationsTest, MeasuredTestsKeepTheirMeasurement) {
  Inventory inventory = {Item("a.py", "x"), Item("b.py", "y")};
  EXPECT_EQ(ExpectDurations(inventory, {2.0, 0.5}), (std::vector<double>{2.0, 0.5}));
}

TEST(ExpectDurationsTest, AnUnknownTestGetsItsFilesMean) {
  Inventory inventory = {Item("a.py", "x"), Item("a.py", "y"), Item("a.py", "new"), Item("b.py", "z")};
  std::vector<double> expected = ExpectDurations(inventory, {1.0, 3.0, std::nullopt, 10.0});
  EXPECT_EQ(expected, (std::vector<double>{1.0, 3.0, 2.0, 10.0}));
}

TEST(ExpectDurationsTest, AnUnknownFileGetsTheSuitesMean) {
  Inventory inventory = {Item("a.py", "x"), Item("b.py", "y"), Item("new.py", "n1"), Item("new.py", "n2")};
  // Shorter than the inventory: the missing entries are unknown too.
  std::vector<double> expected = ExpectDurations(inventory, {1.0, 2.0});
  EXPECT_EQ(expected, (std::vector<double>{1.0, 2.0, 1.5, 1.5}));
}

TEST(ExpectDurationsTest, NothingMeasuredGivesNothing) {
  Inventory inventory = {Item("a.py", "x"), Item("b.py", "y")};
  EXPECT_TRUE(ExpectDurations(inventory, {}).empty());
  EXPECT_TRUE(ExpectDurations(inventory, {std::nullopt, std::nullopt}).empty());
  EXPECT_TRUE(ExpectDurations({}, {}).empty());
}

TEST(ExpectDurationsTest, UnitSecondsAreTheSumOfItsTests) {
  EXPECT_DOUBLE_EQ(ExpectedSeconds(UnitOf({0, 2}), {1.0, 5.0, 0.25}), 1.25);
  EXPECT_DOUBLE_EQ(ExpectedSeconds(UnitOf({7}), {1.0}), 0.0);
}

// --- ExpectedWallTime -----------------------------------------------------------------------------

TEST(ExpectedWallTimeTest, OneWorkerRunsEverythingInTurn) {
  EXPECT_DOUBLE_EQ(ExpectedWallTime({1, 2, 3}, 1), 6);
  EXPECT_DOUBLE_EQ(ExpectedWallTime({1, 2, 3}, 0), 6);  // 0 counts as 1
}

TEST(ExpectedWallTimeTest, LongestFirstOntoTheFirstFreeWorker) {
  // LPT: 5 -> w0, 4 -> w1, 3 -> w1 (4 < 5), 2 -> w0 (5 < 7), 2 -> w0 (7 = 7, the first) => 9 and 7.
  EXPECT_DOUBLE_EQ(ExpectedWallTime({2, 3, 2, 5, 4}, 2), 9);
  // The single longest unit bounds the run however many workers there are.
  EXPECT_DOUBLE_EQ(ExpectedWallTime({10, 1, 1, 1}, 8), 10);
  EXPECT_DOUBLE_EQ(ExpectedWallTime({}, 4), 0);
  // Many equal units spread evenly.
  EXPECT_DOUBLE_EQ(ExpectedWallTime(std::vector<double>(12, 0.5), 4), 1.5);
}

// --- PlanWork with durations ----------------------------------------------------------------------

Inventory ThreeFiles() {
  return {
      Item("a.py", "a1"), Item("a.py", "a2"), Item("a.py", "a3"),  // 0-2: many, fast
      Item("b.py", "b1"),                                          // 3: one, slow
      Item("c.py", "c1"), Item("c.py", "c2"),                      // 4-5: medium
  };
}

TEST(PlanWorkDurationsTest, WithoutDurationsTheLargestUnitGoesFirst) {
  WorkPlan plan = PlanWork(ThreeFiles(), PolicyFor(DistMode::kLoadFile), 2);
  EXPECT_EQ(Tests(plan.units), (std::vector<std::vector<TestIndex>>{{0, 1, 2}, {4, 5}, {3}}));
  for (const Unit& unit : plan.units) EXPECT_EQ(unit.seconds, 0.0);
}

TEST(PlanWorkDurationsTest, LoadfileHandsOutTheLongestExpectedFileFirst) {
  const std::vector<double> expected = {0.1, 0.1, 0.1, 5.0, 1.0, 1.0};
  WorkPlan plan = PlanWork(ThreeFiles(), PolicyFor(DistMode::kLoadFile), 2, expected);
  EXPECT_EQ(Tests(plan.units), (std::vector<std::vector<TestIndex>>{{3}, {4, 5}, {0, 1, 2}}));
  ASSERT_EQ(plan.units.size(), 3u);
  EXPECT_DOUBLE_EQ(plan.units[0].seconds, 5.0);
  EXPECT_DOUBLE_EQ(plan.units[1].seconds, 2.0);
  EXPECT_NEAR(plan.units[2].seconds, 0.3, 1e-12);
}

TEST(PlanWorkDurationsTest, LoadgroupAndLoadscopeOrderByExpectedSecondsToo) {
  Inventory inventory = {Item("a.py", "g1", "db"), Item("a.py", "x"), Item("b.py", "g2", "db"),
                         Item("b.py", "slow")};
  const std::vector<double> expected = {1.0, 0.5, 1.0, 3.0};
  Policy group = PolicyFor(DistMode::kLoadGroup);
  group.fallback = DistMode::kLoadFile;
  EXPECT_EQ(Tests(PlanWork(inventory, group, 2, expected).units),
            (std::vector<std::vector<TestIndex>>{{3}, {0, 2}, {1}}));
  EXPECT_EQ(Tests(PlanWork(inventory, PolicyFor(DistMode::kLoadScope), 2, expected).units),
            (std::vector<std::vector<TestIndex>>{{2, 3}, {0, 1}}));
}

TEST(PlanWorkDurationsTest, EqualExpectedUnitsKeepCollectionOrder) {
  WorkPlan plan = PlanWork(ThreeFiles(), PolicyFor(DistMode::kLoadFile), 2, {1, 1, 1, 3, 1.5, 1.5});
  EXPECT_EQ(Tests(plan.units), (std::vector<std::vector<TestIndex>>{{0, 1, 2}, {3}, {4, 5}}));
}

TEST(PlanWorkDurationsTest, LoadStartsLongTestsFirstAndKeepsTheRestInCollectionOrder) {
  // Tests 1 and 4 take more than 2% of a worker's share of the 20.6 s; the others keep their order.
  const std::vector<double> expected = {0.1, 8.0, 0.1, 0.1, 12.0, 0.1, 0.1};
  Inventory inventory;
  for (int i = 0; i < 7; ++i) inventory.push_back(Item(i < 4 ? "a.py" : "b.py", "t" + std::to_string(i)));
  WorkPlan plan = PlanWork(inventory, PolicyFor(DistMode::kLoad), 2, expected);
  EXPECT_EQ(Tests(plan.units), (std::vector<std::vector<TestIndex>>{{4}, {1}, {0}, {2}, {3}, {5}, {6}}));
  ASSERT_EQ(plan.units.size(), 7u);
  EXPECT_DOUBLE_EQ(plan.units[0].seconds, 12.0);
}

TEST(PlanWorkDurationsTest, WithoutDurationsLoadStartsTestsMarkedSlowFirst) {
  Inventory inventory;
  for (int i = 0; i < 6; ++i) inventory.push_back(Item(i < 3 ? "a.py" : "b.py", "t" + std::to_string(i)));
  inventory[4].marks = {"parametrize", "slow"};
  inventory[1].marks = {"slow"};
  inventory[2].marks = {"slowish"};
  EXPECT_EQ(Tests(PlanWork(inventory, PolicyFor(DistMode::kLoad), 2).units),
            (std::vector<std::vector<TestIndex>>{{1}, {4}, {0}, {2}, {3}, {5}}));
  // Measured durations are better evidence than a mark: they alone decide.
  EXPECT_EQ(Tests(PlanWork(inventory, PolicyFor(DistMode::kLoad), 2, {0.1, 0.1, 0.1, 0.1, 0.1, 0.1}).units),
            (std::vector<std::vector<TestIndex>>{{0}, {1}, {2}, {3}, {4}, {5}}));
}

TEST(PlanWorkDurationsTest, LoadKeepsAlikeLongTestsInCollectionOrder) {
  // Forty tests of about 25 ms (measuring noise of up to 0.4 ms) in four files, and one of 200 ms, on
  // four workers: each is over 2% of a worker's share (5.9 ms), so each counts as long. The 200 ms one
  // starts first; the rest differ by less than that 2% and keep collection order, each file's tests
  // together, instead of an order by noise.
  Inventory inventory;
  std::vector<double> expected;
  for (int i = 0; i < 40; ++i) {
    inventory.push_back(Item("t" + std::to_string(i / 10) + ".py", "t" + std::to_string(i)));
    expected.push_back(i == 17 ? 0.2 : 0.025 + 0.0001 * (i * 7 % 5));
  }
  std::vector<std::vector<TestIndex>> order = {{17}};
  for (TestIndex i = 0; i < 40; ++i) {
    if (i != 17) order.push_back({i});
  }
  EXPECT_EQ(Tests(PlanWork(inventory, PolicyFor(DistMode::kLoad), 4, expected).units), order);
}

TEST(PlanWorkDurationsTest, NoAndWorkstealKeepCollectionOrder) {
  // `no` is collection order by definition; worksteal balances its queues by expected seconds instead.
  const std::vector<double> expected = {0.1, 0.1, 0.1, 5.0, 1.0, 1.0};
  for (DistMode mode : {DistMode::kNo, DistMode::kWorkSteal}) {
    WorkPlan plan = PlanWork(ThreeFiles(), PolicyFor(mode), 2, expected);
    EXPECT_EQ(Tests(plan.units), (std::vector<std::vector<TestIndex>>{{0}, {1}, {2}, {3}, {4}, {5}}))
        << DistModeName(mode);
  }
}

TEST(PlanWorkDurationsTest, WorkstealSplitsExpectedSecondsEvenly) {
  // By count the split would be {0,1,2} and {3,4,5}: 0.3 s against 7 s. By expected seconds the first
  // worker's queue takes tests until it holds half of the 7.3 s.
  const std::vector<double> expected = {0.1, 0.1, 0.1, 5.0, 1.0, 1.0};
  Scheduler scheduler(PlanWork(ThreeFiles(), PolicyFor(DistMode::kWorkSteal), 2, expected));
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  // Each worker starts at the front of its own queue: the second queue begins after the slow test.
  EXPECT_EQ(scheduler.Next(0).tests.front(), 0u);
  EXPECT_EQ(scheduler.Next(1).tests.front(), 4u);
}

TEST(PlanWorkDurationsTest, WorkstealWithoutDurationsSplitsByCount) {
  Scheduler scheduler(PlanWork(ThreeFiles(), PolicyFor(DistMode::kWorkSteal), 2));
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  EXPECT_EQ(scheduler.Next(0).tests.front(), 0u);
  EXPECT_EQ(scheduler.Next(1).tests.front(), 3u);
}

// `slow` tests of `slow_seconds` followed by the rest of `count` tests at `fast_seconds`, in one file, as
// two workers of a load-mode scheduler see them.
Scheduler TwoWorkersOn(int count, int slow, double slow_seconds, double fast_seconds) {
  Inventory inventory;
  std::vector<double> expected;
  for (int i = 0; i < count; ++i) {
    inventory.push_back(Item("t.py", "t" + std::to_string(i)));
    expected.push_back(i < slow ? slow_seconds : fast_seconds);
  }
  Scheduler scheduler(PlanWork(inventory, PolicyFor(DistMode::kLoad), 2, expected));
  scheduler.AddWorker(0);
  scheduler.AddWorker(1);
  return scheduler;
}

TEST(SchedulerDurationsTest, AssignmentsAreCappedByExpectedSeconds) {
  // Ten 1 s tests, then ninety trivial ones: by count alone, the first worker would get twelve tests,
  // ten seconds of work, in one assignment.
  Scheduler scheduler = TwoWorkersOn(100, 10, 1.0, 0.001);
  EXPECT_EQ(scheduler.Next(0).tests, (std::vector<TestIndex>{0, 1}));
  EXPECT_EQ(scheduler.Next(1).tests, (std::vector<TestIndex>{2, 3}));
}

TEST(SchedulerDurationsTest, ALongTestsCompanionIsAShortOneFromTheBack) {
  // A worker needs a second test before it can run its first (nextitem). For a long first test that
  // second one must not be the next long test, which would then wait behind it while a worker idles.
  Scheduler scheduler = TwoWorkersOn(22, 2, 10.0, 0.01);
  EXPECT_EQ(scheduler.Next(0).tests, (std::vector<TestIndex>{0, 21}));
  EXPECT_EQ(scheduler.Next(1).tests, (std::vector<TestIndex>{1, 20}));
}

}  // namespace
}  // namespace jackd::scheduler
