#include "engine/outcome_book.h"

#include <gtest/gtest.h>

namespace jackd {
namespace {

TestRecord RecordOf(Outcome outcome) {
  TestRecord record;
  record.outcome = outcome;
  return record;
}

scheduler::Inventory Tests(int count) {
  scheduler::Inventory items(static_cast<std::size_t>(count));
  for (int i = 0; i < count; ++i) items[static_cast<std::size_t>(i)].node_id = "t" + std::to_string(i);
  return items;
}

TEST(OutcomeBookTest, ATestIsSettledOnce) {
  const scheduler::Inventory items = Tests(2);
  OutcomeBook book(items, 0);
  ASSERT_NE(book.Settle(0, RecordOf(Outcome::kFailed)), nullptr);
  EXPECT_EQ(book.Settle(0, RecordOf(Outcome::kPassed)), nullptr);
  EXPECT_EQ(book.records()[0].outcome, Outcome::kFailed);
  EXPECT_EQ(book.SettledCount(), 1u);
  EXPECT_EQ(book.Unsettled(), std::vector<TestIndex>{1});
}

TEST(OutcomeBookTest, OnlyAHolderMayReleaseATest) {
  const scheduler::Inventory items = Tests(1);
  OutcomeBook book(items, 0);
  book.Hold(0, 1);
  EXPECT_FALSE(book.Release(0, 2));
  EXPECT_FALSE(book.Release(7, 1));  // no such test
  EXPECT_TRUE(book.Release(0, 1));
  EXPECT_FALSE(book.Release(0, 1));
}

TEST(OutcomeBookTest, ADroppedCopyWaitsForTheCopyStillRunning) {
  const scheduler::Inventory items = Tests(1);
  OutcomeBook book(items, 3);
  book.Hold(0, 1);
  EXPECT_EQ(book.Settle(0, RecordOf(Outcome::kNotRun)), nullptr);
  EXPECT_FALSE(book.IsSettled(0));
  ASSERT_TRUE(book.Release(0, 1));
  EXPECT_NE(book.Settle(0, RecordOf(Outcome::kNotRun)), nullptr);
}

TEST(OutcomeBookTest, APassAfterFailuresIsFlakyWithTheFailuresAsAttempts) {
  const scheduler::Inventory items = Tests(1);
  OutcomeBook book(items, 0);
  book.AddAttempt(0, RecordOf(Outcome::kFailed));
  book.AddAttempt(0, RecordOf(Outcome::kError));
  const TestRecord* final = book.Settle(0, RecordOf(Outcome::kPassed));
  ASSERT_NE(final, nullptr);
  EXPECT_EQ(final->outcome, Outcome::kFlaky);
  EXPECT_EQ(final->reason, "passed on attempt 3 after 2 failures");
  EXPECT_EQ(final->attempts.size(), 2u);
}

TEST(OutcomeBookTest, StoppedBeforeARerunTheLastAttemptDecides) {
  const scheduler::Inventory items = Tests(1);
  OutcomeBook book(items, 0);
  book.AddAttempt(0, RecordOf(Outcome::kFailed));
  const TestRecord* final = book.Settle(0, RecordOf(Outcome::kNotRun));
  ASSERT_NE(final, nullptr);
  EXPECT_EQ(final->outcome, Outcome::kFailed);
  EXPECT_TRUE(final->attempts.empty());
}

TEST(OutcomeBookTest, DetectFlakyTalliesDisagreeingRuns) {
  const scheduler::Inventory items = Tests(1);
  OutcomeBook book(items, 3);
  book.AddAttempt(0, RecordOf(Outcome::kPassed));
  book.AddAttempt(0, RecordOf(Outcome::kFailed));
  const TestRecord* final = book.Settle(0, RecordOf(Outcome::kFailed));
  ASSERT_NE(final, nullptr);
  EXPECT_EQ(final->outcome, Outcome::kFlaky);
  EXPECT_EQ(final->reason, "outcomes differ over 3 runs: 2 failed, 1 passed");
  ASSERT_EQ(final->attempts.size(), 2u);
}

TEST(OutcomeBookDeathTest, RecordsAreHandedOverOnlyWhenEveryTestIsSettled) {
  const scheduler::Inventory items = Tests(2);
  OutcomeBook book(items, 0);
  book.Settle(0, RecordOf(Outcome::kPassed));
  EXPECT_DEATH(book.TakeRecords(), "a test has no outcome");
  book.Settle(1, RecordOf(Outcome::kPassed));
  EXPECT_EQ(book.TakeRecords().size(), 2u);
}

}  // namespace
}  // namespace jackd
