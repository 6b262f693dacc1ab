// The run loop's outcomes: reruns of failed tests (--reruns, @pytest.mark.flaky), the repeated runs of
// --detect-flaky, and what a final outcome sets off (the reporters, --maxfail, --sw). How attempts
// settle into one outcome is the outcome book's (engine/outcome_book.h).
#include <spdlog/spdlog.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "engine/run_loop.h"

namespace jackd {

void RunLoop::Attempted(TestIndex index, scheduler::WorkerId slot, TestRecord record) {
  if (book_.IsSettled(index)) return;  // settled already: a --detect-flaky copy that ran after a stop
  if (plan_.detect_flaky > 1) {
    if (book_.Attempts(index) + 1 < static_cast<std::size_t>(plan_.detect_flaky)) {
      reporter_.AttemptFinished(context_, index, record);
      book_.AddAttempt(index, std::move(record));
      return;
    }
    Record(index, std::move(record));
    return;
  }
  const bool rerunnable = record.outcome == Outcome::kFailed || record.outcome == Outcome::kError;
  const std::optional<FlakyMark>& mark = collection_.flaky[index];
  const std::uint32_t reruns = mark ? mark->reruns : static_cast<std::uint32_t>(plan_.reruns);
  if (rerunnable && book_.Attempts(index) < reruns && !stop_.stopped()) {
    reporter_.AttemptFinished(context_, index, record);
    book_.AddAttempt(index, std::move(record));
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
    if (!book_.IsSettled(index) && !stop_.stopped()) {
      scheduler_.Retry(index, slot);
      EnsureWorkerForRetry();
      DispatchStarving();
    }
    MaybeEnd();
  }));
}

void RunLoop::EnsureWorkerForRetry() {
  for (const auto& [slot, worker] : workers_) {
    if (worker.WillTakeWork()) return;
  }
  // Every worker was told to finish before this test failed: one more runs the retries.
  const scheduler::WorkerId slot = NextFreeSlot();
  spdlog::debug("starting gw{} for a rerun", slot);
  SpawnWorker(slot);
}

void RunLoop::Record(TestIndex index, TestRecord record) {
  const TestRecord* final = book_.Settle(index, std::move(record));
  if (final == nullptr) return;
  reporter_.TestFinished(context_, index, *final);
  if (book_.AllSettled() && outcomes_final_) std::exchange(outcomes_final_, nullptr)(book_.records());
  CountFailures(index, *final);
}

void RunLoop::CountFailures(TestIndex index, const TestRecord& record) {
  // pytest counts failed reports toward --maxfail, and stepwise stops at one: a failed subtest counts,
  // also in a test that passed (unittest's subTest).
  const std::size_t failed_subtests = record.FailedSubtests();
  const bool own_failure = IsFailure(record.outcome) && record.outcome != Outcome::kNotRun;
  failures_ += static_cast<std::uint32_t>(failed_subtests) + (own_failure ? 1 : 0);
  const bool failed = own_failure || failed_subtests > 0;
  const std::uint32_t maxfail = collection_.settings.maxfail;
  if (maxfail > 0 && failures_ >= maxfail && !stop_.stopped()) {
    // pytest's wording, plural and all.
    Stop(StopKind::kMaxfail, absl::StrCat("stopping after ", failures_, " failures"));
  }
  const std::optional<StepwiseSettings>& stepwise = collection_.settings.stepwise;
  if (stepwise && failed && !stop_.stopped()) {
    // pytest's stepwise plugin: stop at a failure, except (--sw-skip) at the first one.
    if (stepwise->skip && !stepwise_skipped_) {
      stepwise_skipped_ = index;
    } else {
      Stop(StopKind::kStepwise, "Interrupted: Test failed, continuing from this test next run.");
    }
  }
}

void RunLoop::MarkNotRun(const std::vector<TestIndex>& tests, const std::string& reason) {
  for (TestIndex index : tests) {
    TestRecord record;
    record.outcome = Outcome::kNotRun;
    record.reason = reason;
    Record(index, std::move(record));
  }
}

}  // namespace jackd
