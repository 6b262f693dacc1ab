#include "engine/worker_launch.h"

#include <cstdio>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "engine/fork_server.h"
#include "engine/python_interpreter.h"
#include "engine/run_plan.h"
#include "engine/thread_limits.h"

namespace jackd {

WorkerFiles FilesOf(const std::string& run_directory, scheduler::WorkerId slot) {
  WorkerFiles files;
  files.id = "gw" + std::to_string(slot);
  files.stdout_path = absl::StrCat(run_directory, "/", files.id, ".stdout");
  files.stderr_path = absl::StrCat(run_directory, "/", files.id, ".stderr");
  files.status_path = absl::StrCat(run_directory, "/", files.id, ".status");
  return files;
}

SpawnRequest LaunchRequest(const RunPlan& plan, const WorkerFiles& files, const CollectionHandoff& handoff) {
  std::vector<std::string> overrides = {
      "JACKD_ADDRESS=" + plan.address,
      "JACKD_TOKEN=" + plan.token,
      "PYTEST_XDIST_WORKER_COUNT=" + std::to_string(plan.workers),
      "PYTEST_XDIST_TESTRUNUID=" + plan.run_uid,
      "JACKD_WORKER_ID=" + files.id,
      "PYTEST_XDIST_WORKER=" + files.id,
      "JACKD_STATUS_FILE=" + files.status_path,
      RewriteCacheVariable(plan.run_directory),
  };
  if (!handoff.start_file.empty()) {
    overrides.push_back("JACKD_START_FILE=" + handoff.start_file);
  } else {
    overrides.push_back("JACKD_COLLECTION_DIGEST=" + handoff.digest);
  }
  if (!handoff.report.empty()) overrides.push_back("JACKD_COLLECTION_REPORT=" + handoff.report);
  if (!handoff.collection_out.empty()) overrides.push_back("JACKD_COLLECTION_OUT=" + handoff.collection_out);
  if (!handoff.share.empty()) overrides.push_back("JACKD_COLLECT_SHARE=" + handoff.share);
  if (!handoff.share.empty() && handoff.share != "none")
    overrides.push_back("JACKD_COLLECT_CLAIMS=" + ClaimsDirectory(plan.run_directory));
  if (!handoff.share.empty() && plan.lazy_imports) overrides.push_back("JACKD_COLLECT_IMPORTS=lazy");
  if (!handoff.basetemp.empty()) {
    overrides.push_back(absl::StrCat("JACKD_BASETEMP=", handoff.basetemp, "/popen-", files.id));
  }
  overrides.insert(overrides.end(), plan.worker_env.begin(), plan.worker_env.end());
  const std::vector<std::string> limits = ThreadPoolEnvironment(plan);
  overrides.insert(overrides.end(), limits.begin(), limits.end());
  return SpawnRequest{ShimCommand(plan.python, "worker", plan.pytest_args), EnvironmentWith(overrides),
                      files.stdout_path, files.stderr_path};
}

std::vector<std::string> ThreadPoolEnvironment(const RunPlan& plan) {
  if (plan.thread_pool_cpus <= 0) return {};
  return ThreadLimitEnvironment(
      PlanThreadLimits(plan.thread_pool_cpus, plan.workers, EngineEnvironmentValue));
}

std::string ClaimsDirectory(const std::string& run_directory) { return run_directory + "/claims"; }

pid_t StartWorker(const RunPlan& plan, const SpawnRequest& request) {
  return plan.fork_server ? plan.fork_server->Spawn(request) : Spawn(request);
}

bool WriteStartFile(const std::string& path, const std::string& digest, const std::string& basetemp) {
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << digest << '\n' << basetemp << '\n';
    if (!out) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

}  // namespace jackd
