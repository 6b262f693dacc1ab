// `jackd durations`: what the durations store (durations_store.h) knows about a project: the slowest
// tests and files, the total, and the wall time to expect on N workers. Returns the exit code.
#pragma once

#include "engine/cli.h"

namespace jackd {

int DurationsCommand(const DurationsOptions& options);

}  // namespace jackd
