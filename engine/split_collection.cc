#include "engine/split_collection.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <set>
#include <tuple>
#include <unordered_map>

#include "absl/strings/str_cat.h"

namespace jackd {

std::string IncompleteShares(const std::vector<const pb::CollectionReport*>& shares) {
  if (shares.empty()) return "no share";
  const std::uint32_t ways = shares[0]->split_ways();
  std::vector<bool> present(ways, false);
  for (const pb::CollectionReport* share : shares) {
    if (share->split_ways() != ways || share->split_share() >= ways) {
      return absl::StrCat("share ", share->split_share(), " of ", share->split_ways(), " among shares of ",
                          ways);
    }
    if (present[share->split_share()]) return absl::StrCat("share ", share->split_share(), " twice");
    present[share->split_share()] = true;
  }
  if (!present[0]) return absl::StrCat("no share 0 of ", ways);
  if (shares.size() == ways) return "";
  // A shim that does not count its files (split_files 0) leaves only the wait for every share.
  const std::uint32_t files = shares[0]->split_files();
  std::vector<bool> collected(files, false);
  for (const pb::CollectionReport* share : shares) {
    if (share->split_files() != files) {
      return absl::StrCat("shares that met ", files, " and ", share->split_files(), " files");
    }
    for (std::uint32_t ordinal : share->split_collected()) {
      if (ordinal < files) collected[ordinal] = true;
    }
  }
  if (files == 0 || std::find(collected.begin(), collected.end(), false) != collected.end()) {
    return absl::StrCat(shares.size(), " of ", ways, " shares, which do not hold every file");
  }
  return "";
}

namespace {

// Items: by file ordinal; within a file, in the order of the share that collected it. The items are
// moved out of `shares`.
void MergeItems(std::vector<pb::CollectionReport>& shares, MergedCollection& out) {
  struct Source {
    std::uint32_t ordinal, share;
    int position;
  };
  std::vector<Source> order;
  for (std::uint32_t k = 0; k < shares.size(); ++k) {
    for (int i = 0; i < shares[k].items_size(); ++i)
      order.push_back({shares[k].items(i).file_ordinal(), k, i});
  }
  std::stable_sort(order.begin(), order.end(), [](const Source& a, const Source& b) {
    return std::tie(a.ordinal, a.share) < std::tie(b.ordinal, b.share);
  });
  std::unordered_map<std::string, std::uint32_t> owner;  // node ID -> the share that listed it first
  out.report.mutable_items()->Reserve(static_cast<int>(order.size()));
  for (const Source& source : order) {
    pb::TestItem* item = shares[source.share].mutable_items(source.position);
    auto [it, fresh] = owner.emplace(item->node_id(), source.share);
    // Duplicates within one share are pytest's (--keep-duplicates); across shares, one collection.
    if (!fresh && it->second != source.share) continue;
    out.report.add_items()->Swap(item);
    out.collected_by.push_back(shares[source.share].split_share());
  }
}

// What every share met (outside any file) is reported once: errors in walk order, skips, warnings.
void MergeOnce(const std::vector<pb::CollectionReport>& shares, pb::CollectionReport& merged) {
  std::vector<const pb::CollectError*> errors;
  std::set<std::string> seen;
  for (const auto& share : shares) {
    for (const auto& e : share.errors())
      if (seen.insert(e.node_id()).second) errors.push_back(&e);
  }
  std::stable_sort(errors.begin(), errors.end(),
                   [](const auto* a, const auto* b) { return a->file_ordinal() < b->file_ordinal(); });
  for (const auto* e : errors) *merged.add_errors() = *e;
  seen.clear();
  for (const auto& share : shares) {
    for (const auto& skip : share.skips())
      if (seen.insert(skip.node_id()).second) *merged.add_skips() = skip;
  }
  std::set<std::pair<std::string, std::string>> seen_warnings;
  for (const auto& share : shares) {
    for (const auto& warning : share.warnings())
      if (seen_warnings.emplace(warning.message(), warning.location()).second)
        *merged.add_warnings() = warning;
  }
}

// How the shares' sessions ended: deselections add up, the highest exit code wins, and the first share
// whose session pytest.exit() ended, or that pytest ended with an internal error, ends the run as it did.
void MergeSessionEnds(const std::vector<pb::CollectionReport>& shares, pb::CollectionReport& merged) {
  std::uint32_t deselected = 0;
  int pytest_exit = 0;
  for (const auto& share : shares) {
    deselected += share.deselected();
    pytest_exit = std::max(pytest_exit, share.pytest_exit());
  }
  merged.set_deselected(deselected);
  merged.set_pytest_exit(pytest_exit);
  for (const auto& share : shares) {
    if (share.has_session_exit() && !merged.has_session_exit())
      *merged.mutable_session_exit() = share.session_exit();
    if (!share.internal_error().empty() && merged.internal_error().empty())
      merged.set_internal_error(share.internal_error());
  }
}

}  // namespace

bool MergeShares(std::vector<pb::CollectionReport>& shares, MergedCollection& out, std::string& error) {
  out = MergedCollection{};
  if (shares.empty()) return true;
  std::vector<const pb::CollectionReport*> in_hand;
  for (const auto& share : shares) in_hand.push_back(&share);
  error = IncompleteShares(in_hand);
  if (!error.empty()) return false;
  std::sort(shares.begin(), shares.end(),
            [](const auto& a, const auto& b) { return a.split_share() < b.split_share(); });
  pb::CollectionReport& merged = out.report;
  merged.set_protocol_version(shares[0].protocol_version());
  merged.set_shim_version(shares[0].shim_version());
  *merged.mutable_settings() = shares[0].settings();
  MergeItems(shares, out);
  MergeOnce(shares, merged);
  MergeSessionEnds(shares, merged);
  std::vector<std::string> ids;
  ids.reserve(merged.items_size());
  for (const auto& item : merged.items()) ids.push_back(item.node_id());
  merged.set_digest(CollectionDigest(std::move(ids)));
  return true;
}

std::string CollectionDigest(std::vector<std::string> node_ids) {
  // std::string compares bytes as unsigned char: UTF-8 byte order, which is code point order.
  std::sort(node_ids.begin(), node_ids.end());
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  for (std::size_t i = 0; i < node_ids.size(); ++i) {
    if (i > 0) EVP_DigestUpdate(context.get(), "\n", 1);
    EVP_DigestUpdate(context.get(), node_ids[i].data(), node_ids[i].size());
  }
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_DigestFinal_ex(context.get(), hash, &length);
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    const unsigned char byte = hash[i];
    char pair[3];
    std::snprintf(pair, sizeof pair, "%02x", byte);
    hex += pair;
  }
  return hex;
}

}  // namespace jackd
