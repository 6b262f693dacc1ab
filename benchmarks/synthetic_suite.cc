#include "benchmarks/synthetic_suite.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <string>

namespace jackd::bench {
namespace {

// A test's duration differs from run to run (caches, machine load): the measurement an earlier run left
// is the true duration times a lognormal factor of this sigma (about +-25%).
constexpr double kMeasurementNoiseSigma = 0.25;
// Share of tests new since the measured run: ExpectDurations fills them in from their file's mean.
constexpr double kUnmeasuredShare = 0.05;
// Bimodal: the share of slow tests. Small, so the few slow ones dominate the tail, not the total.
constexpr double kBimodalSlowShare = 0.002;
// Skewed by file: the share of files holding slow integration tests.
constexpr double kSlowFileShare = 0.05;

double Draw(Shape shape, bool slow_file, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  switch (shape) {
    case Shape::kUniform:
      return std::uniform_real_distribution<double>(0.001, 0.100)(rng);
    case Shape::kExponential:
      return std::exponential_distribution<double>(1.0 / 0.030)(rng);
    case Shape::kPareto: {
      // Inverse CDF of Pareto(x_m = 10 ms, alpha = 1.5): mean 30 ms, unbounded variance.
      const double u = 1.0 - unit(rng);
      return 0.010 / std::pow(u, 1.0 / 1.5);
    }
    case Shape::kLognormal:
      return std::lognormal_distribution<double>(std::log(0.020), 1.5)(rng);
    case Shape::kBimodal:
      return unit(rng) < kBimodalSlowShare ? std::uniform_real_distribution<double>(1.0, 5.0)(rng) : 0.005;
    case Shape::kSkewedByFile:
      return std::exponential_distribution<double>(slow_file ? 1.0 / 0.500 : 1.0 / 0.010)(rng);
  }
  return 0.0;
}

}  // namespace

std::string_view ShapeName(Shape shape) {
  switch (shape) {
    case Shape::kUniform:
      return "uniform";
    case Shape::kExponential:
      return "exponential";
    case Shape::kPareto:
      return "pareto";
    case Shape::kLognormal:
      return "lognormal";
    case Shape::kBimodal:
      return "bimodal";
    case Shape::kSkewedByFile:
      return "skewed-file";
  }
  return "?";
}

Suite MakeSuite(Shape shape, std::size_t tests, std::size_t tests_per_file, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  const std::size_t per_file = std::max<std::size_t>(1, tests_per_file);
  std::uniform_int_distribution<std::size_t> file_size(std::max<std::size_t>(1, per_file / 2),
                                                       per_file + per_file / 2);
  Suite suite;
  suite.inventory.reserve(tests);
  suite.seconds.reserve(tests);
  suite.measured.reserve(tests);
  std::size_t file = 0;
  while (suite.inventory.size() < tests) {
    const std::string path = "tests/test_f" + std::to_string(file++) + ".py";
    const bool slow_file = unit(rng) < kSlowFileShare;
    const std::size_t size = std::min(file_size(rng), tests - suite.inventory.size());
    for (std::size_t i = 0; i < size; ++i) {
      scheduler::TestItem item;
      item.file = path;
      item.node_id = path + "::test_" + std::to_string(suite.inventory.size());
      suite.inventory.push_back(std::move(item));
      const double seconds = Draw(shape, slow_file, rng);
      suite.seconds.push_back(seconds);
      const double noise = std::lognormal_distribution<double>(0.0, kMeasurementNoiseSigma)(rng);
      suite.measured.push_back(unit(rng) < kUnmeasuredShare ? std::nullopt
                                                            : std::optional<double>(seconds * noise));
    }
  }
  return suite;
}

}  // namespace jackd::bench
