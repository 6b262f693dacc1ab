// Exclusion: tests that must run while no other test runs anywhere (a `serial` mark, or a benchmark
// whose timings neighbours would skew). Distinct from affinity (units) and from concurrency limits.
#pragma once

#include <string>

#include "scheduler/test_item.h"

namespace jackd::scheduler {

struct ExclusionRules {
  std::string serial_mark = "serial";
  // pytest-benchmark: tests using the `benchmark` fixture run alone unless --benchmark-disable.
  bool benchmarks_run_alone = true;
  // --benchmark-only: every selected test is a benchmark.
  bool everything_runs_alone = false;
};

bool RunsAlone(const TestItem& item, const ExclusionRules& rules);

}  // namespace jackd::scheduler
