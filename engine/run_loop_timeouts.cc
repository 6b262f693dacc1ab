// The run loop's side of per-test timeouts: the watchdog (engine/watchdog.h) says a test overran its
// limit, read from the worker's status slot, from outside the test process; the worker is then asked for
// its stacks and killed.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "engine/run_loop.h"

namespace jackd {
namespace {

using namespace std::chrono_literals;

// Between asking a timed-out worker for its stacks (SIGUSR1) and killing it: faulthandler writes them in
// milliseconds, but a loaded machine may need longer.
constexpr auto kStackDumpGrace = 1s;

}  // namespace

void RunLoop::CheckTimeouts() {
  if (ended_) return;
  for (auto& [slot, worker] : workers_) {
    if (!worker.Connected() || worker.exited || worker.timed_out) continue;
    std::optional<RunningTest> running = launcher_.ReadStatusSlot(worker.status_path);
    if (!running || running->index >= book_.size()) continue;
    if (const double limit = watchdog_.Overrun(*running); limit > 0) TimedOut(worker, running->index, limit);
  }
}

void RunLoop::TimedOut(Worker& worker, TestIndex index, double limit) {
  spdlog::debug("{} ran {} for more than {}s; killing it", worker.id, collection_.items[index].node_id,
                limit);
  worker.timed_out = index;
  std::error_code ignored;
  worker.stack_dump_offset =
      static_cast<std::size_t>(std::filesystem::file_size(worker.stderr_path, ignored));
  // First every thread's stack (the shim's faulthandler listens on SIGUSR1), then the whole group.
  launcher_.Signal(worker.pid, SIGUSR1);
  worker.kill_timer = clock_.After(kStackDumpGrace, [this, slot = worker.slot, pid = worker.pid] {
    Worker* hung = workers_.Find(slot);
    if (hung == nullptr || hung->pid != pid || hung->exited) return;
    hung->killed_by_us = true;
    launcher_.SignalGroup(pid, SIGKILL);
  });
}

}  // namespace jackd
