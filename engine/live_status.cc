#include "engine/live_status.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/terminal_words.h"

namespace jackd {
namespace {

// The area's share of the screen at most, so the output above it stays readable.
constexpr int kMaxAreaShareOfScreen = 2;
// Shortest progress bar worth drawing; below it the line shows numbers only.
constexpr int kMinBarWidth = 10;

std::string Clip(std::string text, int width) {
  const auto limit = static_cast<std::size_t>(std::max(width - 1, 1));
  if (text.size() > limit) text = text.substr(0, limit - 3) + "...";
  return text;
}

std::string Colored(const std::string& text, const char* color, bool enabled) {
  return enabled ? absl::StrCat(color, text, "\x1b[0m") : text;
}

}  // namespace

void ProgressTally::Start(const RunContext& context) {
  total_ = context.collection ? context.collection->items.size() : 0;
  expected_ = context.expected_seconds;
  expected_.resize(total_, 0.0);
  finished_.assign(total_, false);
  expected_left_ = 0;
  for (double seconds : expected_) expected_left_ += seconds;
  done_ = passed_ = failed_ = skipped_ = xfailed_ = xpassed_ = 0;
}

void ProgressTally::Finished(TestIndex index, Outcome outcome) {
  if (index >= finished_.size() || finished_[index]) return;
  finished_[index] = true;
  expected_left_ = std::max(0.0, expected_left_ - expected_[index]);
  ++done_;
  switch (outcome) {
    case Outcome::kPassed:
    case Outcome::kFlaky:
      ++passed_;
      break;
    case Outcome::kXfailed:
      ++xfailed_;
      break;
    case Outcome::kXpassed:
      ++xpassed_;
      break;
    case Outcome::kSkipped:
      ++skipped_;
      break;
    case Outcome::kNotRun:
      break;
    default:
      ++failed_;
  }
}

double RunningSecondsLeft(double expected_seconds, double running_seconds) {
  if (running_seconds < expected_seconds) return expected_seconds - running_seconds;
  // Past its expectation, how long a test still runs is anyone's guess. As much again as it has overrun
  // is the median guess when nothing else is known (having lasted this long, it is as likely to end
  // before twice as after), and it grows with the overrun, so a test stuck for minutes is never shown
  // as about to end.
  return running_seconds - expected_seconds;
}

std::optional<double> ProgressTally::SecondsLeft(double elapsed, int workers,
                                                 const std::vector<WorkerActivity>& running) const {
  if (done_ >= total_) return 0.0;
  // A running test counts with what it still needs instead of its whole expected duration, and no
  // estimate is shorter than the longest of those: the run cannot end before its last test does.
  double queued = expected_left_;
  double running_left = 0;
  double longest = 0;
  for (const WorkerActivity& worker : running) {
    if (!worker.test || *worker.test >= finished_.size() || finished_[*worker.test]) continue;
    const double expected = expected_[*worker.test];
    const double left = RunningSecondsLeft(expected, worker.running_seconds);
    queued -= expected;
    running_left += left;
    longest = std::max(longest, left);
  }
  if (expected_left_ > 0) {
    return std::max((std::max(queued, 0.0) + running_left) / std::max(workers, 1), longest);
  }
  if (done_ == 0 || elapsed <= 0) return std::nullopt;
  return std::max(elapsed * static_cast<double>(total_ - done_) / static_cast<double>(done_), longest);
}

std::string ShortDuration(double seconds) {
  if (seconds < 10) return absl::StrFormat("%.1fs", seconds);
  const long whole = std::lround(seconds);
  if (whole < 60) return absl::StrCat(whole, "s");
  if (whole < 3600) return absl::StrFormat("%ldm%02lds", whole / 60, whole % 60);
  return absl::StrFormat("%ldh%02ldm", whole / 3600, whole % 3600 / 60);
}

std::vector<std::string> StatusAreaLines(const StatusAreaInput& in) {
  const ProgressTally& tally = *in.tally;
  std::vector<std::string> lines;
  const double fraction =
      tally.total() == 0 ? 1.0 : static_cast<double>(tally.done()) / static_cast<double>(tally.total());
  std::string numbers =
      absl::StrFormat(" %3d%% %zu/%zu", static_cast<int>(fraction * 100), tally.done(), tally.total());
  std::string counts = absl::StrCat("  ", tally.passed(), " passed");
  if (tally.failed() > 0) absl::StrAppend(&counts, ", ", tally.failed(), " failed");
  if (tally.skipped() > 0) absl::StrAppend(&counts, ", ", tally.skipped(), " skipped");
  if (tally.xfailed() > 0) absl::StrAppend(&counts, ", ", tally.xfailed(), " xfailed");
  if (tally.xpassed() > 0) absl::StrAppend(&counts, ", ", tally.xpassed(), " xpassed");
  std::string times = absl::StrCat("  ", ShortDuration(in.elapsed));
  auto left = tally.SecondsLeft(in.elapsed, in.worker_count, *in.workers);
  if (left && tally.done() < tally.total()) absl::StrAppend(&times, ", ~", ShortDuration(*left), " left");
  const int bar_width =
      std::min(40, in.width - 3 - static_cast<int>(numbers.size() + counts.size() + times.size()));
  std::string line;
  if (bar_width >= kMinBarWidth) {
    const int filled = static_cast<int>(fraction * bar_width);
    const std::string bar = absl::StrCat(std::string(static_cast<std::size_t>(filled), '#'),
                                         std::string(static_cast<std::size_t>(bar_width - filled), '-'));
    line = absl::StrCat("[", Colored(bar, tally.failed() ? terminal::kRed : terminal::kGreen, in.color), "]");
    // The colour codes take no columns; clip the rest of the line to what is left.
    absl::StrAppend(&line, Clip(numbers + counts + times, in.width - bar_width - 2));
  } else {
    line = Clip(absl::StrCat(numbers.substr(1), counts, times), in.width);
  }
  lines.push_back(line);

  std::vector<const WorkerActivity*> workers;
  for (const WorkerActivity& activity : *in.workers) workers.push_back(&activity);
  const int room = std::max(1, in.height / kMaxAreaShareOfScreen - 1);
  if (static_cast<int>(workers.size()) > room) {
    // The longest-running tests are the ones worth watching.
    std::stable_sort(workers.begin(), workers.end(), [](const WorkerActivity* a, const WorkerActivity* b) {
      return a->test.has_value() > b->test.has_value() ||
             (a->test.has_value() == b->test.has_value() && a->running_seconds > b->running_seconds);
    });
  }
  const std::size_t shown =
      static_cast<int>(workers.size()) > room ? static_cast<std::size_t>(room - 1) : workers.size();
  for (std::size_t i = 0; i < shown; ++i) {
    const WorkerActivity& activity = *workers[i];
    if (!activity.test) {
      lines.push_back(Clip(absl::StrFormat("[%s] idle", activity.id), in.width));
      continue;
    }
    const bool slow = in.slow_seconds > 0 && activity.running_seconds >= in.slow_seconds;
    const std::string time = absl::StrFormat("%6s", ShortDuration(activity.running_seconds));
    const std::string head = absl::StrFormat("[%s] ", activity.id);
    const std::string flag = slow ? "SLOW " : "";
    const std::string& node_id = (*in.items)[*activity.test].node_id;
    std::string text = Clip(absl::StrCat(head, time, " ", flag, node_id), in.width);
    if (slow && in.color && text.size() >= head.size() + time.size() + 5) {
      const std::size_t at = head.size() + time.size() + 1;
      text = absl::StrCat(text.substr(0, at), terminal::kYellow, "SLOW", "\x1b[0m", text.substr(at + 4));
    }
    lines.push_back(text);
  }
  if (shown < workers.size()) {
    lines.push_back(absl::StrCat("... and ", workers.size() - shown, " more workers"));
  }
  return lines;
}

std::string ProgressLogLine(const ProgressTally& tally, double elapsed, int workers,
                            const std::vector<WorkerActivity>& running) {
  const int percent = tally.total() == 0 ? 100 : static_cast<int>(tally.done() * 100 / tally.total());
  std::string line =
      absl::StrFormat("[jackd] %d%% (%zu/%zu): %zu passed, %zu failed, %zu skipped", percent, tally.done(),
                      tally.total(), tally.passed(), tally.failed(), tally.skipped());
  // Only when there are any: most suites have none, and their line stays as it was.
  if (tally.xfailed() > 0) absl::StrAppend(&line, ", ", tally.xfailed(), " xfailed");
  if (tally.xpassed() > 0) absl::StrAppend(&line, ", ", tally.xpassed(), " xpassed");
  absl::StrAppend(&line, "; ", ShortDuration(elapsed), " elapsed");
  if (auto left = tally.SecondsLeft(elapsed, workers, running))
    absl::StrAppend(&line, ", about ", ShortDuration(*left), " left");
  return line;
}

}  // namespace jackd
