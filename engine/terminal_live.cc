// The terminal while tests run: on a TTY, the live status area (engine/live_status.h) redrawn in place
// below everything else printed; in a log, a progress line now and then. Both flag slow tests, pass on
// the workers' live output (-s, --log-cli-level) and the status dump asked for with SIGUSR1.
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/monotonic_clock.h"
#include "engine/output_tail.h"
#include "engine/terminal_reporter.h"
#include "engine/terminal_words.h"

namespace jackd {

double TerminalReporter::Elapsed() const { return MonotonicSeconds() - started_; }

void TerminalReporter::DrawArea() {
  if (!style_.live || items_ == nullptr) return;
  ClearArea();
  const StatusAreaInput input{&tally_,      &activity_,    items_,
                              workers_,     Elapsed(),     style_.slow_seconds,
                              style_.width, style_.height, style_.color};
  std::string text;
  for (const std::string& line : StatusAreaLines(input)) absl::StrAppend(&text, line, "\x1b[0m\n");
  std::fwrite(text.data(), 1, text.size(), out_);
  std::fflush(out_);
  area_lines_ = static_cast<int>(std::count(text.begin(), text.end(), '\n'));
}

// The area's lines end in newlines, so the cursor sits below it: up to its first line, then erase down.
void TerminalReporter::ClearArea() {
  if (area_lines_ == 0) return;
  std::fprintf(out_, "\r\x1b[%dA\x1b[J", area_lines_);
  area_lines_ = 0;
}

void TerminalReporter::Tick(const RunContext& context, const std::vector<WorkerActivity>& activity) {
  activity_ = activity;
  FlagSlowTests(context);
  if (style_.live) {
    DrawArea();
    return;
  }
  const double elapsed = Elapsed();
  if (style_.progress_interval > 0 && elapsed - last_progress_log_ >= style_.progress_interval) {
    LogProgress(context, elapsed);
  }
}

// Once per test and worker, as nextest does: a line above the area (or in the log) when a test passes
// --slow; the area itself marks it for as long as it runs.
void TerminalReporter::FlagSlowTests(const RunContext& context) {
  if (style_.slow_seconds <= 0 || verbosity_ < 0) return;
  for (const WorkerActivity& worker : activity_) {
    if (!worker.test || worker.running_seconds < style_.slow_seconds) continue;
    if (!flagged_slow_.insert({worker.id, *worker.test}).second) continue;
    FinishProgressLine(context.collection->items.size());
    Write("SLOW", terminal::kYellow);
    Line(absl::StrFormat(" [> %s] [%s] %s", ShortDuration(style_.slow_seconds), worker.id,
                         DisplayId(context.collection->items[*worker.test].node_id)));
  }
  std::fflush(out_);
}

void TerminalReporter::LogProgress(const RunContext& context, double elapsed) {
  last_progress_log_ = elapsed;
  if (verbosity_ < 0 || tally_.done() == tally_.total()) return;
  FinishProgressLine(context.collection->items.size());
  std::string line = ProgressLogLine(tally_, elapsed, workers_, activity_);
  // What runs longest now: in a log that is what a user wants to know about a quiet stretch.
  const WorkerActivity* longest = nullptr;
  for (const WorkerActivity& worker : activity_) {
    if (worker.test && (!longest || worker.running_seconds > longest->running_seconds)) longest = &worker;
  }
  if (longest) {
    absl::StrAppend(&line, "; longest running: [", longest->id, "] ",
                    DisplayId(context.collection->items[*longest->test].node_id), " (",
                    ShortDuration(longest->running_seconds), ")");
  }
  Line(line);
  std::fflush(out_);
}

void TerminalReporter::WorkerOutput(const RunContext& context, const std::string& worker,
                                    std::string_view lines) {
  // A streamed line starts a line of its own; the progress letters go on below it.
  if (column_ > 0) {
    FinishProgressLine(context.collection->items.size());
  }
  Write(PrefixLines(absl::StrCat("[", worker, "] "), lines));
  if (style_.live) DrawArea();
  std::fflush(out_);
}

void TerminalReporter::Notice(const RunContext& context, std::string_view text) {
  FinishProgressLine(context.collection->items.size());
  Write(text);
  if (!text.empty() && text.back() != '\n') Line();
  if (style_.live) DrawArea();
  std::fflush(out_);
}

}  // namespace jackd
