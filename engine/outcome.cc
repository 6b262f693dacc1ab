#include "engine/outcome.h"

namespace jackd {

// Row i of the table spells outcome i, and every outcome has a row: SpellingOf relies on both.
static_assert([] {
  for (std::size_t row = 0; row < kOutcomeSpellings.size(); ++row) {
    if (static_cast<std::size_t>(kOutcomeSpellings[row].outcome) != row) return false;
  }
  return kOutcomeSpellings.size() == kAllOutcomes.size();
}());

bool IsFailure(Outcome outcome) {
  switch (outcome) {
    case Outcome::kFailed:
    case Outcome::kError:
    case Outcome::kCrashed:
    case Outcome::kTimeout:
    case Outcome::kNotRun:
      return true;
    default:
      return false;
  }
}

}  // namespace jackd
