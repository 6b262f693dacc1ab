#include "engine/pytest_cache.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

namespace jackd {
namespace {

namespace fs = std::filesystem;

// `<cache_dir>/v/<key>` parsed, or a discarded value when it is missing or not JSON.
nlohmann::json ReadValue(const std::string& cache_dir, const std::string& key) {
  std::ifstream in(fs::path(cache_dir) / "v" / key);
  if (!in) return nlohmann::json(nlohmann::json::value_t::discarded);
  return nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
}

// Writes `<cache_dir>/v/<key>` atomically, as pytest's Cache.set formats it (indent=2; pytest's
// ensure_ascii=False is nlohmann's default).
bool WriteValue(const std::string& cache_dir, const std::string& key, const nlohmann::json& value) {
  std::error_code error;
  const fs::path file = fs::path(cache_dir) / "v" / key;
  const bool created = !fs::exists(cache_dir, error);
  fs::create_directories(file.parent_path(), error);
  if (created) {
    // What pytest puts in a cache directory it creates, so it stays out of version control.
    std::ofstream(fs::path(cache_dir) / ".gitignore") << "# Created by pytest automatically.\n*\n";
  }
  const fs::path temporary = file.string() + ".jackd-tmp";
  {
    std::ofstream out(temporary);
    out << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace);
    if (!out) return false;
  }
  fs::rename(temporary, file, error);
  return !error;
}

}  // namespace

bool UpdateLastFailed(const std::string& cache_dir, const Collection& collection, const RunResult& result) {
  if (cache_dir.empty()) return true;
  nlohmann::json last = ReadValue(cache_dir, "cache/lastfailed");
  if (!last.is_object()) last = nlohmann::json::object();
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
  // pytest writes it sorted by key; nlohmann's objects are sorted already.
  return last == before || WriteValue(cache_dir, "cache/lastfailed", last);
}

bool UpdateNodeIds(const std::string& cache_dir, const Collection& collection) {
  if (cache_dir.empty()) return true;
  const nlohmann::json before = ReadValue(cache_dir, "cache/nodeids");
  std::vector<std::string> ids;
  ids.reserve(collection.items.size() + (before.is_array() ? before.size() : 0));
  if (before.is_array()) {
    for (const nlohmann::json& id : before) {
      if (id.is_string()) ids.push_back(id.get<std::string>());
    }
  }
  for (const auto& item : collection.items) ids.push_back(item.node_id);
  // Python sorts strings by code point, which for UTF-8 is byte order.
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const nlohmann::json after = ids;
  return after == before || WriteValue(cache_dir, "cache/nodeids", after);
}

}  // namespace jackd
