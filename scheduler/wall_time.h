// Expected wall time of a run from its units' expected durations: what `jackd durations` shows for -n N.
#pragma once

#include <cstdint>
#include <vector>

namespace jackd::scheduler {

// Simulates greedy longest-processing-time-first (LPT) assignment: units sorted longest first, each
// given to the worker that becomes free first. Returns the makespan (the busiest worker's total), which
// is at most 4/3 of the best possible for any assignment. `workers` 0 counts as 1. Ignores what a real
// run adds: worker start-up, collection, messages; so it is a lower bound for a real run of the plan.
double ExpectedWallTime(std::vector<double> unit_seconds, std::uint32_t workers);

}  // namespace jackd::scheduler
