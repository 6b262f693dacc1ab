#include "scheduler/exclusion.h"

#include <algorithm>

namespace jackd::scheduler {

bool RunsAlone(const TestItem& item, const ExclusionRules& rules) {
  if (rules.everything_runs_alone) return true;
  auto has = [](const std::vector<std::string>& names, const std::string& name) {
    return std::find(names.begin(), names.end(), name) != names.end();
  };
  if (!rules.serial_mark.empty() && has(item.marks, rules.serial_mark)) return true;
  return rules.benchmarks_run_alone && has(item.fixtures, "benchmark");
}

}  // namespace jackd::scheduler
