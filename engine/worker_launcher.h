// The run loop's seam to worker processes, as ninja's CommandRunner is its seam to commands: start a
// worker, hear of its exit, signal it, and read the status slot it writes. ProcessLauncher is the real
// thing; unit tests script a fake one (engine/run_loop_test.cc), so the loop's rules are tested without
// processes.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

#include "engine/process.h"
#include "engine/status_slot.h"

namespace jackd {

struct RunPlan;

class WorkerLauncher {
 public:
  virtual ~WorkerLauncher() = default;
  // Starts a worker process (engine/worker_launch.h); -1 with errno set when it could not start.
  virtual pid_t Start(const RunPlan& plan, const SpawnRequest& request) = 0;
  // `on_exit` runs once, on the loop's thread, when `pid` has exited (for a started or adopted worker).
  virtual void Watch(pid_t pid, ChildReaper::OnExit on_exit) = 0;
  // `signal` to the process group `pid` leads: the worker with whatever its tests started.
  virtual void SignalGroup(pid_t pid, int signal) = 0;
  // `signal` to `pid` alone (SIGUSR1: the shim's faulthandler writes every thread's stack).
  virtual void Signal(pid_t pid, int signal) = 0;
  // The worker's status slot (engine/status_slot.h): made before it starts, read to learn what it runs.
  virtual void CreateStatusSlot(const std::string& path) = 0;
  virtual std::optional<RunningTest> ReadStatusSlot(const std::string& path) = 0;
};

// Real processes: StartWorker, the ChildReaper, kill(2) and the slot files.
class ProcessLauncher final : public WorkerLauncher {
 public:
  explicit ProcessLauncher(ChildReaper& reaper) : reaper_(reaper) {}
  pid_t Start(const RunPlan& plan, const SpawnRequest& request) override;
  void Watch(pid_t pid, ChildReaper::OnExit on_exit) override;
  void SignalGroup(pid_t pid, int signal) override;
  void Signal(pid_t pid, int signal) override;
  void CreateStatusSlot(const std::string& path) override;
  std::optional<RunningTest> ReadStatusSlot(const std::string& path) override;

 private:
  ChildReaper& reaper_;
};

}  // namespace jackd
