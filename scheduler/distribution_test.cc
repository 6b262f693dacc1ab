#include "scheduler/distribution.h"

#include <gtest/gtest.h>

#include <set>

#include "scheduler/exclusion.h"
#include "scheduler/work_plan.h"

namespace jackd::scheduler {
namespace {

Policy PolicyFor(DistMode mode) {
  Policy policy;
  policy.mode = mode;
  return policy;
}

TestItem Item(std::string node_id, std::string file, std::vector<std::string> classes = {},
              std::string group = "") {
  TestItem item;
  item.node_id = std::move(node_id);
  item.file = std::move(file);
  item.class_chain = std::move(classes);
  item.xdist_group = std::move(group);
  return item;
}

// Node IDs full of the characters that break grouping by text: the policies must not care.
Inventory Awkward() {
  return {
      Item("a.py::test_x[::]", "a.py"),                                    // 0
      Item("a.py::TestK::test_y[a@b]", "a.py", {"TestK"}, "db"),           // 1
      Item("a.py::TestK::test_z[ sp ace ]", "a.py", {"TestK"}),            // 2
      Item("b/ü.py::test_ü", "b/ü.py", {}, "db"),                          // 3
      Item("b/ü.py::TestO::TestI::test_n", "b/ü.py", {"TestO", "TestI"}),  // 4
      Item("b/ü.py::TestO::test_m", "b/ü.py", {"TestO"}),                  // 5
      Item("b/ü.py::TestO::TestI::test_o", "b/ü.py", {"TestO", "TestI"}),  // 6
      Item("c.py::test_c", "c.py"),                                        // 7
  };
}

std::vector<std::vector<TestIndex>> Tests(const std::vector<Unit>& units) {
  std::vector<std::vector<TestIndex>> out;
  for (const Unit& u : units) out.push_back(u.tests);
  return out;
}

void ExpectEveryTestOnce(const std::vector<Unit>& units, std::size_t n) {
  std::multiset<TestIndex> seen;
  for (const Unit& u : units) seen.insert(u.tests.begin(), u.tests.end());
  ASSERT_EQ(seen.size(), n);
  for (TestIndex i = 0; i < n; ++i) EXPECT_EQ(seen.count(i), 1u) << i;
}

using Units = std::vector<std::vector<TestIndex>>;

TEST(DistributionTest, LoadIsOneUnitPerTestInCollectionOrder) {
  EXPECT_EQ(Tests(MakeUnits(Awkward(), DistMode::kLoad)), (Units{{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}}));
  EXPECT_EQ(Tests(MakeUnits(Awkward(), DistMode::kWorkSteal)), Tests(MakeUnits(Awkward(), DistMode::kLoad)));
  EXPECT_EQ(Tests(MakeUnits(Awkward(), DistMode::kNo)), Tests(MakeUnits(Awkward(), DistMode::kLoad)));
}

TEST(DistributionTest, LoadFileKeepsAFileTogetherInOrderLargestFirst) {
  EXPECT_EQ(Tests(MakeUnits(Awkward(), DistMode::kLoadFile)), (Units{{3, 4, 5, 6}, {0, 1, 2}, {7}}));
}

TEST(DistributionTest, LoadScopeGroupsByInnermostClassElseModule) {
  // TestO::TestI is its own scope, distinct from TestO; module-level tests of a file form one more. A
  // module's scopes stay together, the module with the most tests first, then its largest scope first.
  EXPECT_EQ(Tests(MakeUnits(Awkward(), DistMode::kLoadScope)), (Units{{4, 6}, {3}, {5}, {1, 2}, {0}, {7}}));
}

TEST(DistributionTest, LoadGroupPutsAGroupTogetherAcrossFilesAndTheRestByFallback) {
  EXPECT_EQ(Tests(MakeUnits(Awkward(), DistMode::kLoadGroup)), (Units{{1, 3}, {0}, {2}, {4}, {5}, {6}, {7}}));
  EXPECT_EQ(Tests(MakeUnits(Awkward(), DistMode::kLoadGroup, DistMode::kLoadFile)),
            (Units{{4, 5, 6}, {0, 2}, {1, 3}, {7}}));
  // A group is a module of its own here: b/ü.py's two scopes (3 tests) first, then a.py's (2, and first in
  // collection order), then the group (2).
  EXPECT_EQ(Tests(MakeUnits(Awkward(), DistMode::kLoadGroup, DistMode::kLoadScope)),
            (Units{{4, 6}, {5}, {0}, {2}, {1, 3}, {7}}));
}

TEST(DistributionTest, EveryModeCoversEveryTestExactlyOnceAndIsDeterministic) {
  for (DistMode mode : {DistMode::kLoad, DistMode::kLoadFile, DistMode::kLoadScope, DistMode::kLoadGroup,
                        DistMode::kWorkSteal, DistMode::kNo}) {
    auto units = MakeUnits(Awkward(), mode, DistMode::kLoadFile);
    ExpectEveryTestOnce(units, Awkward().size());
    EXPECT_EQ(Tests(units), Tests(MakeUnits(Awkward(), mode, DistMode::kLoadFile))) << DistModeName(mode);
    EXPECT_EQ(ParseDistMode(DistModeName(mode)), mode);
  }
  EXPECT_FALSE(ParseDistMode("bogus").has_value());
}

TEST(ExclusionTest, SerialMarksAndBenchmarksRunAlone) {
  TestItem serial = Item("a.py::s", "a.py");
  serial.marks = {"parametrize", "serial"};
  TestItem bench = Item("a.py::b", "a.py");
  bench.fixtures = {"tmp_path", "benchmark"};
  TestItem plain = Item("a.py::p", "a.py");
  plain.marks = {"serialish"};
  ExclusionRules rules;
  EXPECT_TRUE(RunsAlone(serial, rules));
  EXPECT_TRUE(RunsAlone(bench, rules));
  EXPECT_FALSE(RunsAlone(plain, rules));
  rules.benchmarks_run_alone = false;  // --benchmark-disable
  EXPECT_FALSE(RunsAlone(bench, rules));
  rules.serial_mark = "exclusive";
  EXPECT_FALSE(RunsAlone(serial, rules));
  rules.everything_runs_alone = true;  // --benchmark-only
  EXPECT_TRUE(RunsAlone(plain, rules));
}

TEST(WorkPlanTest, RunAloneTestsLeaveTheirUnitsAndKeepTheirOrder) {
  Inventory inventory = Awkward();
  inventory[5].marks = {"serial"};
  inventory[2].marks = {"serial"};
  inventory[7].limit = ConcurrencyLimit{"db", 1};
  WorkPlan plan = PlanWork(inventory, PolicyFor(DistMode::kLoadFile), 2);
  EXPECT_EQ(plan.run_alone, (std::vector<TestIndex>{2, 5}));
  EXPECT_EQ(Tests(plan.units), (Units{{3, 4, 6}, {0, 1}, {7}}));
  ASSERT_EQ(plan.limits.size(), inventory.size());
  EXPECT_EQ(plan.limits[7], (ConcurrencyLimit{"db", 1}));
  EXPECT_FALSE(plan.limits[0].has_value());
  // One worker in collection order: nothing needs separating.
  WorkPlan single = PlanWork(inventory, PolicyFor(DistMode::kNo), 1);
  EXPECT_TRUE(single.run_alone.empty());
  EXPECT_EQ(single.units.size(), inventory.size());
  EXPECT_EQ(PlanWork(inventory, PolicyFor(DistMode::kWorkSteal), 3).home_queues, 3u);
}

}  // namespace
}  // namespace jackd::scheduler
