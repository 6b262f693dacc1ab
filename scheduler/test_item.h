// Plain values the scheduler decides from. No transport, no clock, no files.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace jackd::scheduler {

// Position of a test in the engine's collection order; stable for the whole run.
using TestIndex = std::uint32_t;

// A worker as the scheduler knows it: a small dense number assigned by the engine.
using WorkerId = std::uint32_t;

// A named pool with a cap on how many of its tests may run at once (nextest's test groups): a semaphore,
// not an affinity; its tests may run on any worker.
struct ConcurrencyLimit {
  std::string pool;
  std::uint32_t max_running = 1;

  bool operator==(const ConcurrencyLimit&) const = default;
};

// One collected test with the structured fields grouping policies read. Policies never parse node IDs.
struct TestItem {
  std::string node_id;
  std::string file;                      // relative to rootdir, '/' separators
  std::vector<std::string> class_chain;  // outermost first
  std::string xdist_group;               // empty when the test has no xdist_group mark
  std::vector<std::string> marks;
  std::vector<std::string> fixtures;
  std::optional<ConcurrencyLimit> limit;
};

using Inventory = std::vector<TestItem>;

// Tests that must run on one worker, in this order, back to back (a file, a scope, an xdist group). A
// unit is always sent whole so its module and class fixtures are set up and torn down once.
struct Unit {
  std::vector<TestIndex> tests;
  // Another attempt at a test that just ran on this worker: any other live worker takes it first.
  std::optional<WorkerId> avoid;
  // A repeat (`--detect-flaky`): any worker other than the one that last ran its first test takes it first.
  bool spread = false;
  // Expected seconds, from earlier runs' durations (PlanWork); 0 when unknown.
  double seconds = 0;
  // The home queue it starts in (PreferCollectors); unset: the plan's even split decides.
  std::optional<WorkerId> home;
  // The file of its first test, numbered from 1 (PlanWork); 0: unknown. A worker in the middle of a file
  // is the best place for the file's next units (Scheduler::Next).
  std::uint32_t file = 0;
};

}  // namespace jackd::scheduler
