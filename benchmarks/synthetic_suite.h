// Synthetic test suites for the scheduler simulator and microbenchmarks: an inventory spread over files,
// each test's true duration drawn from a named distribution, and what an earlier run would have
// measured. Seeded, so every run of a benchmark sees the same suite.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "scheduler/test_item.h"

namespace jackd::bench {

enum class Shape {
  kUniform,       // 1 to 100 ms
  kExponential,   // mean 30 ms: many short tests, a thin tail
  kPareto,        // heavy tail: a 10 ms floor, a few tests of seconds
  kLognormal,     // median 20 ms, wide spread (what real suites tend to look like)
  kBimodal,       // mostly 5 ms, a few of 1 to 5 s
  kSkewedByFile,  // a few files of slow integration tests among many files of fast unit tests
};

inline constexpr Shape kAllShapes[] = {Shape::kUniform,   Shape::kExponential, Shape::kPareto,
                                       Shape::kLognormal, Shape::kBimodal,     Shape::kSkewedByFile};

std::string_view ShapeName(Shape shape);

struct Suite {
  scheduler::Inventory inventory;
  std::vector<double> seconds;  // true duration of each test, by TestIndex
  // What an earlier run measured: the true duration with run-to-run noise, nullopt for new tests.
  std::vector<std::optional<double>> measured;
};

// `tests` tests in files of about `tests_per_file` tests each (sizes vary by half either way).
Suite MakeSuite(Shape shape, std::size_t tests, std::size_t tests_per_file, std::uint64_t seed);

}  // namespace jackd::bench
