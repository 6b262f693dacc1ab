#include "scheduler/wall_time.h"

#include <algorithm>
#include <functional>
#include <queue>

namespace jackd::scheduler {

double ExpectedWallTime(std::vector<double> unit_seconds, std::uint32_t workers) {
  workers = std::max<std::uint32_t>(1, workers);
  std::sort(unit_seconds.begin(), unit_seconds.end(), std::greater<>());
  // Each worker's busy-until time; the smallest is the worker that asks for the next unit.
  std::priority_queue<double, std::vector<double>, std::greater<>> free_at;
  for (std::uint32_t i = 0; i < workers; ++i) free_at.push(0);
  double makespan = 0;
  for (double seconds : unit_seconds) {
    const double done = free_at.top() + seconds;
    free_at.pop();
    free_at.push(done);
    makespan = std::max(makespan, done);
  }
  return makespan;
}

}  // namespace jackd::scheduler
