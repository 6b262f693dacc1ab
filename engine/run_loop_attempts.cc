// The run loop's attempts: reruns of failed tests (--reruns, @pytest.mark.flaky), the repeated runs of
// --detect-flaky, and how a test's attempts settle into its one final outcome.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/run_loop.h"

namespace jackd {

void RunLoop::Attempted(TestIndex index, scheduler::WorkerId slot, TestRecord record) {
  if (settled_[index]) return;  // settled already: a --detect-flaky copy that ran after a stop
  if (plan_.detect_flaky > 1) {
    if (attempts_[index].size() + 1 < static_cast<std::size_t>(plan_.detect_flaky)) {
      reporter_.AttemptFinished(context_, index, record);
      attempts_[index].push_back(std::move(record));
      return;
    }
    Record(index, std::move(record));
    return;
  }
  const bool rerunnable = record.outcome == Outcome::kFailed || record.outcome == Outcome::kError;
  const std::optional<FlakyMark>& mark = collection_.flaky[index];
  const std::uint32_t reruns = mark ? mark->reruns : static_cast<std::uint32_t>(plan_.reruns);
  if (rerunnable && attempts_[index].size() < reruns && stop_ == StopKind::kNone) {
    reporter_.AttemptFinished(context_, index, record);
    attempts_[index].push_back(std::move(record));
    ScheduleRetry(index, slot, mark ? mark->delay : plan_.reruns_delay);
    return;
  }
  Record(index, std::move(record));
}

void RunLoop::ScheduleRetry(TestIndex index, scheduler::WorkerId slot, double delay) {
  if (delay <= 0) {
    scheduler_.Retry(index, slot);
    EnsureWorkerForRetry();
    return;
  }
  scheduler_.Park(index);
  ++parked_retries_;
  const auto wait = std::chrono::milliseconds(static_cast<long>(delay * 1000));
  retry_timers_.push_back(clock_.After(wait, [this, index, slot] {
    --parked_retries_;
    // A stop in the meantime cancelled the retry and settled the test.
    if (!settled_[index] && stop_ == StopKind::kNone) {
      scheduler_.Retry(index, slot);
      EnsureWorkerForRetry();
      DispatchStarving();
    }
    MaybeEnd();
  }));
}

void RunLoop::EnsureWorkerForRetry() {
  for (const auto& [slot, worker] : workers_) {
    // It will take the retry (a remote worker has no process of its own here: `exited` says nothing).
    if (!worker.finish_sent && !worker.retired && (!worker.exited || worker.remote)) return;
  }
  // Every worker was told to finish before this test failed: one more runs the retries.
  const scheduler::WorkerId slot = NextFreeSlot();
  spdlog::debug("starting gw{} for a rerun", slot);
  SpawnWorker(slot);
}

TestRecord RunLoop::Settled(TestIndex index, TestRecord last) {
  std::vector<TestRecord>& earlier = attempts_[index];
  if (earlier.empty()) return last;
  if (last.outcome == Outcome::kNotRun) {
    // Stopped before its next attempt: the last attempt that ran decides.
    last = std::move(earlier.back());
    earlier.pop_back();
  }
  if (plan_.detect_flaky > 1) {
    std::map<Outcome, int> tally{{last.outcome, 1}};
    for (const TestRecord& attempt : earlier) ++tally[attempt.outcome];
    if (tally.size() > 1) {
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
    }
  } else if (last.outcome == Outcome::kPassed) {
    last.outcome = Outcome::kFlaky;
    last.reason = absl::StrCat("passed on attempt ", earlier.size() + 1, " after ", earlier.size(),
                               earlier.size() == 1 ? " failure" : " failures");
  }
  last.attempts = std::move(earlier);
  earlier.clear();
  return last;
}

}  // namespace jackd
