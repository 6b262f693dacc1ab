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

// A process that is already running and writes the CollectionReport while it keeps running: worker gw0
// of a prestarted run (engine/prestart.h).
struct RunningCollector {
  pid_t pid = -1;
  std::string stdout_path;
  std::string stderr_path;
};

// Runs the collect process on `io` (which must have no other work) and waits for it. `interrupted` is
// polled after every event: when it turns true the process group is killed.
CollectionOutcome Collect(asio::io_context& io, ChildReaper& reaper, const std::string& python,
                          const std::vector<std::string>& pytest_args, const std::string& run_directory,
                          const bool& interrupted);

// Waits for `collector` to write the report at `<run_directory>/collection.pb`; CollectionUnavailable when
// it exits without one or `limit` passes first (the process is then left alone).
CollectionOutcome CollectFrom(asio::io_context& io, ChildReaper& reaper, const std::string& python,
                              const RunningCollector& collector, const std::string& run_directory,
                              const bool& interrupted, std::chrono::milliseconds limit);

}  // namespace jackd
