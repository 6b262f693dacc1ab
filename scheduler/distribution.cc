#include "scheduler/distribution.h"

namespace jackd::scheduler {

std::optional<DistMode> ParseDistMode(std::string_view name) {
  if (name == "load") return DistMode::kLoad;
  return std::nullopt;
}

std::string_view DistModeName(DistMode mode) {
  switch (mode) {
    case DistMode::kLoad: return "load";
  }
  return "unknown";
}

std::vector<Unit> MakeUnits(const Inventory& inventory, DistMode mode) {
  std::vector<Unit> units;
  switch (mode) {
    case DistMode::kLoad:
      // Collection order keeps neighbours (same module, same class) in the same batch, so module
      // fixtures are mostly reused even though any test may go anywhere.
      units.reserve(inventory.size());
      for (TestIndex i = 0; i < inventory.size(); ++i) units.push_back(Unit{{i}});
      break;
  }
  return units;
}

}  // namespace jackd::scheduler
