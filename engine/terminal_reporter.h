// The terminal report, shaped like pytest's (header, progress, FAILURES, short test summary, final
// line) so a user switching from `pytest -n auto` reads what they already know.
#pragma once

#include <cstdio>
#include <map>
#include <string>
#include <string_view>

#include "engine/reporter.h"

namespace jackd {

struct TerminalStyle {
  bool color = false;
  int width = 80;
  bool truncate_summary = true;  // pytest trims short-summary lines to the width, except on CI
};

// Width and colour as pytest decides them: COLUMNS or the terminal's size (80 when unknown or < 40);
// colour from --color (yes, no, auto: a TTY and no NO_COLOR).
TerminalStyle DetectTerminalStyle(std::FILE* out, const std::string& color_option);

class TerminalReporter final : public Reporter {
 public:
  TerminalReporter(std::FILE* out, TerminalStyle style) : out_(out), style_(style) {}

  void RunStarted(const RunContext& context) override;
  void TestFinished(const RunContext& context, TestIndex index, const TestRecord& record) override;
  void AttemptFinished(const RunContext& context, TestIndex index, const TestRecord& attempt) override;
  void RunFinished(const RunContext& context, const RunResult& result) override;

  // Runs that end at collection: errors (exit 2), nothing selected (exit 5), --collect-only.
  void CollectionFailed(const Collection& collection, double seconds);
  void NothingToRun(const Collection& collection, double seconds);
  void CollectOnly(const Collection& collection);

 private:
  void Header(const Collection& collection, const std::string& jackd_line);
  std::string DisplayId(const std::string& node_id) const;
  std::string CollectedLine(const Collection& collection) const;
  void Sep(char fill, std::string_view title = "", const char* color = nullptr);
  void Line(std::string_view text = "", const char* color = nullptr);
  void Write(std::string_view text, const char* color = nullptr);
  void ProgressLetter(char letter, const char* color, std::size_t total);
  void FinishProgressLine(std::size_t total);
  void ShortSummaryLine(std::string_view word, const std::string& node_id, const std::string& message,
                        const char* color);
  void FlakySummary(const RunResult& result, const scheduler::Inventory& items);
  void WarningsSummary(const Collection& collection, const RunResult& result,
                       const scheduler::Inventory& items);
  void CoverageSection(const CoverageSummary& coverage);
  void FinalLine(std::map<std::string, std::size_t, std::less<>> counts, double seconds, bool verbose_sep);

  std::FILE* out_;
  TerminalStyle style_;
  int verbosity_ = 0;
  std::string rootdir_;
  std::string invocation_dir_;
  std::size_t finished_ = 0;
  std::size_t column_ = 0;  // characters on the current progress line
};

}  // namespace jackd
