// CLOCK_MONOTONIC, the clock the shim stamps tests with (TestRecord::started, the status slot), so the
// engine can compare its own moments with the workers'.
#pragma once

#include <time.h>

#include <cstdint>

namespace jackd {

inline std::int64_t MonotonicNanos() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<std::int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

inline double MonotonicSeconds() { return static_cast<double>(MonotonicNanos()) * 1e-9; }

}  // namespace jackd
