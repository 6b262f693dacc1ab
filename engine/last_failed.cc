#include "engine/last_failed.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace jackd {

bool UpdateLastFailed(const std::string& cache_dir, const Collection& collection, const RunResult& result) {
  if (cache_dir.empty()) return true;
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(cache_dir) / "v" / "cache";
  const fs::path file = dir / "lastfailed";
  nlohmann::json last = nlohmann::json::object();
  if (std::ifstream in(file); in) {
    last = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (!last.is_object()) last = nlohmann::json::object();
  }
  const nlohmann::json before = last;
  for (const CollectError& error : collection.errors) last[error.node_id] = true;
  for (TestIndex i = 0; i < result.records.size(); ++i) {
    const std::string& id = collection.items[i].node_id;
    switch (result.records[i].outcome) {
      case Outcome::kFailed:
      case Outcome::kError:
      case Outcome::kCrashed:
      case Outcome::kTimeout:
        last[id] = true;
        break;
      case Outcome::kNotRun:
        break;
      default:
        last.erase(id);
    }
  }
  if (last == before) return true;
  std::error_code error;
  const bool created = !fs::exists(cache_dir, error);
  fs::create_directories(dir, error);
  if (created) {
    // What pytest puts in a cache directory it creates, so it stays out of version control.
    std::ofstream(fs::path(cache_dir) / ".gitignore") << "# Created by pytest automatically.\n*\n";
  }
  const fs::path temporary = file.string() + ".jackd-tmp";
  {
    std::ofstream out(temporary);
    // pytest writes it with sort_keys and indent=2; nlohmann's objects are sorted already.
    out << last.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!out) return false;
  }
  fs::rename(temporary, file, error);
  return !error;
}

}  // namespace jackd
