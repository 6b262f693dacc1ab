#include "engine/live_status.h"

#include <gtest/gtest.h>

namespace jackd {
namespace {

struct Fixture {
  Collection collection;
  RunContext context;
  ProgressTally tally;

  explicit Fixture(std::vector<double> expected) {
    for (std::size_t i = 0; i < expected.size(); ++i) {
      scheduler::TestItem item;
      item.node_id = "tests/test_a.py::test_" + std::to_string(i);
      collection.items.push_back(item);
    }
    context.collection = &collection;
    context.expected_seconds = std::move(expected);
    tally.Start(context);
  }
};

TEST(ProgressTally, CountsOutcomesOnceEach) {
  Fixture f({0, 0, 0, 0});
  f.tally.Finished(0, Outcome::kPassed);
  f.tally.Finished(1, Outcome::kFailed);
  f.tally.Finished(1, Outcome::kFailed);  // a second report of the same test counts once
  f.tally.Finished(2, Outcome::kSkipped);
  EXPECT_EQ(f.tally.done(), 3u);
  EXPECT_EQ(f.tally.passed(), 1u);
  EXPECT_EQ(f.tally.failed(), 1u);
  EXPECT_EQ(f.tally.skipped(), 1u);
}

TEST(ProgressTally, TimeLeftComesFromExpectedDurationsSpreadOverWorkers) {
  Fixture f({4, 2, 2, 8});
  f.tally.Finished(3, Outcome::kPassed);
  ASSERT_TRUE(f.tally.SecondsLeft(1.0, 2).has_value());
  EXPECT_DOUBLE_EQ(*f.tally.SecondsLeft(1.0, 2), 4.0);  // (4 + 2 + 2) / 2
}

TEST(ProgressTally, WithoutDurationsTimeLeftFollowsThePaceSoFar) {
  Fixture f({0, 0, 0, 0});
  EXPECT_FALSE(f.tally.SecondsLeft(1.0, 2).has_value());  // nothing to go by yet
  f.tally.Finished(0, Outcome::kPassed);
  EXPECT_DOUBLE_EQ(*f.tally.SecondsLeft(2.0, 2), 6.0);  // 1 test took 2s, 3 to go
  for (TestIndex i = 1; i < 4; ++i) f.tally.Finished(i, Outcome::kPassed);
  EXPECT_DOUBLE_EQ(*f.tally.SecondsLeft(9.0, 2), 0.0);
}

TEST(StatusArea, ShowsProgressCountsAndOneLinePerWorker) {
  Fixture f({1, 1, 1, 1});
  f.tally.Finished(0, Outcome::kPassed);
  f.tally.Finished(1, Outcome::kFailed);
  std::vector<WorkerActivity> workers = {{"gw0", 2, 1.25}, {"gw1", std::nullopt, 0}};
  StatusAreaInput input{&f.tally, &workers, &f.collection.items, 2, 3.0, 60, 100, 40, false};
  const std::vector<std::string> lines = StatusAreaLines(input);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_NE(lines[0].find("[#"), std::string::npos) << lines[0];
  EXPECT_NE(lines[0].find(" 50% 2/4  1 passed, 1 failed  3.0s, ~1.0s left"), std::string::npos) << lines[0];
  EXPECT_EQ(lines[1], "[gw0]   1.2s tests/test_a.py::test_2");
  EXPECT_EQ(lines[2], "[gw1] idle");
  for (const std::string& line : lines) EXPECT_LT(line.size(), 100u);
}

TEST(StatusArea, FlagsSlowTestsAndFitsTheScreen) {
  Fixture f({0, 0, 0, 0});
  std::vector<WorkerActivity> workers;
  for (int i = 0; i < 30; ++i) workers.push_back({"gw" + std::to_string(i), 0, static_cast<double>(i)});
  StatusAreaInput input{&f.tally, &workers, &f.collection.items, 30, 1.0, 20, 60, 20, false};
  const std::vector<std::string> lines = StatusAreaLines(input);
  ASSERT_EQ(lines.size(), 10u);  // half the 20 rows: progress, 8 workers, "... and 22 more workers"
  EXPECT_EQ(lines[1], "[gw29]    29s SLOW tests/test_a.py::test_0");  // the longest-running first
  EXPECT_EQ(lines.back(), "... and 22 more workers");
  for (const std::string& line : lines) EXPECT_LT(line.size(), 60u) << line;
}

TEST(StatusArea, ProgressLogLineIsPlainText) {
  Fixture f({0, 0});
  f.tally.Finished(0, Outcome::kPassed);
  EXPECT_EQ(ProgressLogLine(f.tally, 12.0, 2),
            "[jackd] 50% (1/2): 1 passed, 0 failed, 0 skipped; 12s elapsed, about 12s left");
}

TEST(ShortDuration, ReadsNaturally) {
  EXPECT_EQ(ShortDuration(1.25), "1.2s");
  EXPECT_EQ(ShortDuration(42.4), "42s");
  EXPECT_EQ(ShortDuration(185), "3m05s");
  EXPECT_EQ(ShortDuration(3720), "1h02m");
}

}  // namespace
}  // namespace jackd
