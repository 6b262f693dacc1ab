// A WorkPlan is everything the scheduler needs to know about the tests: the units to run in parallel,
// the tests that must run alone, and each test's concurrency limit. Built once from the inventory.
#pragma once

#include <optional>
#include <vector>

#include "scheduler/distribution.h"
#include "scheduler/exclusion.h"
#include "scheduler/test_item.h"

namespace jackd::scheduler {

struct WorkPlan {
  // Run in parallel, handed out in this order. Each unit's `seconds` is what earlier runs' durations
  // lead to expect; all 0 when nothing was measured, and then test counts stand in for durations.
  std::vector<Unit> units;
  std::vector<TestIndex> run_alone;  // run one at a time after the units, nothing else running, in order
  std::uint32_t home_queues = 1;     // worksteal: units are split evenly into one queue per worker
  std::vector<std::optional<ConcurrencyLimit>> limits;  // by TestIndex; empty when no test has one
  std::size_t test_count = 0;
};

struct Policy {
  DistMode mode = DistMode::kLoad;
  DistMode fallback = DistMode::kLoad;  // loadgroup's treatment of ungrouped tests
  ExclusionRules exclusion;
};

// `expected` is every test's expected seconds by TestIndex (ExpectDurations), or empty when unknown.
// With it, grouping modes hand out the longest expected unit first and worksteal's up-front split gives
// every worker about the same expected seconds; without it, test counts stand in for both.
WorkPlan PlanWork(const Inventory& inventory, const Policy& policy, std::uint32_t workers,
                  const std::vector<double>& expected = {});

// Split collection: each worker collected some files up front and must import any other file it is given
// tests of. So every unit starts in the home queue of the worker that collected its first test
// (`collected_by`, by TestIndex), unless that queue already holds more than the least loaded one by over
// an eighth of one worker's share (of expected seconds, else of tests): then in the least loaded queue,
// so long units still spread. Consecutive units of one file share a home. A worker whose queue runs dry
// takes from the front of the fullest one, as from `load`'s shared queue. Worksteal plans and plans with
// concurrency limits or spread units (--detect-flaky) are left alone.
void PreferCollectors(WorkPlan& plan, const Inventory& inventory, const std::vector<WorkerId>& collected_by,
                      std::uint32_t workers);

// The plan run `rounds` times over, round after round (`--detect-flaky`): a test's attempts are a whole
// round apart, so they tend to land on different workers. In flight, a test may then appear more than
// once, on one worker or on several.
WorkPlan RepeatPlan(WorkPlan plan, std::uint32_t rounds);

}  // namespace jackd::scheduler
