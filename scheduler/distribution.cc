#include "scheduler/distribution.h"

#include <algorithm>
#include <map>
#include <numeric>
#include <string>
#include <utility>

#include "scheduler/expected_durations.h"

namespace jackd::scheduler {
namespace {

using Key = std::optional<std::vector<std::string>>;

}  // namespace

Key GroupingKey(const TestItem& item, DistMode mode, DistMode fallback) {
  switch (mode) {
    case DistMode::kLoad:
    case DistMode::kWorkSteal:
    case DistMode::kNo:
      return std::nullopt;
    case DistMode::kLoadFile:
      return std::vector<std::string>{"file", item.file};
    case DistMode::kLoadScope: {
      // The innermost scope: the full class chain within its file, or the module.
      std::vector<std::string> key = {"scope", item.file};
      key.insert(key.end(), item.class_chain.begin(), item.class_chain.end());
      return key;
    }
    case DistMode::kLoadGroup:
      if (!item.xdist_group.empty()) return std::vector<std::string>{"group", item.xdist_group};
      return GroupingKey(item, fallback, DistMode::kLoad);
  }
  return std::nullopt;
}

std::optional<DistMode> ParseDistMode(std::string_view name) {
  if (name == "load") return DistMode::kLoad;
  if (name == "loadfile") return DistMode::kLoadFile;
  if (name == "loadscope") return DistMode::kLoadScope;
  if (name == "loadgroup") return DistMode::kLoadGroup;
  if (name == "worksteal") return DistMode::kWorkSteal;
  if (name == "no") return DistMode::kNo;
  return std::nullopt;
}

std::string_view DistModeName(DistMode mode) {
  switch (mode) {
    case DistMode::kLoad:
      return "load";
    case DistMode::kLoadFile:
      return "loadfile";
    case DistMode::kLoadScope:
      return "loadscope";
    case DistMode::kLoadGroup:
      return "loadgroup";
    case DistMode::kWorkSteal:
      return "worksteal";
    case DistMode::kNo:
      return "no";
  }
  return "unknown";
}

std::vector<Unit> MakeUnits(const Inventory& inventory, const std::vector<TestIndex>& selection,
                            DistMode mode, DistMode fallback, const std::vector<double>& expected) {
  std::vector<Unit> units;
  std::map<std::vector<std::string>, std::size_t> unit_of_key;
  for (TestIndex index : selection) {
    Key key = GroupingKey(inventory[index], mode, fallback);
    if (!key) {
      units.emplace_back().tests.push_back(index);
      continue;
    }
    auto [it, inserted] = unit_of_key.emplace(std::move(*key), units.size());
    if (inserted) units.push_back(Unit{});
    units[it->second].tests.push_back(index);
  }
  if (!unit_of_key.empty() && !expected.empty()) {
    // Longest expected first (LPT), so the longest unit does not start last and stretch the run;
    // stable, so equal units keep collection order and the result is deterministic.
    std::vector<std::pair<double, Unit>> timed;
    timed.reserve(units.size());
    for (Unit& unit : units) timed.emplace_back(ExpectedSeconds(unit, expected), std::move(unit));
    std::stable_sort(timed.begin(), timed.end(),
                     [](const auto& a, const auto& b) { return a.first > b.first; });
    for (std::size_t i = 0; i < units.size(); ++i) units[i] = std::move(timed[i].second);
  } else if (!unit_of_key.empty()) {
    // Nothing measured yet: the test count stands in for the duration.
    std::stable_sort(units.begin(), units.end(),
                     [](const Unit& a, const Unit& b) { return a.tests.size() > b.tests.size(); });
  }
  return units;
}

std::vector<Unit> MakeUnits(const Inventory& inventory, DistMode mode, DistMode fallback) {
  std::vector<TestIndex> all(inventory.size());
  std::iota(all.begin(), all.end(), 0);
  return MakeUnits(inventory, all, mode, fallback);
}

}  // namespace jackd::scheduler
