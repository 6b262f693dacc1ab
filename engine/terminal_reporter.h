// The terminal report, shaped like pytest's (header, progress, FAILURES, short test summary, final
// line) so a user switching from `pytest -n auto` reads what they already know.
#pragma once

#include <cstdio>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/live_status.h"
#include "engine/reporter.h"

namespace jackd {

struct TerminalStyle {
  bool color = false;
  int width = 80;
  bool truncate_summary = true;  // pytest trims short-summary lines to the width, except on CI
  int height = 24;
  // A terminal that redraws in place: the live status area replaces the progress letters.
  bool live = false;
  double slow_seconds = 60;       // --slow: a test running longer is flagged SLOW; 0: never
  double progress_interval = 10;  // --progress-interval: seconds between progress lines in a log; 0: none
};

// Width and colour as pytest decides them: COLUMNS or the terminal's size (80 when unknown or < 40);
// colour from --color (yes, no, auto: a TTY and no NO_COLOR), overridden by PY_COLORS=0/1 and
// FORCE_COLOR as in pytest. Live only on a TTY whose TERM is not "dumb".
TerminalStyle DetectTerminalStyle(std::FILE* out, const std::string& color_option);

class TerminalReporter final : public Reporter {
 public:
  TerminalReporter(std::FILE* out, TerminalStyle style) : out_(out), style_(style) {}

  void RunStarted(const RunContext& context) override;
  void TestFinished(const RunContext& context, TestIndex index, const TestRecord& record) override;
  void AttemptFinished(const RunContext& context, TestIndex index, const TestRecord& attempt) override;
  void RunFinished(const RunContext& context, const RunResult& result) override;
  void Tick(const RunContext& context, const std::vector<WorkerActivity>& activity) override;
  void WorkerOutput(const RunContext& context, const std::string& worker, std::string_view lines) override;
  void Notice(const RunContext& context, std::string_view text) override;

  // Runs that end at collection: errors (exit 2), nothing selected (exit 5), pytest.exit() in a
  // collection hook (its code), pytest's internal error (exit 3), --collect-only.
  void CollectionFailed(const Collection& collection, double seconds);
  void NothingToRun(const Collection& collection, double seconds);
  void CollectOnly(const Collection& collection);

 private:
  // pytest's session header, with jackd's own lines (workers, thread pools) before "collected ...".
  void Header(const Collection& collection, const std::vector<std::string>& jackd_lines);
  std::string DisplayId(const std::string& node_id) const;
  std::string CollectedLine(const Collection& collection) const;
  void Sep(char fill, std::string_view title = "", const char* color = nullptr);
  void Line(std::string_view text = "", const char* color = nullptr);
  void Write(std::string_view text, const char* color = nullptr);
  // Prints a failed test's tracebacks (its setup/teardown errors, or its call failure), pytest's way.
  // The first block printed is preceded by the section title `title`, if any. False if none matched.
  bool FailureBlocks(const PytestSettings& settings, const std::string& node_id, const TestRecord& record,
                     bool errors, std::string_view title, bool& titled);
  // The live view (terminal_live.cc).
  void DrawArea();
  void ClearArea();
  void FlagSlowTests(const RunContext& context);
  void LogProgress(const RunContext& context, double elapsed);
  double Elapsed() const;
  void ProgressLetter(std::string_view letter, const char* color, std::size_t total);
  void FinishProgressLine(std::size_t total);
  void ShortSummaryLine(std::string_view word, const std::string& node_id, const std::string& message,
                        const char* color);
  void TerminalSummary(const Collection& collection, const RunResult& result);
  // TerminalSummary's parts, in the order it prints them.
  void FailureSections(const Collection& collection, const RunResult& result, bool errors);
  void PassesSection(const Collection& collection, const RunResult& result, Outcome outcome, char option,
                     std::string_view title);
  void DurationsSection(const Collection& collection, const RunResult& result);
  void ShortSummary(const Collection& collection, const RunResult& result);
  // `start_summary` prints the short summary's title before its first line.
  void ShortSummaryLines(char c, const PytestSettings& settings, const std::string& id, const TestRecord& r,
                         const std::function<void()>& start_summary);
  void XfailLine(const PytestSettings& settings, const std::string& id, const TestRecord& r);
  void XpassLine(const PytestSettings& settings, const std::string& id, const TestRecord& r);
  void SkipSummary(const Collection& collection, const RunResult& result,
                   const std::function<void()>& start_summary);
  void FlakySummary(const RunResult& result, const scheduler::Inventory& items);
  void WarningsSummary(const Collection& collection, const RunResult& result,
                       const scheduler::Inventory& items);
  void CoverageSection(const CoverageSummary& coverage);
  void FinalLine(std::map<std::string, std::size_t, std::less<>> counts, double seconds, bool verbose_sep);

  std::FILE* out_;
  TerminalStyle style_;
  int verbosity_ = 0;
  bool whole_summary_messages_ = false;  // short-summary messages untrimmed (CI, -vv)
  std::string rootdir_;
  std::string invocation_dir_;
  std::size_t finished_ = 0;
  std::size_t column_ = 0;  // characters on the current progress line
  ProgressTally tally_;
  double started_ = 0;  // CLOCK_MONOTONIC seconds
  int workers_ = 0;
  const scheduler::Inventory* items_ = nullptr;
  std::vector<WorkerActivity> activity_;
  int area_lines_ = 0;  // lines of the status area on screen now; 0: not drawn
  double last_progress_log_ = 0;
  std::set<std::pair<std::string, TestIndex>> flagged_slow_;
  std::vector<bool> shown_live_;  // by TestIndex: its failure is printed already, as it happened
};

}  // namespace jackd
