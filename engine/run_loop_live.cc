// The run loop's live view: what each worker runs now (from the status slots), the workers' own output
// when it is shown live (-s, --log-cli-level), and the status dump a user asks for with SIGUSR1.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/run_loop.h"
#include "engine/status_slot.h"
#include "engine/worker_launch.h"

namespace jackd {
namespace {

using namespace std::chrono_literals;

// Between asking the workers for their stacks (SIGUSR1) and reading them: faulthandler writes them in
// milliseconds, but a loaded machine may need longer.
constexpr auto kStackGrace = 500ms;

// faulthandler lists a process's threads newest first, so the main thread's stack is the last block
// ("Thread 0x..." or "Current thread 0x..." up to a blank line).
std::string MainThreadStack(const std::string& dump) {
  std::size_t start = dump.rfind("Thread 0x");
  const std::size_t current = dump.rfind("Current thread 0x");
  if (current != std::string::npos && (start == std::string::npos || current > start)) start = current;
  if (start == std::string::npos) return {};
  if (start >= 8 && dump.compare(start - 8, 8, "Current ") == 0) start -= 8;
  std::size_t end = dump.find("\n\n", start);
  return dump.substr(start, end == std::string::npos ? std::string::npos : end - start + 1);
}

std::string ReadFrom(const std::string& path, std::uint64_t offset) {
  std::ifstream in(path, std::ios::binary);
  in.seekg(static_cast<std::streamoff>(offset));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace

void RunLoop::ArmTicker() {
  ticker_ = clock_.After(plan_.tick_period, [this] {
    if (ended_) return;
    if (plan_.stream_output) {
      for (auto& [slot, worker] : workers_) {
        if (!worker.Retired()) PassOutputOn(worker, false);
      }
    }
    reporter_.Tick(context_, Activity());
    ArmTicker();
  });
}

std::vector<WorkerActivity> RunLoop::Activity() const {
  std::vector<WorkerActivity> activity;
  const double now = clock_.Seconds();
  for (const auto& [slot, worker] : workers_) {
    if (worker.exited || worker.Retired() || !worker.Connected()) continue;
    WorkerActivity& current = activity.emplace_back();
    current.id = worker.id;
    std::optional<RunningTest> running = launcher_.ReadStatusSlot(worker.status_path);
    if (running && running->index < book_.size()) {
      current.test = running->index;
      current.running_seconds = std::max(0.0, now - static_cast<double>(running->started_ns) / 1e9);
    }
  }
  return activity;
}

void RunLoop::PassOutputOn(Worker& worker, bool exited) {
  if (!plan_.stream_output) return;
  if (worker.stdout_tail.path().empty()) {
    const WorkerFiles files = FilesOf(plan_.run_directory, worker.slot);
    worker.stdout_tail = OutputTail(files.stdout_path);
    worker.stderr_tail = OutputTail(files.stderr_path);
  }
  const std::string out = exited ? worker.stdout_tail.TakeRest() : worker.stdout_tail.TakeLines();
  if (!out.empty()) reporter_.WorkerOutput(context_, worker.id, out);
  const std::string err = exited ? worker.stderr_tail.TakeRest() : worker.stderr_tail.TakeLines();
  if (!err.empty()) reporter_.WorkerOutput(context_, worker.id, err);
}

void RunLoop::ShowActivity() {
  if (ended_ || activity_timer_) return;  // one dump at a time
  std::map<scheduler::WorkerId, std::uint64_t> offsets;
  for (auto& [slot, worker] : workers_) {
    // Only a connected worker has its SIGUSR1 handler; before that the signal would kill it.
    if (!worker.Connected() || worker.exited || worker.pid <= 0) continue;
    std::error_code ignored;
    offsets[slot] = std::filesystem::file_size(worker.stderr_path, ignored);
    launcher_.Signal(worker.pid, SIGUSR1);
  }
  activity_timer_ = clock_.After(kStackGrace, [this, offsets = std::move(offsets)]() mutable {
    if (ended_) return;
    ReportActivity(std::move(offsets));
    activity_timer_.reset();
  });
}

void RunLoop::ReportActivity(std::map<scheduler::WorkerId, std::uint64_t> stderr_offsets) {
  std::string text = absl::StrFormat("jackd: %zu of %zu tests done; what each worker is doing:\n",
                                     book_.SettledCount(), book_.size());
  const std::vector<WorkerActivity> activity = Activity();
  for (const auto& [slot, worker] : workers_) {
    if (worker.exited || worker.Retired()) continue;
    auto now = std::find_if(activity.begin(), activity.end(),
                            [&](const WorkerActivity& a) { return a.id == worker.id; });
    if (now == activity.end()) {
      absl::StrAppend(&text, "[", worker.id, "] starting\n");
      continue;
    }
    if (now->test) {
      absl::StrAppendFormat(&text, "[%s] %s (running for %.1fs)\n", worker.id,
                            collection_.items[*now->test].node_id, now->running_seconds);
    } else {
      absl::StrAppend(&text, "[", worker.id, "] between tests\n");
    }
    auto offset = stderr_offsets.find(slot);
    if (offset == stderr_offsets.end()) continue;
    const std::string stack = MainThreadStack(ReadFrom(worker.stderr_path, offset->second));
    if (stack.empty()) {
      absl::StrAppend(&text, "    (no stack: the worker did not answer within ",
                      std::chrono::duration_cast<std::chrono::milliseconds>(kStackGrace).count(), " ms)\n");
      continue;
    }
    std::size_t start = 0;
    while (start < stack.size()) {
      std::size_t end = stack.find('\n', start);
      if (end == std::string::npos) end = stack.size();
      absl::StrAppend(&text, "    ", stack.substr(start, end - start), "\n");
      start = end + 1;
    }
  }
  reporter_.Notice(context_, text);
}

}  // namespace jackd
