// How a worker process is started: its files in the run directory, its command line and environment.
// One formula for the workers the run loop starts and for those started early, while the engine still
// collects (engine/prestart.h).
#pragma once

#include <string>
#include <vector>

#include "engine/process.h"
#include "scheduler/test_item.h"

namespace jackd {

struct RunPlan;

struct WorkerFiles {
  std::string id;  // "gw3"
  std::string stdout_path;
  std::string stderr_path;
  std::string status_path;
};

WorkerFiles FilesOf(const std::string& run_directory, scheduler::WorkerId slot);

// What a worker is told about the engine's collection. Either the digest, the report (to name the
// differences when its own collection differs) and the run's basetemp; or, for a worker started before
// the collection existed, only `start_file`, where the engine writes digest and basetemp later (see
// WriteStartFile and worker_shim/jackd_shim/start_signal.py).
struct CollectionHandoff {
  std::string digest;
  std::string report;
  std::string basetemp;
  std::string start_file;
  // A prestarted worker that collects for the engine writes its CollectionReport here.
  std::string collection_out;
  // "K/N": collect the share K of N of the suite's files (split collection); "none": collect only the
  // files of the tests it is given; empty: collect all of them.
  std::string share;
};

// Where the workers of a split collection claim the files they collect, one empty file per file ordinal
// (worker_shim/jackd_shim/split_collection.py). The run directory's, made before they start.
std::string ClaimsDirectory(const std::string& run_directory);

// The thread-pool variables (engine/thread_limits.h) for a worker of `plan`: sized by plan.workers, which
// is also the run's worker count for prestarted workers, since they are adopted only when the run needs
// exactly as many (engine/prestart.h); so every worker of a run gets the same sizes. Empty when off.
std::vector<std::string> ThreadPoolEnvironment(const RunPlan& plan);

SpawnRequest LaunchRequest(const RunPlan& plan, const WorkerFiles& files, const CollectionHandoff& handoff);

// Starts the worker process: through plan.fork_server when there is one, else with Spawn.
pid_t StartWorker(const RunPlan& plan, const SpawnRequest& request);

// Writes `path` atomically (a temporary file, then rename), so a waiting worker never reads half of it.
bool WriteStartFile(const std::string& path, const std::string& digest, const std::string& basetemp);

}  // namespace jackd
