// Split collection: the prestarted workers each collect a share of the suite's files (in parallel, and
// each file once), and the engine merges their CollectionReports into the one a single process would
// have written. See worker_shim/jackd_shim/split_collection.py for the workers' side.
#pragma once

#include <string>
#include <vector>

#include "jackd.pb.h"
#include "scheduler/test_item.h"

namespace jackd {

namespace pb = ::jackd::v1;

struct MergedCollection {
  pb::CollectionReport report;
  // By position in report.items: the share (worker slot) that collected the item.
  std::vector<scheduler::WorkerId> collected_by;
};

// Why the shares in hand (a split collection's, in any order) do not make the whole collection yet, or ""
// when they do: they agree on split_ways, none comes twice, share 0 is among them (it carries the
// settings), and either every share is, or together they collected every file their walk met
// (split_files, split_collected). Then the missing shares hold no file, only what every share holds:
// their workers claimed every file too late (they were still waiting to start) and collected nothing.
std::string IncompleteShares(const std::vector<const pb::CollectionReport*>& shares);

// Merges `shares`, which IncompleteShares finds complete. Items go in file order (TestItem.file_ordinal),
// keeping each share's order within a file; an item reported by two shares (collected outside any file)
// is kept once. Errors, skips and warnings that every worker met (a broken conftest, a warning while
// configuring) are kept once. The settings are share 0's, the one that made the basetemp. The digest is
// CollectionDigest of the merged IDs. collected_by holds each item's split_share.
// The items are moved out of `shares` (a 100,000-test suite would otherwise be held twice).
// Returns false, with `error` saying why, when the shares do not fit together.
bool MergeShares(std::vector<pb::CollectionReport>& shares, MergedCollection& out, std::string& error);

// The order-independent digest of a collection: lowercase hex sha256 of the node IDs sorted by bytes and
// joined with '\n'. Equal to jackd_shim.protocol.collection_digest, which whole-collection workers send.
std::string CollectionDigest(std::vector<std::string> node_ids);

}  // namespace jackd
