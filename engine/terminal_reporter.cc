#include "engine/terminal_reporter.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/terminal_words.h"
#include "engine/thread_limits.h"
#include "engine/version.h"

namespace jackd {

using terminal::kBold;
using terminal::Letter;
using terminal::LetterColor;
using terminal::Word;

TerminalStyle DetectTerminalStyle(std::FILE* out, const std::string& color_option) {
  TerminalStyle style;
  const int fd = fileno(out);
  const bool tty = isatty(fd);
  int width = 0;
  int height = 0;
  if (const char* columns = std::getenv("COLUMNS"); columns && *columns) width = std::atoi(columns);
  if (const char* lines = std::getenv("LINES"); lines && *lines) height = std::atoi(lines);
  if (tty) {
    winsize size{};
    if (ioctl(fd, TIOCGWINSZ, &size) == 0) {
      if (width <= 0) width = size.ws_col;
      if (height <= 0) height = size.ws_row;
    }
  }
  style.width = width < 40 ? 80 : width;
  style.height = height < 10 ? 24 : height;
  const char* no_color = std::getenv("NO_COLOR");
  const char* py_colors = std::getenv("PY_COLORS");
  const char* force_color = std::getenv("FORCE_COLOR");
  // pytest's precedence: PY_COLORS, then NO_COLOR, then FORCE_COLOR; --color yes/no decides before all.
  if (color_option == "yes") {
    style.color = true;
  } else if (color_option == "no") {
    style.color = false;
  } else if (py_colors && (std::string_view(py_colors) == "1" || std::string_view(py_colors) == "0")) {
    style.color = std::string_view(py_colors) == "1";
  } else if (no_color && *no_color) {
    style.color = false;
  } else if (force_color && *force_color) {
    style.color = true;
  } else {
    style.color = tty;
  }
  const char* term = std::getenv("TERM");
  style.live = tty && !(term && std::string_view(term) == "dumb");
  const char* ci = std::getenv("CI");
  const char* build_number = std::getenv("BUILD_NUMBER");
  style.truncate_summary = !((ci && *ci) || (build_number && *build_number));
  return style;
}

void TerminalReporter::Write(std::string_view text, const char* color) {
  ClearArea();  // whatever is printed goes above the live status area, which is drawn again after it
  if (color && style_.color) {
    std::fprintf(out_, "%s%.*s\x1b[0m", color, static_cast<int>(text.size()), text.data());
  } else {
    std::fwrite(text.data(), 1, text.size(), out_);
  }
}

void TerminalReporter::Line(std::string_view text, const char* color) {
  Write(text, color);
  std::fputc('\n', out_);
}

// pytest's TerminalWriter.sep: the title centred in a line of `fill` characters.
void TerminalReporter::Sep(char fill, std::string_view title, const char* color) {
  std::string line;
  if (title.empty()) {
    line.assign(static_cast<std::size_t>(style_.width - 1), fill);
  } else {
    const int n = std::max((style_.width - static_cast<int>(title.size()) - 2) / 2, 1);
    std::string side(static_cast<std::size_t>(n), fill);
    line = absl::StrCat(side, " ", std::string(title), " ", side);
    if (static_cast<int>(line.size()) + 1 <= style_.width) line.push_back(fill);
  }
  Line(line, color);
}

std::string TerminalReporter::CollectedLine(const Collection& collection) const {
  const std::size_t selected = collection.items.size();
  const std::size_t total = selected + collection.deselected;
  std::string line = absl::StrCat("collected ", total, total == 1 ? " item" : " items");
  if (!collection.errors.empty()) {
    absl::StrAppend(&line, " / ", collection.errors.size(),
                    collection.errors.size() == 1 ? " error" : " errors");
  }
  if (collection.deselected > 0) absl::StrAppend(&line, " / ", collection.deselected, " deselected");
  if (!collection.skips.empty()) absl::StrAppend(&line, " / ", collection.skips.size(), " skipped");
  if (collection.deselected > 0) absl::StrAppend(&line, " / ", selected, " selected");
  return line;
}

// pytest's config.cwd_relative_nodeid: node IDs are relative to the rootdir, but users read them
// relative to where they started the run.
std::string TerminalReporter::DisplayId(const std::string& node_id) const {
  if (invocation_dir_.empty() || invocation_dir_ == rootdir_) return node_id;
  const std::size_t colons = node_id.find("::");
  const std::string base = node_id.substr(0, colons);
  std::filesystem::path relative =
      (std::filesystem::path(rootdir_) / base).lexically_normal().lexically_relative(invocation_dir_);
  if (relative.empty()) return node_id;
  return relative.string() + (colons == std::string::npos ? "" : node_id.substr(colons));
}

void TerminalReporter::Header(const Collection& collection, const std::vector<std::string>& jackd_lines) {
  const PytestSettings& s = collection.settings;
  verbosity_ = s.verbosity;
  // pytest shows short-summary messages whole on CI (from 7.2) and with -vv (from 8.2).
  whole_summary_messages_ =
      (!style_.truncate_summary && s.PytestAtLeast(7, 2)) || (verbosity_ >= 2 && s.PytestAtLeast(8, 2));
  rootdir_ = s.rootdir;
  invocation_dir_ = s.invocation_dir;
  if (verbosity_ < 0) return;
  Sep('=', "test session starts", kBold);
  Line(absl::StrCat("platform ", s.platform, " -- Python ", s.python_version, ", pytest-", s.pytest_version,
                    ", pluggy-", s.pluggy_version));
  Line(absl::StrCat("rootdir: ", s.rootdir));
  if (!s.configfile.empty()) {
    // pytest shows the config file relative to the rootdir.
    std::string configfile = std::filesystem::path(s.configfile).lexically_relative(s.rootdir).string();
    Line(absl::StrCat("configfile: ",
                      configfile.empty() || configfile.starts_with("..") ? s.configfile : configfile));
  }
  if (!s.plugins.empty()) Line(absl::StrCat("plugins: ", absl::StrJoin(s.plugins, ", ")));
  for (const std::string& line : jackd_lines) Line(line);
  Line(CollectedLine(collection), kBold);
  // Plugins' lines after the collection (pytest_report_collectionfinish); only stepwise's reach the engine.
  if (s.stepwise) {
    for (const std::string& line : s.stepwise->status) Line(line);
  }
  std::fflush(out_);
}

void TerminalReporter::RunStarted(const RunContext& context) {
  std::vector<std::string> jackd_lines = {absl::StrCat("jackd ", kVersion, ": ", context.workers,
                                                       context.workers == 1 ? " worker" : " workers", " [",
                                                       context.dist, "]")};
  if (std::string threads = ThreadLimitsLine(context.thread_limits); !threads.empty())
    jackd_lines.push_back(std::move(threads));
  Header(*context.collection, jackd_lines);
  if (verbosity_ >= 0) Line();
  tally_.Start(context);
  started_ = context.started_monotonic;
  workers_ = context.workers;
  items_ = &context.collection->items;
  shown_live_.assign(context.collection->items.size(), false);
  if (verbosity_ < 0) style_.live = false;  // -q -q: nothing but the summary
}

void TerminalReporter::TestFinished(const RunContext& context, TestIndex index, const TestRecord& record) {
  ++finished_;
  tally_.Finished(index, record.outcome);
  const std::size_t total = context.collection->items.size();
  const int percent = static_cast<int>(finished_ * 100 / std::max<std::size_t>(total, 1));
  if (verbosity_ > 0) {
    // Each subtest pytest shows gets a line of its own before the test's, at the test's percentage.
    for (const SubtestStatus& subtest : record.subtests) {
      if (subtest.word.empty()) continue;
      Write(absl::StrFormat("[%s] [%3d%%] ", record.worker.empty() ? "--" : record.worker, percent));
      Write(subtest.word, terminal::CategoryColor(subtest.category));
      Line(absl::StrCat(" ", DisplayId(context.collection->items[index].node_id)));
    }
    Write(absl::StrFormat("[%s] [%3d%%] ", record.worker.empty() ? "--" : record.worker, percent));
    Write(Word(record.outcome), LetterColor(record.outcome));
    Line(absl::StrCat(" ", DisplayId(context.collection->items[index].node_id)));
  }
  if (style_.live) {
    // The status area shows the progress; failures are printed above it as they happen.
    const PytestSettings& settings = context.collection->settings;
    bool titled = false;
    if (settings.tb_style != "no") {
      const std::string& node_id = context.collection->items[index].node_id;
      const bool errors = FailureBlocks(settings, node_id, record, true, "", titled);
      const bool failures = FailureBlocks(settings, node_id, record, false, "", titled);
      shown_live_[index] = errors || failures;
    }
    if (area_lines_ == 0) DrawArea();
    return;
  }
  if (verbosity_ > 0) {
    std::fflush(out_);
    return;
  }
  if (record.outcome == Outcome::kNotRun) return;  // counted in the final line, not as progress
  for (const SubtestStatus& subtest : record.subtests) {
    if (!subtest.letter.empty())
      ProgressLetter(subtest.letter, terminal::CategoryColor(subtest.category), total);
  }
  ProgressLetter(std::string(1, Letter(record.outcome)), LetterColor(record.outcome), total);
}

// An attempt that is not the last: 'R' (pytest-rerunfailures' letter) in the progress, no percentage.
void TerminalReporter::AttemptFinished(const RunContext& context, TestIndex index,
                                       const TestRecord& attempt) {
  const bool repeat = context.detect_flaky > 1;
  if (verbosity_ > 0) {
    Write(absl::StrFormat("[%s] ", attempt.worker.empty() ? "--" : attempt.worker));
    Write(repeat ? "RUN " : "RERUN ", terminal::kYellow);
    Write(Word(attempt.outcome), LetterColor(attempt.outcome));
    Line(absl::StrCat(" ", DisplayId(context.collection->items[index].node_id)));
    std::fflush(out_);
    return;
  }
  // --detect-flaky's repeats are the run itself, not news; only their failures show.
  if (repeat && !IsFailure(attempt.outcome)) return;
  if (style_.live) return;  // the final summary lists the flaky tests with their attempts
  ProgressLetter("R", terminal::kYellow, context.collection->items.size());
}

void TerminalReporter::ProgressLetter(std::string_view letter, const char* color, std::size_t total) {
  Write(letter, color);
  column_ += letter.size();
  // pytest ends each progress line with the percentage, right-aligned.
  if (static_cast<int>(column_) >= style_.width - 8) {
    const int percent = static_cast<int>(finished_ * 100 / std::max<std::size_t>(total, 1));
    Line(absl::StrFormat(" [%3d%%]", percent));
    column_ = 0;
  }
  std::fflush(out_);
}

void TerminalReporter::FinishProgressLine(std::size_t total) {
  if (verbosity_ > 0 || column_ == 0) return;
  const int percent = static_cast<int>(finished_ * 100 / std::max<std::size_t>(total, 1));
  Line(absl::StrFormat("%*s [%3d%%]", style_.width - 8 - static_cast<int>(column_), "", percent));
  column_ = 0;
}

}  // namespace jackd
