// Expected durations: how long the scheduler assumes each test takes, from what earlier runs measured.
// Pure: the engine reads the measurements (engine/durations_store.h) and hands them over as plain values.
#pragma once

#include <optional>
#include <vector>

#include "scheduler/test_item.h"

namespace jackd::scheduler {

// `measured[i]` is test i's duration in seconds from earlier runs, nullopt when it has none (a new test,
// or one that never ran). Returns the expected seconds of every test of `inventory`: its measurement,
// else the mean of the measured tests of its file (tests of one file tend to cost alike: same fixtures,
// same kind of work), else the mean of all measured tests. Returns an empty vector when no test has a
// measurement: there is nothing to go by, and the scheduler keeps ordering by test count.
// `measured` may be shorter than `inventory`; missing entries count as unknown.
std::vector<double> ExpectDurations(const Inventory& inventory,
                                    const std::vector<std::optional<double>>& measured);

// A unit's expected seconds: the sum of its tests' (0 for tests beyond `expected`).
double ExpectedSeconds(const Unit& unit, const std::vector<double>& expected);

}  // namespace jackd::scheduler
