// The run loop's timeouts: per test (--timeout, @pytest.mark.timeout), enforced from outside the test
// process by watching the workers' status slots.
#include <signal.h>
#include <spdlog/spdlog.h>

#include <filesystem>

#include "engine/run_loop.h"
#include "engine/status_slot.h"

namespace jackd {
namespace {

using namespace std::chrono_literals;

// How often the watchdog reads the status slots when timeouts are set: a tenth of a second is far below
// any sensible timeout and costs a few file reads.
constexpr auto kWatchdogPeriod = 100ms;
// Between asking a timed-out worker for its stacks (SIGUSR1) and killing it: faulthandler writes them in
// milliseconds, but a loaded machine may need longer.
constexpr auto kStackDumpGrace = 1s;

}  // namespace

double RunLoop::TimeoutOf(TestIndex index) const {
  const double own = index < collection_.timeouts.size() ? collection_.timeouts[index] : 0;
  return own > 0 ? own : plan_.timeout;
}

void RunLoop::ArmWatchdog() {
  watchdog_ = clock_.After(kWatchdogPeriod, [this] {
    if (ended_) return;
    CheckTimeouts();
    ArmWatchdog();
  });
}

// Timeouts are enforced from outside the test process: the status slot says what runs since when.
void RunLoop::CheckTimeouts() {
  const std::int64_t now = clock_.Nanos();
  for (auto& [slot, worker] : workers_) {
    if (!worker.ready || worker.exited || worker.timed_out) continue;
    std::optional<RunningTest> running = launcher_.ReadStatusSlot(worker.status_path);
    if (!running || running->index >= records_.size()) continue;
    const double limit = TimeoutOf(running->index);
    if (limit > 0 && static_cast<double>(now - running->started_ns) > limit * 1e9) {
      TimedOut(worker, running->index, limit);
    }
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
    auto it = workers_.find(slot);
    if (it == workers_.end() || it->second.pid != pid || it->second.exited) return;
    it->second.killed_by_us = true;
    launcher_.SignalGroup(pid, SIGKILL);
  });
}

}  // namespace jackd
