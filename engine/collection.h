// Collection: runs `pytest --collect-only` through the shim's collect plugin and reads back the
// structured items it reports.
#pragma once

#include <asio/io_context.hpp>
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

using CollectionOutcome = std::variant<Collection, CollectionFailure, CollectionInterrupted>;

// Runs the collect process on `io` (which must have no other work) and waits for it. `interrupted` is
// polled after every event: when it turns true the process group is killed.
CollectionOutcome Collect(asio::io_context& io, ChildReaper& reaper, const std::string& python,
                          const std::vector<std::string>& pytest_args, const std::string& run_directory,
                          const bool& interrupted);

}  // namespace jackd
