#include "scheduler/expected_durations.h"

#include <map>
#include <string>

namespace jackd::scheduler {
namespace {

struct Mean {
  double sum = 0;
  std::size_t count = 0;
  void Add(double seconds) { sum += seconds, ++count; }
  double Value() const { return sum / static_cast<double>(count); }
};

}  // namespace

std::vector<double> ExpectDurations(const Inventory& inventory,
                                    const std::vector<std::optional<double>>& measured) {
  auto measurement = [&](std::size_t i) -> std::optional<double> {
    return i < measured.size() ? measured[i] : std::nullopt;
  };
  Mean suite;
  std::map<std::string, Mean> by_file;
  for (std::size_t i = 0; i < inventory.size(); ++i) {
    if (auto seconds = measurement(i)) {
      suite.Add(*seconds);
      by_file[inventory[i].file].Add(*seconds);
    }
  }
  if (suite.count == 0) return {};
  std::vector<double> expected;
  expected.reserve(inventory.size());
  for (std::size_t i = 0; i < inventory.size(); ++i) {
    if (auto seconds = measurement(i)) {
      expected.push_back(*seconds);
    } else if (auto file = by_file.find(inventory[i].file); file != by_file.end()) {
      expected.push_back(file->second.Value());
    } else {
      expected.push_back(suite.Value());
    }
  }
  return expected;
}

double ExpectedSeconds(const Unit& unit, const std::vector<double>& expected) {
  double sum = 0;
  for (TestIndex test : unit.tests) sum += test < expected.size() ? expected[test] : 0;
  return sum;
}

}  // namespace jackd::scheduler
