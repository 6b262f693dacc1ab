// Options with which pytest answers without running a test (--fixtures, --markers, --version,
// --setup-plan, ...): there is nothing to distribute, so jackd runs pytest alone in the foreground, as
// the user would, and ends with its exit code. Through the shim's `pytest` mode, so jackd's marks are
// known and pytest-xdist is off, as in every process of a jackd run.
#pragma once

#include <string>
#include <vector>

namespace jackd {

// Whether pytest's command line (before a `--`) holds such an option.
bool AnsweredAlone(const std::vector<std::string>& pytest_args);

// Runs pytest through the shim with `pytest_args`, stdout inherited, and returns its exit code. Its
// stderr goes through `stderr_path` and is copied to jackd's stderr once it exits, so that a missing
// module is reported as jackd reports it everywhere (one `jackd: error:` line).
int RunPytestAlone(const std::string& python, const std::vector<std::string>& pytest_args,
                   const std::string& stderr_path);

}  // namespace jackd
