#include "engine/outcome_book.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace jackd {

OutcomeBook::OutcomeBook(const scheduler::Inventory& items, int detect_flaky)
    : items_(items),
      detect_flaky_(detect_flaky),
      holders_(items.size()),
      attempts_(items.size()),
      crashes_(items.size(), 0),
      records_(items.size()),
      settled_(items.size(), false) {}

void OutcomeBook::Hold(TestIndex index, scheduler::WorkerId slot) { holders_[index].push_back(slot); }

bool OutcomeBook::Release(TestIndex index, scheduler::WorkerId slot) {
  if (index >= holders_.size()) return false;
  auto& holders = holders_[index];
  auto it = std::find(holders.begin(), holders.end(), slot);
  if (it == holders.end()) return false;
  holders.erase(it);
  return true;
}

void OutcomeBook::AddAttempt(TestIndex index, TestRecord attempt) {
  attempts_[index].push_back(std::move(attempt));
}

const TestRecord* OutcomeBook::Settle(TestIndex index, TestRecord last) {
  if (settled_[index]) {
    // --detect-flaky: the other copies of a settled test end quietly when a stop drops them.
    if (last.outcome != Outcome::kNotRun) {
      spdlog::error("test {} got a second outcome; kept the first", items_[index].node_id);
    }
    return nullptr;
  }
  // --detect-flaky: a copy dropped by a stop while another copy runs; that one settles the test.
  if (last.outcome == Outcome::kNotRun && !holders_[index].empty()) return nullptr;
  records_[index] = Decide(index, std::move(last));
  settled_[index] = true;
  ++settled_count_;
  return &records_[index];
}

TestRecord OutcomeBook::Decide(TestIndex index, TestRecord last) {
  std::vector<TestRecord>& earlier = attempts_[index];
  if (earlier.empty()) return last;
  if (last.outcome == Outcome::kNotRun) {
    // Stopped before its next attempt: the last attempt that ran decides.
    last = std::move(earlier.back());
    earlier.pop_back();
  }
  if (detect_flaky_ > 1) {
    last = DecideDetectFlaky(earlier, std::move(last));
  } else if (last.outcome == Outcome::kPassed) {
    last.outcome = Outcome::kFlaky;
    last.reason = absl::StrCat("passed on attempt ", earlier.size() + 1, " after ", earlier.size(),
                               earlier.size() == 1 ? " failure" : " failures");
  }
  last.attempts = std::move(earlier);
  earlier.clear();
  return last;
}

TestRecord OutcomeBook::DecideDetectFlaky(std::vector<TestRecord>& earlier, TestRecord last) const {
  std::map<Outcome, int> tally{{last.outcome, 1}};
  for (const TestRecord& attempt : earlier) ++tally[attempt.outcome];
  if (tally.size() <= 1) return last;
  // Flaky when its runs disagree. As after a rerun, the record is a run that did not fail and the
  // failing runs are its earlier attempts.
  if (IsFailure(last.outcome)) {
    auto good = std::find_if(earlier.begin(), earlier.end(),
                             [](const TestRecord& r) { return !IsFailure(r.outcome); });
    if (good != earlier.end()) std::swap(*good, last);
  }
  std::vector<std::string> parts;
  for (Outcome outcome : kAllOutcomes) {
    if (auto it = tally.find(outcome); it != tally.end())
      parts.push_back(absl::StrCat(it->second, " ", std::string(OutcomeName(outcome))));
  }
  last.reason =
      absl::StrCat("outcomes differ over ", earlier.size() + 1, " runs: ", absl::StrJoin(parts, ", "));
  last.outcome = Outcome::kFlaky;
  return last;
}

std::vector<TestIndex> OutcomeBook::Unsettled() const {
  std::vector<TestIndex> unsettled;
  for (TestIndex i = 0; i < records_.size(); ++i) {
    if (!settled_[i]) unsettled.push_back(i);
  }
  return unsettled;
}

std::vector<TestRecord> OutcomeBook::TakeRecords() {
  // The run loop ends only once every test has an outcome; an empty slot here is an engine bug.
  if (!AllSettled()) {
    std::fprintf(stderr, "jackd: internal error: a test has no outcome\n");
    std::abort();
  }
  return std::move(records_);
}

}  // namespace jackd
