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
    // gw0 collects for the engine (and so needs no report to compare with); the others diff against it.
    const bool collector = slot == 0;
    const pid_t pid = Spawn(LaunchRequest(plan, files,
                                          {.digest = "",
                                           .report = collector ? "" : plan.collection_report,
                                           .basetemp = "",
                                           .start_file = start_file_,
                                           .collection_out = collector ? plan.collection_report : ""}));
    if (pid < 0) break;  // the run loop starts what is missing, and reports a failure to start
    pids_.emplace(slot, pid);
    if (collector) collector_ = {pid, files.stdout_path, files.stderr_path};
  }
  spdlog::debug("started {} workers while collecting", pids_.size());
}

PrestartedWorkers::~PrestartedWorkers() {
  for (const auto& [slot, pid] : pids_) SignalGroup(pid, SIGKILL);
  for (const auto& [slot, pid] : pids_) waitpid(pid, nullptr, 0);  // SIGKILLed: returns at once
}

}  // namespace jackd
