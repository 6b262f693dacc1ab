#include "scheduler/work_plan.h"

#include "scheduler/expected_durations.h"

namespace jackd::scheduler {

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
  if (!expected.empty()) {
    plan.unit_seconds.reserve(plan.units.size());
    for (const Unit& unit : plan.units) plan.unit_seconds.push_back(ExpectedSeconds(unit, expected));
  }
  if (policy.mode == DistMode::kWorkSteal) plan.home_queues = std::max<std::uint32_t>(1, workers);
  if (any_limit) {
    plan.limits.reserve(inventory.size());
    for (const TestItem& item : inventory) plan.limits.push_back(item.limit);
  }
  return plan;
}

WorkPlan RepeatPlan(WorkPlan plan, std::uint32_t rounds) {
  if (rounds <= 1) return plan;
  std::vector<Unit> units = plan.units;
  for (Unit& unit : units) unit.spread = true;
  const std::vector<TestIndex> alone = plan.run_alone;
  const std::vector<double> unit_seconds = plan.unit_seconds;
  for (std::uint32_t round = 1; round < rounds; ++round) {
    plan.units.insert(plan.units.end(), units.begin(), units.end());
    plan.unit_seconds.insert(plan.unit_seconds.end(), unit_seconds.begin(), unit_seconds.end());
    plan.run_alone.insert(plan.run_alone.end(), alone.begin(), alone.end());
  }
  return plan;
}

}  // namespace jackd::scheduler
