// `jackd merge --cov-combine DATA_FILE`: the shards' coverage.py data files (each shard's `.coverage`
// from `jackd run --cov`) combined into one, by coverage.py's own `coverage combine`, so `coverage
// report` (or xml, html) afterwards reports the whole suite.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace jackd {

// True for a coverage.py data file (an SQLite database), which is how merge tells them from reports.
bool IsCoverageData(const std::string& path);

// Runs `python -m coverage combine --keep --data-file=output inputs...` in the current directory (where
// the project's coverage configuration, with its [paths] remapping of other checkouts, is found). The
// inputs are kept. An error carries coverage.py's own message.
absl::Status CombineCoverageData(const std::string& python, const std::vector<std::string>& inputs,
                                 const std::string& output);

}  // namespace jackd
