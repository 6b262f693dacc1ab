// The revision of the checkout a directory belongs to, so an engine can refuse a remote worker host whose
// checkout is at another commit (engine/run_loop_remote.cc). Uncommitted changes are not seen: the
// collection digest still catches those that change the suite.
#pragma once

#include <string>

namespace jackd {

// `git rev-parse HEAD` in `directory`; empty when it is not in a git checkout or git is missing.
std::string ProjectRevision(const std::string& directory);

}  // namespace jackd
