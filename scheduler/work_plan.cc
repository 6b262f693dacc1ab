#include "scheduler/work_plan.h"

#include <algorithm>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "scheduler/expected_durations.h"

namespace jackd::scheduler {
namespace {

// Under `load`, a test expected to take more than this share of one worker's fair share of the run
// starts first: started late, it would stretch the run's tail. The rest keeps collection order, so a
// module's tests (and its fixtures) stay together.
constexpr double kLongTestShare = 0.02;

constexpr std::string_view kSlowMark = "slow";

struct LongUnit {
  double seconds;
  std::size_t position;  // in collection order
  Unit unit;
};

void LongTestsFirst(std::vector<Unit>& units, const std::vector<double>& expected, std::uint32_t workers) {
  double total = 0;
  for (const Unit& unit : units) total += ExpectedSeconds(unit, expected);
  const double threshold = kLongTestShare * total / std::max<std::uint32_t>(1, workers);
  std::vector<LongUnit> long_units;
  std::vector<Unit> rest;
  for (Unit& unit : units) {
    const double seconds = ExpectedSeconds(unit, expected);
    if (seconds > threshold) {
      long_units.push_back({seconds, long_units.size(), std::move(unit)});
    } else {
      rest.push_back(std::move(unit));
    }
  }
  std::stable_sort(long_units.begin(), long_units.end(),
                   [](const LongUnit& a, const LongUnit& b) { return a.seconds > b.seconds; });
  // Longest first, but the long units less than `threshold` seconds shorter than the longest one left
  // keep collection order among themselves: their order moves the tail by less than the short tests'
  // order may, while sorting by measuring noise
  // (25.1 ms against 25.3 ms) would scatter a file's tests over the workers, each of which then imports
  // the file again (split collection) and sets its module fixtures up again.
  for (auto run = long_units.begin(); run != long_units.end();) {
    const double floor = run->seconds - threshold;
    const auto end =
        std::find_if(run, long_units.end(), [&](const LongUnit& u) { return u.seconds < floor; });
    std::sort(run, end, [](const LongUnit& a, const LongUnit& b) { return a.position < b.position; });
    run = end;
  }
  units.clear();
  for (LongUnit& long_unit : long_units) units.push_back(std::move(long_unit.unit));
  for (Unit& unit : rest) units.push_back(std::move(unit));
}

// Before any duration was measured, a test marked `slow` (sympy's, networkx's and pytest's documented
// convention for tests worth skipping when short of time) is the only evidence of a long test: such tests
// start first, in collection order, rather than wherever collection order puts them, possibly last.
void SlowMarkedFirst(std::vector<Unit>& units, const Inventory& inventory) {
  auto marked_slow = [&](const Unit& unit) {
    return std::any_of(unit.tests.begin(), unit.tests.end(), [&](TestIndex test) {
      const std::vector<std::string>& marks = inventory[test].marks;
      return std::find(marks.begin(), marks.end(), kSlowMark) != marks.end();
    });
  };
  std::stable_partition(units.begin(), units.end(), marked_slow);
}

}  // namespace

WorkPlan PlanWork(const Inventory& inventory, const Policy& policy, std::uint32_t workers,
                  const std::vector<double>& expected) {
  WorkPlan plan;
  plan.test_count = inventory.size();
  std::vector<TestIndex> parallel;
  parallel.reserve(inventory.size());
  bool any_limit = false;
  for (TestIndex i = 0; i < inventory.size(); ++i) {
    // With one worker in collection order (`--dist no`) every test already runs alone.
    if (policy.mode != DistMode::kNo && RunsAlone(inventory[i], policy.exclusion)) {
      plan.run_alone.push_back(i);
    } else {
      parallel.push_back(i);
    }
    any_limit = any_limit || inventory[i].limit.has_value();
  }
  plan.units = MakeUnits(inventory, parallel, policy.mode, policy.fallback, expected);
  if (policy.mode == DistMode::kLoad && !expected.empty()) LongTestsFirst(plan.units, expected, workers);
  // One worker gains nothing from a new order, and its output keeps pytest's.
  if (policy.mode == DistMode::kLoad && expected.empty() && workers > 1)
    SlowMarkedFirst(plan.units, inventory);
  if (!expected.empty()) {
    for (Unit& unit : plan.units) unit.seconds = ExpectedSeconds(unit, expected);
  }
  std::unordered_map<std::string_view, std::uint32_t> file_numbers;
  for (Unit& unit : plan.units) {
    if (unit.tests.empty()) continue;
    const std::string& file = inventory[unit.tests.front()].file;
    unit.file = file_numbers.emplace(file, static_cast<std::uint32_t>(file_numbers.size() + 1)).first->second;
  }
  if (policy.mode == DistMode::kWorkSteal) plan.home_queues = std::max<std::uint32_t>(1, workers);
  if (any_limit) {
    plan.limits.reserve(inventory.size());
    for (const TestItem& item : inventory) plan.limits.push_back(item.limit);
  }
  return plan;
}

void PreferCollectors(WorkPlan& plan, const Inventory& inventory, const std::vector<WorkerId>& collected_by,
                      std::uint32_t workers) {
  if (workers <= 1 || collected_by.size() != inventory.size()) return;
  // Concurrency limits and --detect-flaky's spread decide who may take a unit; a home queue would hold a
  // unit back for a worker that may not take it yet while another could.
  if (!plan.limits.empty()) return;
  if (plan.home_queues > 1) return;  // worksteal: its own split, by expected seconds, is the point
  bool timed = false;
  for (const Unit& unit : plan.units) {
    if (unit.spread) return;
    timed = timed || unit.seconds > 0;
  }
  auto weight = [&](const Unit& unit) {
    return timed ? unit.seconds : static_cast<double>(unit.tests.size());
  };
  double total = 0;
  for (const Unit& unit : plan.units) total += weight(unit);
  const double slack = total / (8.0 * workers);
  std::vector<double> load(workers, 0.0);
  const std::string* last_file = nullptr;
  WorkerId last_home = 0;
  for (Unit& unit : plan.units) {
    if (unit.tests.empty()) continue;
    const TestIndex first = unit.tests.front();
    // A file's consecutive units stay together, so its module fixtures are set up once; a long unit
    // (more than the slack) is placed on its own. With earlier runs' durations, a long unit goes to the
    // least loaded queue whoever collected it (longest first, as LPT does): a second long unit behind
    // the first in one queue lengthens the run by more than collecting its file again elsewhere costs.
    WorkerId home = last_home;
    const bool long_unit = weight(unit) > slack;
    if (last_file == nullptr || inventory[first].file != *last_file || long_unit) {
      home = collected_by[first] % workers;
      const auto least = static_cast<WorkerId>(std::min_element(load.begin(), load.end()) - load.begin());
      if (load[home] - load[least] > slack || (timed && long_unit)) home = least;
    }
    unit.home = home;
    load[home] += weight(unit);
    last_file = &inventory[first].file;
    last_home = home;
  }
  plan.home_queues = workers;
}

WorkPlan RepeatPlan(WorkPlan plan, std::uint32_t rounds) {
  if (rounds <= 1) return plan;
  std::vector<Unit> units = plan.units;
  for (Unit& unit : units) unit.spread = true;
  const std::vector<TestIndex> alone = plan.run_alone;
  for (std::uint32_t round = 1; round < rounds; ++round) {
    plan.units.insert(plan.units.end(), units.begin(), units.end());
    plan.run_alone.insert(plan.run_alone.end(), alone.begin(), alone.end());
  }
  return plan;
}

}  // namespace jackd::scheduler
