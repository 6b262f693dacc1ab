#include "engine/shard_selection.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <charconv>
#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace jackd {
namespace {

std::optional<std::uint32_t> ParseCount(const std::string& text) {
  std::uint32_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || ptr != end) return std::nullopt;
  return value;
}

std::string Environment(const char* name) {
  const char* value = getenv(name);
  return value ? value : "";
}

// Bazel's variables, or nullopt when they do not ask for sharding.
absl::StatusOr<std::optional<scheduler::ShardSpec>> FromBazel() {
  const std::string total_text = Environment("TEST_TOTAL_SHARDS");
  const std::string index_text = Environment("TEST_SHARD_INDEX");
  if (total_text.empty() && index_text.empty()) return std::nullopt;
  auto total = ParseCount(total_text);
  auto index = ParseCount(index_text);
  if (!total || !index || *total == 0 || *index >= *total) {
    return absl::InvalidArgumentError(
        absl::StrCat("TEST_TOTAL_SHARDS='", total_text, "' and TEST_SHARD_INDEX='", index_text,
                     "' are not a shard (Bazel sets both: a count, and a 0-based index below it)"));
  }
  scheduler::ShardSpec spec;
  spec.index = *index;
  spec.total = *total;
  return spec;
}

}  // namespace

absl::StatusOr<std::optional<scheduler::ShardSpec>> ResolveShard(const std::string& option,
                                                                 scheduler::ShardMode mode) {
  auto bazel = FromBazel();
  std::optional<scheduler::ShardSpec> spec;
  if (!option.empty()) {
    spec = scheduler::ParseShardArgument(option);
    if (!spec)
      return absl::InvalidArgumentError("--shard wants I/N with 1 <= I <= N, e.g. 1/3 (got '" + option +
                                        "')");
    if (!bazel.ok() || *bazel) {
      spdlog::debug("--shard {} wins over Bazel's TEST_TOTAL_SHARDS/TEST_SHARD_INDEX", option);
    }
  } else {
    if (!bazel.ok()) return bazel.status();
    spec = *bazel;
  }
  if (!spec) return std::nullopt;
  spec->mode = mode;
  if (const std::string status_file = Environment("TEST_SHARD_STATUS_FILE"); !status_file.empty()) {
    // Bazel checks that the file exists: a runner that leaves it out does not shard, and Bazel says so.
    std::ofstream touched(status_file, std::ios::app);
    if (!touched) spdlog::warn("cannot touch TEST_SHARD_STATUS_FILE {}", status_file);
  }
  return spec;
}

std::vector<double> ApplyShard(Collection& collection, const scheduler::ShardSpec& shard,
                               scheduler::DistMode mode, scheduler::DistMode fallback,
                               const std::vector<double>& expected) {
  const std::vector<std::uint32_t> assignment =
      scheduler::AssignShards(collection.items, mode, fallback, expected, shard.total, shard.mode);
  const std::vector<scheduler::TestIndex> kept = scheduler::TestsOfShard(assignment, shard.index);
  ShardInfo info;
  info.index = shard.index + 1;
  info.total = shard.total;
  info.mode = std::string(scheduler::ShardModeName(shard.mode));
  info.collected_total = collection.items.size();
  info.deselected = static_cast<std::uint32_t>(collection.items.size() - kept.size());
  info.collection_digest = collection.digest;

  scheduler::Inventory items;
  std::vector<double> timeouts;
  std::vector<std::optional<FlakyMark>> flaky;
  std::vector<double> kept_expected;
  std::vector<scheduler::WorkerId> collected_by;
  for (scheduler::TestIndex i : kept) {
    items.push_back(std::move(collection.items[i]));
    if (i < collection.collected_by.size()) collected_by.push_back(collection.collected_by[i]);
    if (i < collection.timeouts.size()) timeouts.push_back(collection.timeouts[i]);
    if (i < collection.flaky.size()) flaky.push_back(collection.flaky[i]);
    if (i < expected.size()) kept_expected.push_back(expected[i]);
  }
  collection.items = std::move(items);
  collection.timeouts = std::move(timeouts);
  collection.flaky = std::move(flaky);
  collection.collected_by = std::move(collected_by);
  collection.deselected += info.deselected;
  spdlog::debug("shard {}/{} ({}): {} of {} tests", info.index, info.total, info.mode, kept.size(),
                info.collected_total);
  collection.shard = std::move(info);
  return kept_expected;
}

std::string ShardNote(const ShardInfo& shard) {
  return absl::StrCat("shard ", shard.index, "/", shard.total, " (", shard.mode,
                      "): ", shard.collected_total - shard.deselected, " of ", shard.collected_total,
                      " tests; ", shard.deselected, " deselected by --shard");
}

}  // namespace jackd
