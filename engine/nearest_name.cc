#include "engine/nearest_name.h"

#include <algorithm>
#include <numeric>

namespace jackd {
namespace {

// A suggestion helps when the name is a typo, and misleads when it is a different word: allow about one
// edit in three characters, and always at least two (`workerz`, `wokers`).
constexpr std::size_t kMinAllowedEdits = 2;
constexpr std::size_t kCharactersPerAllowedEdit = 3;

}  // namespace

std::size_t EditDistance(const std::string& a, const std::string& b) {
  // One row of the classic table at a time.
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), 0);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::optional<std::string> NearestName(const std::string& name, const std::vector<std::string>& candidates) {
  const std::size_t allowed = std::max(kMinAllowedEdits, name.size() / kCharactersPerAllowedEdit);
  std::optional<std::string> best;
  std::size_t best_distance = allowed + 1;
  for (const std::string& candidate : candidates) {
    const std::size_t distance = EditDistance(name, candidate);
    if (distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

}  // namespace jackd
