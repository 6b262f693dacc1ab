#include "engine/prestart.h"

#include <signal.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "engine/run_plan.h"
#include "engine/status_slot.h"
#include "engine/worker_launch.h"

namespace jackd {

PrestartedWorkers::PrestartedWorkers(const RunPlan& plan, std::string start_file, std::string env_key)
    : start_file_(std::move(start_file)), env_key_(std::move(env_key)) {
  const bool split = plan.split_collection && plan.workers > 1;
  std::error_code ignored;  // without the directory every claim fails and each worker collects everything
  if (split) std::filesystem::create_directory(ClaimsDirectory(plan.run_directory), ignored);
  for (int i = 0; i < plan.workers; ++i) {
    const auto slot = static_cast<scheduler::WorkerId>(i);
    const WorkerFiles files = FilesOf(plan.run_directory, slot);
    CreateStatusSlot(files.status_path);
    // gw0 writes the engine's report. With split collection every worker collects its share of the
    // files and writes it; when the run needs the whole collection in every worker, gw0 writes the one
    // report and the others diff against it.
    const std::string report = slot == 0 ? plan.collection_report
                                         : absl::StrCat(plan.run_directory, "/collection-", files.id, ".pb");
    const pid_t pid =
        StartWorker(plan, LaunchRequest(plan, files,
                                        {.digest = "",
                                         .report = slot == 0 ? "" : plan.collection_report,
                                         .basetemp = "",
                                         .start_file = start_file_,
                                         .collection_out = slot == 0 || split ? report : "",
                                         .share = split ? absl::StrCat(slot, "/", plan.workers) : ""}));
    if (pid < 0) break;  // the run loop starts what is missing, and reports a failure to start
    pids_.emplace(slot, pid);
    if (slot == 0 || split) collectors_.push_back({pid, report, files.stdout_path, files.stderr_path});
  }
  spdlog::debug("started {} workers while collecting", pids_.size());
}

PrestartedWorkers::~PrestartedWorkers() {
  for (const auto& [slot, pid] : pids_) SignalGroup(pid, SIGKILL);
  for (const auto& [slot, pid] : pids_) waitpid(pid, nullptr, 0);  // SIGKILLed: returns at once
}

}  // namespace jackd
