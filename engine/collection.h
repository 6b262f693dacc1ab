// Collection: runs `pytest --collect-only` through the shim's collect plugin and reads back the
// structured items it reports.
#pragma once

#include <asio/io_context.hpp>
#include <chrono>
#include <string>
#include <variant>
#include <vector>

#include "engine/process.h"
#include "engine/run_model.h"

namespace jackd {

// Collection could not produce a report: a usage error, a missing module, a crash.
struct CollectionFailure {
  int exit_code = 0;
  // Output of pytest worth showing verbatim before the error line (a broken conftest's traceback).
  std::string details;
  std::string message;  // for "jackd: error: <message>"
};

struct CollectionInterrupted {};

// A prestarted worker that collects for the engine gave no report: it did not get there in time (a
// conftest that hangs only in workers, say) or it exited first (a usage error, or a conftest that fails
// only in workers). The caller collects with a collect process of its own, which tells which it was.
struct CollectionUnavailable {};

using CollectionOutcome =
    std::variant<Collection, CollectionFailure, CollectionInterrupted, CollectionUnavailable>;

// A process that is already running and writes a CollectionReport while it keeps running: a worker of
// a prestarted run (engine/prestart.h).
struct RunningCollector {
  pid_t pid = -1;
  std::string report_path;
  std::string stdout_path;
  std::string stderr_path;
};

// Runs the collect process on `io` (which must have no other work) and waits for it. `interrupted` is
// polled after every event: when it turns true the process group is killed. `shim_environment` ("NAME=value")
// goes into the process's environment, over the engine's own.
CollectionOutcome Collect(asio::io_context& io, ChildReaper& reaper, const std::string& python,
                          const std::vector<std::string>& pytest_args, const std::string& run_directory,
                          const bool& interrupted, const std::vector<std::string>& shim_environment);

// Waits for `collectors[0]` (gw0) to write its report. When that report is share 0 of a split collection
// over all of `collectors`, waits for the other shares too and merges them (engine/split_collection.h),
// rewriting gw0's report file as the merged one; Collection::collected_by then says who collected what.
// CollectionUnavailable when a needed collector exits without its report or `limit` passes first (the
// processes are then left alone). `exited_pids` gets the collectors that exited meanwhile, with or
// without their report: they are reaped, so no one may wait for them (or take them as workers) after this.
CollectionOutcome CollectFrom(asio::io_context& io, ChildReaper& reaper, const std::string& python,
                              const std::vector<RunningCollector>& collectors, const bool& interrupted,
                              std::chrono::milliseconds limit, std::vector<pid_t>& exited_pids);

}  // namespace jackd
