// What the terminal shows about a run in progress, as plain text: the live status area on a TTY (a
// progress bar, counts, elapsed and remaining time, one line per worker) and the periodic progress line
// of a log. Pure functions of a ProgressTally, so their text is unit-tested without a terminal.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "engine/run_model.h"

namespace jackd {

// Counts the tests that have an outcome, and estimates the time left from earlier runs' durations.
class ProgressTally {
 public:
  void Start(const RunContext& context);
  void Finished(TestIndex index, Outcome outcome);

  std::size_t total() const { return total_; }
  std::size_t done() const { return done_; }
  // As pytest's final line counts them: an xfailed or xpassed test is neither passed nor failed.
  std::size_t passed() const { return passed_; }
  std::size_t failed() const { return failed_; }  // failed, error, crashed, timeout
  std::size_t skipped() const { return skipped_; }
  std::size_t xfailed() const { return xfailed_; }
  std::size_t xpassed() const { return xpassed_; }
  // Seconds until the last test ends, or nothing while there is no basis for a guess: the expected
  // durations of the tests still queued plus what the `running` ones still need, spread over the
  // workers, and never less than the longest of those running; without durations, the pace so far.
  std::optional<double> SecondsLeft(double elapsed, int workers,
                                    const std::vector<WorkerActivity>& running) const;

 private:
  std::vector<double> expected_;
  std::vector<bool> finished_;
  double expected_left_ = 0;
  std::size_t total_ = 0;
  std::size_t done_ = 0;
  std::size_t passed_ = 0;
  std::size_t failed_ = 0;
  std::size_t skipped_ = 0;
  std::size_t xfailed_ = 0;
  std::size_t xpassed_ = 0;
};

// What a test that has run `running_seconds` of its `expected_seconds` still needs: the difference while
// it is within its expectation; past it (or without one), as much again as it has overrun.
double RunningSecondsLeft(double expected_seconds, double running_seconds);

struct StatusAreaInput {
  const ProgressTally* tally = nullptr;
  const std::vector<WorkerActivity>* workers = nullptr;
  const scheduler::Inventory* items = nullptr;
  int worker_count = 0;
  double elapsed = 0;
  double slow_seconds = 0;  // a test running longer is flagged SLOW; 0: never
  int width = 80;
  int height = 24;  // the terminal's rows: the area never takes more than half of them
  bool color = false;
};

// The status area's lines, without newlines, each shorter than `width` so none wraps: the progress line
// first, then one line per worker (busiest first when they do not all fit).
std::vector<std::string> StatusAreaLines(const StatusAreaInput& input);

// The periodic line of a run whose output is not a terminal: "[jackd] 42% (2100/5000): 2095 passed,
// 5 failed, 0 skipped; 12s elapsed, about 16s left" (", 3 xfailed, 1 xpassed" after the skipped count
// when there are any). `running`: what the workers run now, for the time left.
std::string ProgressLogLine(const ProgressTally& tally, double elapsed, int workers,
                            const std::vector<WorkerActivity>& running);

// "1.5s", "42s", "3m05s", "1h02m".
std::string ShortDuration(double seconds);

}  // namespace jackd
