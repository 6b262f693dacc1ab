// Distribution policies: how tests are cut into units (tests that stay together on one worker, in
// order) and in which order units are handed out. As in pytest-xdist, the modes differ only in their
// grouping key; they read structured fields, never node-ID text.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scheduler/test_item.h"

namespace jackd::scheduler {

enum class DistMode {
  kLoad,       // every test is its own unit, handed out dynamically in collection order
  kLoadFile,   // a file's tests form one unit
  kLoadScope,  // a class's tests form one unit, else a module's
  kLoadGroup,  // tests with the same xdist_group form one unit; others follow the fallback mode
  kWorkSteal,  // like load, but split evenly up front; an idle worker steals half of the longest queue
  kNo,         // one worker, collection order
};

std::optional<DistMode> ParseDistMode(std::string_view name);
std::string_view DistModeName(DistMode mode);

// The key that puts a test into a unit with others under `mode` ({"file", path} under loadfile, say);
// nullopt when the test is a unit of its own. Tests with equal keys always share a unit.
std::optional<std::vector<std::string>> GroupingKey(const TestItem& item, DistMode mode,
                                                    DistMode fallback = DistMode::kLoad);

// Cuts the tests `selection` (indices into `inventory`, in collection order) into units for `mode`.
// Every selected test appears in exactly one unit, units keep collection order inside, and grouping
// modes hand out the longest units first (ties keep collection order): longest by expected seconds when
// `expected` (by TestIndex, see expected_durations.h) is given, else by test count. Under loadscope a
// module's scopes are handed out together (the longest module first, then its longest scope first), so
// that no worker comes back to a module it left. `fallback` is how
// loadgroup treats tests without a group: kLoad, kLoadFile or kLoadScope.
std::vector<Unit> MakeUnits(const Inventory& inventory, const std::vector<TestIndex>& selection,
                            DistMode mode, DistMode fallback = DistMode::kLoad,
                            const std::vector<double>& expected = {});

// MakeUnits over the whole inventory.
std::vector<Unit> MakeUnits(const Inventory& inventory, DistMode mode, DistMode fallback = DistMode::kLoad);

}  // namespace jackd::scheduler
