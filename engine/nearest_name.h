// "did you mean ...?": the known name closest to a misspelt one.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace jackd {

// Levenshtein distance: single-character insertions, deletions and substitutions.
std::size_t EditDistance(const std::string& a, const std::string& b);

// The candidate nearest to `name`, if it is near enough to be a plausible typo (see the .cc); ties go to
// the earlier candidate.
std::optional<std::string> NearestName(const std::string& name, const std::vector<std::string>& candidates);

}  // namespace jackd
