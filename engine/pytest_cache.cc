#include "engine/pytest_cache.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "absl/strings/str_format.h"
#include "engine/outcome.h"

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

bool UpdateStepwise(const std::string& cache_dir, const Collection& collection, const RunResult& result) {
  const std::optional<StepwiseSettings>& stepwise = collection.settings.stepwise;
  if (cache_dir.empty()) return true;
  if (!stepwise) {
    // Before pytest 8.4 every session without --sw clears the entry, so the next --sw run starts over:
    // the stepwise plugin does, when it is loaded.
    return collection.settings.PytestAtLeast(8, 4) || collection.settings.stepwise_blocked ||
           WriteText(cache_dir, "cache/stepwise", "[]");
  }
  const auto ran = [](const TestRecord& record) { return record.outcome != Outcome::kNotRun; };
  nlohmann::ordered_json last_failed = nullptr;
  if (std::none_of(result.records.begin(), result.records.end(), ran)) {
    if (!stepwise->last_failed.empty()) last_failed = stepwise->last_failed;
  } else {
    for (TestIndex i = 0; i < result.records.size() && i < collection.items.size(); ++i) {
      if (IsFailure(result.records[i].outcome) && result.stepwise_skipped != i) {
        last_failed = collection.items[i].node_id;
        break;
      }
    }
  }
  nlohmann::ordered_json value = last_failed;
  if (stepwise->stores_test_count) {
    // pytest's StepwiseCacheInfo, its keys in its order; the date as datetime.now().isoformat().
    const auto now = std::chrono::system_clock::now();
    const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
    std::tm local{};
    localtime_r(&seconds, &local);
    char date[32];
    std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &local);
    const auto micros =
        std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() % 1000000;
    value = nlohmann::ordered_json::object();
    value["last_failed"] = last_failed;
    value["last_test_count"] = stepwise->test_count ? nlohmann::ordered_json(*stepwise->test_count) : nullptr;
    value["last_cache_date_str"] = absl::StrFormat("%s.%06d", date, micros);
  }
  return WriteText(cache_dir, "cache/stepwise",
                   value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace jackd
