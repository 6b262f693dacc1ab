#include "engine/worker_launcher.h"

#include <signal.h>

#include "engine/worker_launch.h"

namespace jackd {

pid_t ProcessLauncher::Start(const RunPlan& plan, const SpawnRequest& request) {
  return StartWorker(plan, request);
}

void ProcessLauncher::Watch(pid_t pid, ChildReaper::OnExit on_exit) {
  reaper_.Watch(pid, std::move(on_exit));
}

void ProcessLauncher::SignalGroup(pid_t pid, int signal) { jackd::SignalGroup(pid, signal); }

void ProcessLauncher::Signal(pid_t pid, int signal) { kill(pid, signal); }

void ProcessLauncher::CreateStatusSlot(const std::string& path) { jackd::CreateStatusSlot(path); }

std::optional<RunningTest> ProcessLauncher::ReadStatusSlot(const std::string& path) {
  return jackd::ReadStatusSlot(path);
}

}  // namespace jackd
