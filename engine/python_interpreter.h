// Which Python runs pytest, and the bootstrap every shim process starts with.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace jackd {

// The interpreter to use: `requested` if given (must exist and be executable), else $VIRTUAL_ENV's,
// else the `python` beside the jackd executable when jackd lives in a virtualenv's bin/ (as after
// `pip install jackd`), else `python3` on PATH. Returns an absolute path.
absl::StatusOr<std::string> FindPython(const std::string& requested);

// The site-packages directory of the virtualenv this jackd executable was installed into (pipx, uv tool,
// or a project's venv), when the shim is installed there; else empty. The shim's processes append it
// to sys.path when their own interpreter lacks pytest, grpcio, protobuf or the shim and is the same
// Python release (see PythonPrelude), so jackd installed as a tool works in any project.
std::string LentSitePackages();

// The Python code every jackd Python process starts with: drops '' from sys.path, and defines
// `_has(module)` and `_lend(modules)`, which appends LentSitePackages() to sys.path when some of the
// modules are missing and it suits this interpreter.
std::string PythonPrelude();

// Modules the bootstrap checks besides the shim's own, space-separated, taken from this environment
// variable of the shim process (`coverage` when --cov is given).
inline constexpr const char* kNeedsModulesVariable = "JACKD_NEEDS_MODULES";

// Exit code of the bootstrap when modules are missing; it then prints "jackd-missing: NAME..." on stderr.
inline constexpr int kBootstrapMissingModules = 86;

// argv for `python -c BOOTSTRAP mode args...` (see docs/engine-shim-contract.md).
std::vector<std::string> ShimCommand(const std::string& python, const std::string& mode,
                                     const std::vector<std::string>& args);

// `JACKD_REWRITE_CACHE=<run_directory>/rewrite`, for the shim processes of one run on this host (workers
// and the collection process): where they share pytest's assertion rewrites, so that a module is rewritten
// once per run however many of them import it (worker_shim/jackd_shim/rewrite_cache.py). The shim makes
// the directory; it goes with the run directory.
std::string RewriteCacheVariable(const std::string& run_directory);

// The user-facing message for a bootstrap that exited with kBootstrapMissingModules, given its stderr.
std::string MissingModulesMessage(const std::string& python, const std::string& stderr_text);

}  // namespace jackd
