// `jackd run`: collection, then the run loop, then the reports. Returns the process exit code.
#pragma once

#include <string>
#include <vector>

#include "engine/cli.h"

namespace jackd {

int RunCommand(const RunOptions& options, const std::vector<std::string>& command_line);

}  // namespace jackd
