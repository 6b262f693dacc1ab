// Distribution policies: how an inventory is cut into units and in which order units are handed out.
// Each policy differs only in its grouping key, as in pytest-xdist.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "scheduler/test_item.h"

namespace jackd::scheduler {

enum class DistMode {
  kLoad,  // every test is its own unit, dispatched dynamically in collection order
};

std::optional<DistMode> ParseDistMode(std::string_view name);
std::string_view DistModeName(DistMode mode);

// Cuts `inventory` into units for `mode`, in dispatch order. Every test appears in exactly one unit.
std::vector<Unit> MakeUnits(const Inventory& inventory, DistMode mode);

}  // namespace jackd::scheduler
