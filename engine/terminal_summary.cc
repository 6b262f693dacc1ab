// The end of the terminal report: FAILURES and friends, the short summary and the final line.

#include <algorithm>
#include <functional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "engine/exit_code.h"
#include "engine/terminal_reporter.h"
#include "engine/terminal_words.h"

namespace jackd {

using terminal::FirstLine;
using terminal::FormatSeconds;
using terminal::kBold;
using terminal::kBoldGreen;
using terminal::kBoldRed;
using terminal::kBoldYellow;
using terminal::kGreen;
using terminal::kRed;
using terminal::kYellow;
using terminal::Word;

namespace {

// pytest prints its terminal summary (failures, warnings, the short summary) for these exit codes only:
// after pytest.exit(returncode=3) the final line is all there is.
bool PrintsTerminalSummary(int exit_code) {
  return exit_code == kExitOk || exit_code == kExitTestsFailed || exit_code == kExitInterrupted ||
         exit_code == kExitUsageError || exit_code == kExitNoTestsCollected;
}

// The title of a collection error's section, as pytest's: the path part of its node ID (the file of a
// class that failed to collect), else "test session" (a package outside the rootdir, as --pyargs finds
// them, has none).
std::string CollectErrorTitle(const std::string& node_id) {
  const std::string path = node_id.substr(0, node_id.find("::"));
  return absl::StrCat("ERROR collecting ", path.empty() ? "test session" : path);
}

}  // namespace

void TerminalReporter::ShortSummaryLine(std::string_view word, const std::string& node_id,
                                        const std::string& message, const char* color) {
  std::string line = absl::StrCat(" ", DisplayId(node_id));
  if (!message.empty()) {
    if (whole_summary_messages_) {
      line += " - " + message;  // lines and all
    } else {
      // pytest's _format_trimmed: the first line, cut to what is left of the terminal's width.
      std::string text = " - " + FirstLine(message);
      const int available = style_.width - static_cast<int>(word.size() + line.size());
      if (static_cast<int>(text.size()) > available) {
        text = available > 6 ? text.substr(0, static_cast<std::size_t>(available - 3)) + "..." : "";
      }
      line += text;
    }
  }
  Write(word, color);
  Line(line);
}

bool TerminalReporter::FailureBlocks(const PytestSettings& settings, const std::string& node_id,
                                     const TestRecord& record, bool errors, std::string_view title,
                                     bool& titled) {
  const bool failed = record.outcome == Outcome::kFailed || record.outcome == Outcome::kError ||
                      record.outcome == Outcome::kCrashed || record.outcome == Outcome::kTimeout;
  bool printed = false;
  for (const PhaseReport& report : record.reports) {
    const bool is_error = report.when != Phase::kCall;
    if (is_error != errors) continue;
    // A failed subtest is a failure of its own, also in a test that passed (pytest-subtests' tests pass
    // with failed subtests; pytest 9 fails them).
    if (!failed && !report.subtest) continue;
    if (!titled && !title.empty()) Sep('=', title);
    titled = true;
    printed = true;
    const std::string head = !report.head_line.empty()  ? report.head_line
                             : record.head_line.empty() ? node_id
                                                        : record.head_line;
    const bool line_style = settings.tb_style == "line" && !errors;
    if (!line_style) {
      const std::string heading =
          errors ? absl::StrCat("ERROR at ", std::string(PhaseName(report.when)), " of ", head)
                 : (record.outcome == Outcome::kFailed || report.subtest
                        ? head
                        : absl::StrCat(head, " [", std::string(Word(record.outcome)), "]"));
      Sep('_', heading, kBoldRed);
    }
    // --tb=line: pytest 9 prints the report and then its crash line, earlier releases the line alone.
    if (!line_style || settings.PytestAtLeast(9, 0)) {
      Line(report.longrepr);
      for (const auto& [section, content] : report.sections) {
        Sep('-', section);
        Write(content);
        if (!content.empty() && content.back() != '\n') Line();
      }
    }
    if (line_style && !report.crash_line.empty()) Line(report.crash_line);
  }
  return printed;
}

void TerminalReporter::RunFinished(const RunContext& context, const RunResult& result) {
  ClearArea();
  style_.live = false;
  const Collection& collection = *context.collection;
  FinishProgressLine(collection.items.size());
  if (!result.session_exit || PrintsTerminalSummary(result.exit_code)) TerminalSummary(collection, result);
  for (const std::string& note : result.notes) Line(absl::StrCat("jackd: ", note), kYellow);
  // pytest.exit()'s line comes after the final line unless its code is pytest's INTERRUPTED.
  const bool stop_line_last = result.session_exit && result.exit_code != kExitInterrupted;
  if (!result.stop_reason.empty() && !stop_line_last) Sep('!', result.stop_reason, kRed);

  std::map<std::string, std::size_t, std::less<>> counts;
  for (const TestRecord& r : result.records) {
    ++counts[std::string(OutcomeName(r.outcome))];
    for (const SubtestStatus& subtest : r.subtests) {
      if (!subtest.category.empty()) ++counts[subtest.category];
    }
  }
  counts["skipped"] += collection.skips.size();
  counts["deselected"] += collection.deselected;
  counts["error"] += collection.errors.size();
  counts["warnings"] += collection.warnings.size();
  for (const TestRecord& r : result.records) counts["warnings"] += r.warnings.size();
  if (context.detect_flaky <= 1) {
    for (const TestRecord& r : result.records) counts["rerun"] += r.attempts.size();
  }
  FinalLine(std::move(counts), result.seconds, verbosity_ >= 0);
  if (!result.stop_reason.empty() && stop_line_last) Sep('!', result.stop_reason, kRed);
  std::fflush(out_);
}

// What pytest's pytest_terminal_summary hooks print: failures and errors, warnings, -rP/-rX sections,
// coverage, durations and the short test summary.
void TerminalReporter::TerminalSummary(const Collection& collection, const RunResult& result) {
  const PytestSettings& settings = collection.settings;
  if (settings.tb_style != "no") {
    // ERRORS (setup and teardown failures), then FAILURES, as pytest orders them.
    FailureSections(collection, result, true);
    FailureSections(collection, result, false);
    FlakySummary(result, collection.items);
    WarningsSummary(collection, result, collection.items);
    PassesSection(collection, result, Outcome::kPassed, 'P', "PASSES");
    PassesSection(collection, result, Outcome::kXpassed, 'X', "XPASSES");
  }
  // Where pytest-cov prints it: after the sections above, before the durations and the short summary.
  if (result.coverage) CoverageSection(*result.coverage);
  if (settings.durations >= 0) DurationsSection(collection, result);
  ShortSummary(collection, result);
}

// On a live terminal the failures were printed as they happened.
void TerminalReporter::FailureSections(const Collection& collection, const RunResult& result, bool errors) {
  bool titled = false;
  const std::string_view title = errors ? "ERRORS" : "FAILURES";
  if (errors) {
    // --continue-on-collection-errors: the collection errors lead the ERRORS section, as in pytest.
    for (const CollectError& error : collection.errors) {
      if (!titled) Sep('=', title);
      titled = true;
      Sep('_', CollectErrorTitle(error.node_id), kBoldRed);
      Line(error.longrepr);
    }
  }
  for (TestIndex i = 0; i < result.records.size(); ++i) {
    if (i < shown_live_.size() && shown_live_[i]) continue;
    FailureBlocks(collection.settings, collection.items[i].node_id, result.records[i], errors, title, titled);
  }
}

// -rP / -rX: passed (xpassed) tests with captured output, as pytest's PASSES (XPASSES) sections.
// The title comes whenever such a test exists, output or not; XPASSES from pytest 8.0.
void TerminalReporter::PassesSection(const Collection& collection, const RunResult& result, Outcome outcome,
                                     char option, std::string_view title) {
  const PytestSettings& settings = collection.settings;
  if (settings.report_chars.find(option) == std::string::npos) return;
  if (outcome == Outcome::kXpassed && !settings.PytestAtLeast(8, 0)) return;
  bool first = true;
  for (TestIndex i = 0; i < result.records.size(); ++i) {
    const TestRecord& record = result.records[i];
    if (record.outcome != outcome) continue;
    if (first) Sep('=', title);
    first = false;
    for (const PhaseReport& report : record.reports) {
      if (report.sections.empty() || report.subtest) continue;  // a failed subtest's are in FAILURES
      Sep('_', record.head_line.empty() ? collection.items[i].node_id : record.head_line, kBoldGreen);
      for (const auto& [section, content] : report.sections) {
        Sep('-', section);
        Write(content);
        if (!content.empty() && content.back() != '\n') Line();
      }
    }
  }
}

// --durations N: the slowest phases, as pytest lists them.
void TerminalReporter::DurationsSection(const Collection& collection, const RunResult& result) {
  const PytestSettings& settings = collection.settings;
  struct Row {
    double seconds;
    Phase when;
    TestIndex index;
  };
  std::vector<Row> rows;
  for (TestIndex i = 0; i < result.records.size(); ++i) {
    const TestRecord& r = result.records[i];
    if (r.worker.empty()) continue;
    rows.push_back({r.setup_seconds, Phase::kSetup, i});
    // pytest lists the phases that reported; a test skipped or failed in setup has no call phase,
    // and only then is its call time exactly zero (the shim's clock always advances across a call).
    if (r.call_seconds > 0) rows.push_back({r.call_seconds, Phase::kCall, i});
    rows.push_back({r.teardown_seconds, Phase::kTeardown, i});
  }
  std::stable_sort(rows.begin(), rows.end(),
                   [](const Row& a, const Row& b) { return a.seconds > b.seconds; });
  if (settings.durations > 0 && rows.size() > static_cast<std::size_t>(settings.durations)) {
    rows.resize(static_cast<std::size_t>(settings.durations));
  }
  Sep('=', settings.durations > 0 ? absl::StrCat("slowest ", settings.durations, " durations")
                                  : "slowest durations");
  std::size_t hidden = 0;
  for (const Row& row : rows) {
    if (verbosity_ < 2 && row.seconds < settings.durations_min) {
      ++hidden;
      continue;
    }
    Line(absl::StrFormat("%.2fs %-8s %s", row.seconds, PhaseName(row.when),
                         collection.items[row.index].node_id));
  }
  if (hidden > 0) {
    Line(absl::StrFormat("\n(%d durations < %gs hidden.  Use -vv to show these durations.)", hidden,
                         settings.durations_min));
  }
}

// Short test summary, in the order of pytest's -r characters. Its title comes before its first line only.
void TerminalReporter::ShortSummary(const Collection& collection, const RunResult& result) {
  const PytestSettings& settings = collection.settings;
  bool summary_started = false;
  const std::function<void()> start_summary = [&] {
    if (!summary_started) Sep('=', "short test summary info", kBold);
    summary_started = true;
  };
  for (char c : settings.report_chars) {
    for (TestIndex i = 0; i < result.records.size(); ++i) {
      ShortSummaryLines(c, settings, collection.items[i].node_id, result.records[i], start_summary);
    }
    if (c == 'E') {
      for (const CollectError& e : collection.errors) {
        start_summary();
        ShortSummaryLine("ERROR", e.node_id, e.summary, kRed);
      }
    }
    if (c == 's') SkipSummary(collection, result, start_summary);
  }
}

// The lines of -r character `c` for one test. A test's failed (xfailed) subtests come before its own line,
// as pytest reported them.
void TerminalReporter::ShortSummaryLines(char c, const PytestSettings& settings, const std::string& id,
                                         const TestRecord& r, const std::function<void()>& start_summary) {
  for (const SubtestStatus& subtest : r.subtests) {
    if ((c == 'f' && subtest.category == "failed") || (c == 'x' && subtest.category == "xfailed")) {
      start_summary();
      ShortSummaryLine(subtest.word, id, subtest.message, c == 'f' ? kRed : kYellow);
    }
  }
  if (c == 'f' &&
      (r.outcome == Outcome::kFailed || r.outcome == Outcome::kCrashed || r.outcome == Outcome::kTimeout)) {
    start_summary();
    ShortSummaryLine(Word(r.outcome), id, r.Message(), kRed);
  } else if (c == 'f' && r.outcome == Outcome::kFlaky) {
    start_summary();
    ShortSummaryLine("FLAKY", id, r.reason, kYellow);
  } else if (c == 'E' && r.outcome == Outcome::kError) {
    start_summary();
    ShortSummaryLine("ERROR", id, r.Message(), kRed);
  } else if (c == 'x' && r.outcome == Outcome::kXfailed) {
    start_summary();
    XfailLine(settings, id, r);
  } else if (c == 'X' && r.outcome == Outcome::kXpassed) {
    start_summary();
    XpassLine(settings, id, r);
  } else if (c == 'p' && r.outcome == Outcome::kPassed) {
    start_summary();
    ShortSummaryLine("PASSED", id, "", kGreen);
  }
}

// An xfailed test's short-summary line, as the pytest in use words it.
void TerminalReporter::XfailLine(const PytestSettings& settings, const std::string& id, const TestRecord& r) {
  if (settings.PytestAtLeast(9, 2) && r.xfailed_in != Phase::kCall) {
    ShortSummaryLine(absl::StrCat("XFAIL at ", std::string(PhaseName(r.xfailed_in)), " of"), id, r.reason,
                     kYellow);
  } else if (settings.PytestAtLeast(7, 2)) {
    ShortSummaryLine("XFAIL", id, r.reason, kYellow);
  } else {  // the reason on a line of its own, no colour
    Line(absl::StrCat("XFAIL ", DisplayId(id)));
    if (!r.reason.empty()) Line(absl::StrCat("  ", r.reason));
  }
}

// An xpassed test's short-summary line, as the pytest in use words it.
void TerminalReporter::XpassLine(const PytestSettings& settings, const std::string& id, const TestRecord& r) {
  if (settings.PytestAtLeast(8, 0)) {
    ShortSummaryLine("XPASS", id, r.reason, kYellow);
  } else {  // the reason after a space, even when empty; coloured from 7.2
    Write("XPASS", settings.PytestAtLeast(7, 2) ? kYellow : nullptr);
    Line(absl::StrCat(" ", DisplayId(id), " ", r.reason));
  }
}

// -rs: pytest folds skips with the same location and reason into one line. Every line has the word of
// the first skip pytest met: "SUBSKIPPED[name]" when a subtest's.
void TerminalReporter::SkipSummary(const Collection& collection, const RunResult& result,
                                   const std::function<void()>& start_summary) {
  std::vector<std::pair<std::string, std::string>> order;
  std::map<std::pair<std::string, std::string>, int> folded;
  std::string word;
  auto add = [&](const std::string& location, const std::string& reason, std::string_view first_word) {
    auto key = std::make_pair(location, reason);
    if (folded[key]++ == 0) order.push_back(key);
    if (word.empty()) word = first_word;
  };
  for (const CollectSkip& s : collection.skips) add(s.location, s.reason, "SKIPPED");
  for (const TestRecord& r : result.records) {
    for (const SubtestStatus& subtest : r.subtests) {
      if (subtest.category == "skipped") add(subtest.skip_location, subtest.message, subtest.word);
    }
    if (r.outcome == Outcome::kSkipped) add(r.skip_location, r.reason, "SKIPPED");
  }
  for (const auto& key : order) {
    start_summary();
    Write(word, kYellow);
    Line(absl::StrCat(" [", folded[key], "] ", key.first, ": ", key.second));
  }
}

// Tests that passed only on a rerun, or whose --detect-flaky runs disagree: each with how its attempts
// went, where, and the first line of each failure. (The failures' tracebacks are in --json-report.)
void TerminalReporter::FlakySummary(const RunResult& result, const scheduler::Inventory& items) {
  bool first = true;
  for (TestIndex i = 0; i < result.records.size(); ++i) {
    const TestRecord& record = result.records[i];
    if (record.outcome != Outcome::kFlaky) continue;
    if (first) Sep('=', "flaky tests", kYellow);
    first = false;
    Write("FLAKY", kYellow);
    Line(absl::StrCat(" ", DisplayId(items[i].node_id), " - ", record.reason));
    int number = 0;
    for (const TestRecord& attempt : record.attempts) {
      ++number;
      if (!IsFailure(attempt.outcome)) continue;
      Line(absl::StrCat("  attempt ", number, " on ", attempt.worker.empty() ? "--" : attempt.worker, ": ",
                        std::string(Word(attempt.outcome)), " - ", FirstLine(attempt.Message())));
    }
  }
}

// pytest's "warnings summary": each distinct message once, under the places that raised it (or a count
// per file when there are ten or more).
void TerminalReporter::WarningsSummary(const Collection& collection, const RunResult& result,
                                       const scheduler::Inventory& items) {
  if (collection.settings.report_chars.find('w') == std::string::npos) return;
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::string>> locations;
  auto add = [&](const std::string& message, const std::string& location) {
    auto [it, inserted] = locations.try_emplace(message);
    if (inserted) order.push_back(message);
    if (!location.empty()) it->second.push_back(location);
  };
  for (const auto& warning : collection.warnings) add(warning.message, warning.location);
  for (TestIndex i = 0; i < result.records.size(); ++i) {
    for (const std::string& message : result.records[i].warnings) add(message, items[i].node_id);
  }
  if (order.empty()) return;
  Sep('=', "warnings summary", kYellow);
  for (const std::string& message : order) {
    const auto& where = locations[message];
    std::string text = message;
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (!where.empty()) {
      if (where.size() < 10) {
        for (const std::string& location : where) Line(location);
      } else {
        std::vector<std::string> files;
        std::map<std::string, int> per_file;
        for (const std::string& location : where) {
          std::string file = location.substr(0, location.find("::"));
          if (per_file[file]++ == 0) files.push_back(file);
        }
        for (const std::string& file : files) {
          Line(absl::StrCat(file, ": ", per_file[file], per_file[file] == 1 ? " warning" : " warnings"));
        }
      }
      std::string indented;
      for (absl::string_view line : absl::StrSplit(text, '\n')) absl::StrAppend(&indented, "  ", line, "\n");
      text = indented;
      while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    }
    Line(text);
    Line();
  }
  Line("-- Docs: https://docs.pytest.org/en/stable/how-to/capture-warnings.html");
}

void TerminalReporter::CoverageSection(const CoverageSummary& coverage) {
  // pytest-cov prints nothing when it was asked for no report and no minimum.
  if (coverage.report.empty() && coverage.verdict.empty()) return;
  Sep('=', "tests coverage");
  Sep('_', coverage.title);
  Line();
  Write(coverage.report);
  if (!coverage.verdict.empty()) Line(coverage.verdict, coverage.below_minimum ? kBoldRed : kGreen);
}

void TerminalReporter::FinalLine(std::map<std::string, std::size_t, std::less<>> counts, double seconds,
                                 bool with_separators) {
  // pytest's order, then jackd's own outcomes.
  static constexpr std::pair<std::string_view, std::string_view> kOrder[] = {
      {"failed", "failed"},
      {"passed", "passed"},
      {"flaky", "flaky"},
      {"skipped", "skipped"},
      {"deselected", "deselected"},
      {"xfailed", "xfailed"},
      {"xpassed", "xpassed"},
      {"warnings", "warnings"},
      {"error", "error"},
      {"subtests passed", "subtests passed"},
      {"subtests failed", "subtests failed"},
      {"subtests skipped", "subtests skipped"},
      {"crashed", "crashed"},
      {"timeout", "timeout"},
      {"not_run", "not run"},
      {"rerun", "rerun"},
  };
  std::vector<std::string> parts;
  for (const auto& [key, label] : kOrder) {
    auto it = counts.find(key);
    if (it == counts.end() || it->second == 0) continue;
    std::string text = absl::StrCat(it->second, " ", std::string(label));
    if (key == "error" && it->second != 1) text += "s";
    if (key == "warnings" && it->second == 1) text.pop_back();  // "1 warning", as pytest says
    parts.push_back(std::move(text));
  }
  // Categories pytest does not know (the pytest-subtests plugin's "subtests xfailed") come last, as pytest
  // puts them (it in the order they first appeared, jackd in name order).
  for (const auto& [key, count] : counts) {
    const bool known =
        std::any_of(std::begin(kOrder), std::end(kOrder), [&](const auto& k) { return k.first == key; });
    if (!known && count > 0) parts.push_back(absl::StrCat(count, " ", key));
  }
  auto count = [&](std::string_view key) {
    auto it = counts.find(key);
    return it == counts.end() ? 0 : it->second;
  };
  const char* color = kBoldGreen;
  if (count("failed") || count("error") || count("crashed") || count("timeout") || count("not_run")) {
    color = kBoldRed;
  } else if (count("xpassed") || count("warnings") || count("flaky") || !count("passed")) {
    color = kBoldYellow;
  }
  std::string text = parts.empty() ? "no tests ran" : absl::StrJoin(parts, ", ");
  absl::StrAppend(&text, " in ", FormatSeconds(seconds));
  if (with_separators) {
    Sep('=', text, color);
  } else {
    Line(text, color);
  }
}

void TerminalReporter::CollectionFailed(const Collection& collection, double seconds) {
  Header(collection, {});
  if (verbosity_ >= 0) Line();
  if (collection.settings.tb_style != "no") {
    Sep('=', "ERRORS");
    for (const CollectError& error : collection.errors) {
      Sep('_', CollectErrorTitle(error.node_id), kBoldRed);
      Line(error.longrepr);
    }
  }
  WarningsSummary(collection, RunResult{}, collection.items);
  Sep('=', "short test summary info", kBold);
  for (const CollectError& error : collection.errors)
    ShortSummaryLine("ERROR", error.node_id, error.summary, kRed);
  const std::size_t n = collection.errors.size();
  // pytest says so when it stops before running tests; a usage error stops it earlier, without the line.
  if (collection.usage_errors.empty())
    Sep('!', absl::StrCat("Interrupted: ", n, n == 1 ? " error" : " errors", " during collection"), kRed);
  std::map<std::string, std::size_t, std::less<>> counts{{"error", n}};
  counts["skipped"] = collection.skips.size();
  counts["deselected"] = collection.deselected;
  counts["warnings"] = collection.warnings.size();
  FinalLine(std::move(counts), seconds, verbosity_ >= 0);
  std::fflush(out_);
}

void TerminalReporter::NothingToRun(const Collection& collection, double seconds) {
  Header(collection, {});
  if (!collection.internal_error.empty()) {  // as pytest prints it, right below "collected N items"
    for (absl::string_view line : absl::StrSplit(collection.internal_error, '\n'))
      Line(absl::StrCat("INTERNALERROR> ", line));
    Line();
  } else if (verbosity_ >= 0 || !collection.warnings.empty()) {
    Line();
  }
  // pytest.exit()'s line comes after the final line unless its code is pytest's INTERRUPTED.
  const bool exit_line_last = collection.session_exit && collection.pytest_exit != kExitInterrupted;
  // pytest's warnings summary: "No files were found in testpaths" often says why nothing was collected.
  if (!collection.session_exit || PrintsTerminalSummary(collection.pytest_exit))
    WarningsSummary(collection, RunResult{}, collection.items);
  if (collection.session_exit && !exit_line_last) Sep('!', *collection.session_exit, kRed);
  std::map<std::string, std::size_t, std::less<>> counts{{"deselected", collection.deselected},
                                                         {"skipped", collection.skips.size()},
                                                         {"warnings", collection.warnings.size()}};
  FinalLine(std::move(counts), seconds, verbosity_ >= 0);
  if (exit_line_last) Sep('!', *collection.session_exit, kRed);
  std::fflush(out_);
}

void TerminalReporter::CollectOnly(const Collection& collection) {
  // pytest's own listing (tree, -q or -qq form), exactly as it printed it.
  Write(collection.collect_only_output);
  std::fflush(out_);
}

}  // namespace jackd
