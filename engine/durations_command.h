// `jackd durations`: what the durations store (durations_store.h) knows about a project: the slowest
// tests and files, the total, and the wall time to expect on N workers. Returns the exit code.
#pragma once

#include <cstddef>
#include <string>

namespace CLI {
class App;
}

namespace jackd {

struct DurationsOptions {
  std::size_t top = 10;          // --top: how many tests and files to list
  std::string workers = "auto";  // -n: the worker count the expected wall time is for
  std::string rootdir;           // empty: the nearest directory with a store, from here upwards
};

// Adds the options above to the `durations` subcommand.
void AddDurationsOptions(CLI::App& durations, DurationsOptions& options);

int DurationsCommand(const DurationsOptions& options);

}  // namespace jackd
