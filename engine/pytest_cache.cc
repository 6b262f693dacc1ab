#include "engine/pytest_cache.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
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

// Writes `<cache_dir>/v/<key>` atomically.
bool WriteText(const std::string& cache_dir, const std::string& key, const std::string& text) {
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
    out << text;
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
  // As pytest's Cache.set writes it: indent=2, sorted by key (nlohmann's objects are sorted already),
  // ensure_ascii=False (nlohmann's default).
  return last == before || WriteText(cache_dir, "cache/lastfailed",
                                     last.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

bool UpdateNodeIds(const std::string& cache_dir, const Collection& collection) {
  if (cache_dir.empty()) return true;
  // Plain strings rather than JSON values: on a 100,000-test suite the JSON array alone would take some
  // ten megabytes more, at the run's end.
  std::vector<std::string> ids;
  if (nlohmann::json before = ReadValue(cache_dir, "cache/nodeids"); before.is_array()) {
    ids.reserve(before.size() + collection.items.size());
    for (nlohmann::json& id : before) {
      if (id.is_string()) ids.push_back(std::move(id.get_ref<std::string&>()));
    }
  }
  // pytest writes the list sorted, each ID once; then the run changes it only with IDs it lacks. Python
  // sorts strings by code point, which for UTF-8 is byte order.
  const bool was_sorted = std::adjacent_find(ids.begin(), ids.end(), std::greater_equal<>()) == ids.end();
  const std::size_t known = ids.size();
  for (const auto& item : collection.items) {
    if (!was_sorted || !std::binary_search(ids.begin(), ids.begin() + known, item.node_id))
      ids.push_back(item.node_id);
  }
  if (was_sorted && ids.size() == known) return true;
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  // As pytest's json.dumps(ids, indent=2) writes it.
  std::string text = ids.empty() ? "[]" : "[";
  for (std::size_t i = 0; i < ids.size(); ++i) {
    text += i == 0 ? "\n  " : ",\n  ";
    text += nlohmann::json(ids[i]).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  if (!ids.empty()) text += "\n]";
  return WriteText(cache_dir, "cache/nodeids", text);
}

}  // namespace jackd
