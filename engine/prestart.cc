#include "engine/prestart.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include "engine/run_loop.h"
#include "engine/status_slot.h"
#include "engine/worker_launch.h"

namespace jackd {

PrestartedWorkers::PrestartedWorkers(const RunPlan& plan, std::string start_file, std::string env_key)
    : start_file_(std::move(start_file)), env_key_(std::move(env_key)) {
  for (int i = 0; i < plan.workers; ++i) {
    const auto slot = static_cast<scheduler::WorkerId>(i);
    const WorkerFiles files = FilesOf(plan.run_directory, slot);
    CreateStatusSlot(files.status_path);
    const pid_t pid = Spawn(LaunchRequest(plan, files, {"", plan.collection_report, "", start_file_}));
    if (pid < 0) break;  // the run loop starts what is missing, and reports a failure to start
    pids_.emplace(slot, pid);
  }
  spdlog::debug("started {} workers while collecting", pids_.size());
}

PrestartedWorkers::~PrestartedWorkers() {
  for (const auto& [slot, pid] : pids_) SignalGroup(pid, SIGKILL);
  for (const auto& [slot, pid] : pids_) waitpid(pid, nullptr, 0);  // SIGKILLed: returns at once
}

}  // namespace jackd
