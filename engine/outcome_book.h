// The outcome book: every test's final outcome, the attempts before it, the workers holding it now and
// how often it crashed one. Its invariant is the run's promise: a test is settled at most once, and the
// records are handed over only when every test is settled, so each test ends with exactly one outcome.
#pragma once

#include <cstddef>
#include <vector>

#include "engine/run_model.h"

namespace jackd {

class OutcomeBook {
 public:
  // `detect_flaky` > 1: every test runs that often and its attempts' tally decides (--detect-flaky).
  OutcomeBook(const scheduler::Inventory& items, int detect_flaky);

  // A worker was sent `index`. Under --detect-flaky one test may be held more than once at a time.
  void Hold(TestIndex index, scheduler::WorkerId slot);
  // Takes one copy of `index` off `slot`'s holdings; false if it held none (a result it had no business
  // sending).
  bool Release(TestIndex index, scheduler::WorkerId slot);

  // An attempt that runs again (a rerun, a --detect-flaky repeat); it becomes one of the final record's
  // attempts.
  void AddAttempt(TestIndex index, TestRecord attempt);
  std::size_t Attempts(TestIndex index) const { return attempts_[index].size(); }

  // One more crash of a worker while it ran `index`; returns how many there were before (--retry-crashed).
  int CountCrash(TestIndex index) { return crashes_[index]++; }
  int Crashes(TestIndex index) const { return crashes_[index]; }

  // Settles `index`: `last` with its earlier attempts folded in (a pass after failures is flaky; a
  // not-run record after attempts takes the last attempt that ran). Returns the final record, or null
  // when there is nothing to settle: the test is settled already, or `last` is a dropped --detect-flaky
  // copy while another copy still runs.
  const TestRecord* Settle(TestIndex index, TestRecord last);

  bool IsSettled(TestIndex index) const { return settled_[index]; }
  std::size_t SettledCount() const { return settled_count_; }
  std::size_t size() const { return records_.size(); }
  bool AllSettled() const { return settled_count_ == records_.size(); }
  std::vector<TestIndex> Unsettled() const;
  // By TestIndex; meaningful where IsSettled.
  const std::vector<TestRecord>& records() const { return records_; }
  // Aborts unless every test is settled: a test without an outcome is an engine bug.
  std::vector<TestRecord> TakeRecords();

 private:
  TestRecord Decide(TestIndex index, TestRecord last);
  TestRecord DecideDetectFlaky(std::vector<TestRecord>& earlier, TestRecord last) const;

  const scheduler::Inventory& items_;
  const int detect_flaky_;
  std::vector<std::vector<scheduler::WorkerId>> holders_;  // by TestIndex
  std::vector<std::vector<TestRecord>> attempts_;          // by TestIndex: attempts before the current one
  std::vector<int> crashes_;                               // by TestIndex
  // Not optional<TestRecord>: TakeRecords hands the vector over whole, where a second array of 100,000
  // records was the engine's peak memory.
  std::vector<TestRecord> records_;
  std::vector<bool> settled_;
  std::size_t settled_count_ = 0;
};

}  // namespace jackd
