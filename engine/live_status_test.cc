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

TEST(ProgressTally, CountsXfailedAndXpassedApartFromPassedAsTheFinalLineDoes) {
  Fixture f({0, 0, 0, 0, 0});
  f.tally.Finished(0, Outcome::kPassed);
  f.tally.Finished(1, Outcome::kXfailed);
  f.tally.Finished(2, Outcome::kXfailed);
  f.tally.Finished(3, Outcome::kXpassed);
  f.tally.Finished(4, Outcome::kFlaky);  // pytest's final line counts a test that passed on a rerun as passed
  EXPECT_EQ(f.tally.done(), 5u);
  EXPECT_EQ(f.tally.passed(), 2u);
  EXPECT_EQ(f.tally.xfailed(), 2u);
  EXPECT_EQ(f.tally.xpassed(), 1u);
  EXPECT_EQ(f.tally.failed(), 0u);
}

TEST(ProgressTally, TimeLeftComesFromExpectedDurationsSpreadOverWorkers) {
  Fixture f({4, 2, 2, 8});
  f.tally.Finished(3, Outcome::kPassed);
  ASSERT_TRUE(f.tally.SecondsLeft(1.0, 2, {}).has_value());
  EXPECT_DOUBLE_EQ(*f.tally.SecondsLeft(1.0, 2, {}), 4.0);  // (4 + 2 + 2) / 2
}

TEST(ProgressTally, RunningTestsCountWithWhatTheyStillNeed) {
  Fixture f({4, 2, 2, 8});
  f.tally.Finished(3, Outcome::kPassed);
  // Test 0 has run 3 of its 4 seconds: 1 left, plus tests 1 and 2 queued: (1 + 2 + 2) / 2.
  const std::vector<WorkerActivity> one_running = {{"gw0", 0, 3.0}, {"gw1", std::nullopt, 0}};
  EXPECT_DOUBLE_EQ(*f.tally.SecondsLeft(5.0, 2, one_running), 2.5);
}

TEST(ProgressTally, TimeLeftIsNeverShorterThanTheLongestRunningTestStillNeeds) {
  // Found on a real suite: "about 0.2s left; longest running: ... (39s)" on one line.
  Fixture f({0.1, 0.1, 0.1, 0.1, 0.2, 50});
  for (TestIndex i = 0; i < 3; ++i) f.tally.Finished(i, Outcome::kPassed);
  // Test 5 expects 50s and has run 11: 39s to go, whatever the short ones queued on the other worker.
  const std::vector<WorkerActivity> workers = {{"gw0", 5, 11.0}, {"gw1", 3, 0.05}};
  EXPECT_DOUBLE_EQ(*f.tally.SecondsLeft(12.0, 2, workers), 39.0);
}

TEST(ProgressTally, ATestPastItsExpectationStillNeedsTime) {
  Fixture f({0.1, 0.1, 0.1, 2});
  for (TestIndex i = 0; i < 3; ++i) f.tally.Finished(i, Outcome::kPassed);
  // Expected 2s, running for 41: guessed to overrun by as much again, not to end this instant.
  const std::vector<WorkerActivity> workers = {{"gw0", 3, 41.0}};
  EXPECT_DOUBLE_EQ(*f.tally.SecondsLeft(42.0, 2, workers), 39.0);
  EXPECT_DOUBLE_EQ(RunningSecondsLeft(2, 1.5), 0.5);
  EXPECT_DOUBLE_EQ(RunningSecondsLeft(2, 41), 39.0);
  EXPECT_DOUBLE_EQ(RunningSecondsLeft(0, 39), 39.0);  // no expectation: as long again as it has run
}

TEST(ProgressTally, WithoutDurationsTimeLeftFollowsThePaceSoFar) {
  Fixture f({0, 0, 0, 0});
  EXPECT_FALSE(f.tally.SecondsLeft(1.0, 2, {}).has_value());  // nothing to go by yet
  f.tally.Finished(0, Outcome::kPassed);
  EXPECT_DOUBLE_EQ(*f.tally.SecondsLeft(2.0, 2, {}), 6.0);  // 1 test took 2s, 3 to go
  // On a first run, a test running for 39s outlasts what the pace of the quick ones says.
  f.tally.Finished(1, Outcome::kPassed);
  f.tally.Finished(2, Outcome::kPassed);
  const std::vector<WorkerActivity> workers = {{"gw0", 3, 39.0}};
  EXPECT_DOUBLE_EQ(*f.tally.SecondsLeft(40.0, 2, workers), 39.0);
  f.tally.Finished(3, Outcome::kPassed);
  EXPECT_DOUBLE_EQ(*f.tally.SecondsLeft(9.0, 2, {}), 0.0);
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
  // Test 3 queued (1s) and test 2 a quarter second past its 1s: (1 + 0.25) / 2 workers.
  EXPECT_NE(lines[0].find(" 50% 2/4  1 passed, 1 failed  3.0s, ~0.6s left"), std::string::npos) << lines[0];
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
  EXPECT_EQ(ProgressLogLine(f.tally, 12.0, 2, {}),
            "[jackd] 50% (1/2): 1 passed, 0 failed, 0 skipped; 12s elapsed, about 12s left");
}

TEST(StatusArea, ProgressLogLineCountsXfailedAndXpassedAsTheFinalLineDoes) {
  Fixture f({0, 0, 0, 0});
  f.tally.Finished(0, Outcome::kPassed);
  f.tally.Finished(1, Outcome::kXfailed);
  f.tally.Finished(2, Outcome::kXpassed);
  EXPECT_EQ(
      ProgressLogLine(f.tally, 3.0, 2, {}),
      "[jackd] 75% (3/4): 1 passed, 0 failed, 0 skipped, 1 xfailed, 1 xpassed; 3.0s elapsed, about 1.0s "
      "left");
  std::vector<WorkerActivity> workers = {{"gw0", 3, 0.5}};
  StatusAreaInput input{&f.tally, &workers, &f.collection.items, 1, 3.0, 60, 120, 40, false};
  EXPECT_NE(StatusAreaLines(input)[0].find("  1 passed, 1 xfailed, 1 xpassed  3.0s"), std::string::npos);
}

TEST(ShortDuration, ReadsNaturally) {
  EXPECT_EQ(ShortDuration(1.25), "1.2s");
  EXPECT_EQ(ShortDuration(42.4), "42s");
  EXPECT_EQ(ShortDuration(185), "3m05s");
  EXPECT_EQ(ShortDuration(3720), "1h02m");
}

}  // namespace
}  // namespace jackd
