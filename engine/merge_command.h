// `jackd merge`: one report from the shards of a sharded run (`jackd run --shard I/N --json-report ...`
// in N CI jobs). It checks that the shards add up to exactly one run of the whole collection, then writes
// the merged JSON report, optionally the merged JUnit XML (junit_merge.h), and records the merged
// durations in a store, as an unsharded run would.
//
// Refusals (exit kExitShardsIncomplete, one `jackd: error: ...` line): a shard's report missing or given
// twice, shards of different runs (their `total`, `mode` or whole-collection digests disagree), a test in
// two shards or in none. Unreadable or foreign files are usage errors (exit 4). Otherwise the exit code is
// the merged run's: what one unsharded run would have returned.
#pragma once

#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace jackd {

struct MergeOptions {
  std::string output;           // -o: the merged JSON report
  std::string junitxml;         // --junitxml: the merged JUnit XML
  std::string durations_store;  // --durations-store: a .jackd directory to record the merged durations in
  std::string cov_combine;      // --cov-combine: the combined coverage.py data file
  std::string python;           // --python: the interpreter whose coverage.py combines
  // The shards' files: JSON reports, JUnit XML (*.xml) and coverage.py data files, told apart by merge.
  std::vector<std::string> inputs;
};

// Adds the options above to the `merge` subcommand.
void AddMergeOptions(CLI::App& merge, MergeOptions& options);

int MergeCommand(const MergeOptions& options, const std::vector<std::string>& command_line);

}  // namespace jackd
