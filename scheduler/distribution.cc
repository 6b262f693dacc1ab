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

// Grouping modes hand the longest units out first (LPT), so the longest does not start last and stretch
// the run: longest by expected seconds, or by test count before anything was measured. Stable, so equal
// units keep collection order and the result is deterministic.
//
// Under loadscope a module's classes (its units) stay together, the module placed by its total and its
// classes longest first within it: a worker that left a module and came back to it later would tear its
// module fixtures down and set them up again, as pytest-xdist's loadscope does. `module_of` names each
// unit's module by its first unit; every other unit is a module of its own.
std::vector<Unit> LongestFirst(std::vector<Unit> units, const std::vector<std::size_t>& module_of,
                               const std::vector<double>& expected) {
  std::vector<double> weight(units.size());
  std::vector<double> module_weight(units.size(), 0.0);
  for (std::size_t i = 0; i < units.size(); ++i) {
    weight[i] =
        expected.empty() ? static_cast<double>(units[i].tests.size()) : ExpectedSeconds(units[i], expected);
    module_weight[module_of[i]] += weight[i];
  }
  std::vector<std::size_t> order(units.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    const std::size_t ma = module_of[a], mb = module_of[b];
    if (ma != mb)
      return module_weight[ma] != module_weight[mb] ? module_weight[ma] > module_weight[mb] : ma < mb;
    return weight[a] > weight[b];
  });
  std::vector<Unit> sorted;
  sorted.reserve(units.size());
  for (std::size_t i : order) sorted.push_back(std::move(units[i]));
  return sorted;
}

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
  std::vector<std::size_t> module_of;  // by unit: its module's first unit (loadscope), else itself
  std::map<std::vector<std::string>, std::size_t> unit_of_key;
  std::map<std::string, std::size_t> module_of_file;
  for (TestIndex index : selection) {
    Key key = GroupingKey(inventory[index], mode, fallback);
    if (!key) {
      module_of.push_back(units.size());
      units.emplace_back().tests.push_back(index);
      continue;
    }
    const bool scope = key->front() == "scope";
    auto [it, inserted] = unit_of_key.emplace(std::move(*key), units.size());
    if (inserted) {
      module_of.push_back(scope ? module_of_file.emplace(inventory[index].file, units.size()).first->second
                                : units.size());
      units.push_back(Unit{});
    }
    units[it->second].tests.push_back(index);
  }
  if (unit_of_key.empty()) return units;
  return LongestFirst(std::move(units), module_of, expected);
}

std::vector<Unit> MakeUnits(const Inventory& inventory, DistMode mode, DistMode fallback) {
  std::vector<TestIndex> all(inventory.size());
  std::iota(all.begin(), all.end(), 0);
  return MakeUnits(inventory, all, mode, fallback);
}

}  // namespace jackd::scheduler
