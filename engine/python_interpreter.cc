#include "engine/python_interpreter.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace jackd {
namespace {

namespace fs = std::filesystem;

// Starts every Python process of jackd's (the shim's bootstrap, `jackd --version`'s probe). Dropping ''
// from sys.path makes imports behave as under the `pytest` script rather than `python -m pytest`.
// find_spec checks importability without paying for the imports. `_lend` is for jackd installed as a
// tool (pipx, uv tool): when the project's interpreter lacks modules the shim needs, and jackd's own
// environment has them for the same Python release, that environment goes at the end of sys.path, so
// the project's own packages still come first. {LENT} is that site-packages directory, or empty.
constexpr const char* kPrelude = R"(import sys
if sys.path and sys.path[0] == "":
    del sys.path[0]
import importlib.util
def _has(name):
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False
def _lend(names):
    lent = "{LENT}"
    if lent.endswith("/python%d.%d/site-packages" % sys.version_info[:2]) and not all(map(_has, names)):
        sys.path.append(lent)
)";

constexpr const char* kBootstrap = R"(import os
_needed = ["pytest", "grpc", "google.protobuf", "jackd_shim"] + os.environ.get("JACKD_NEEDS_MODULES", "").split()
_lend(_needed[:4])
_missing = [m for m in _needed if not _has(m)]
if _missing:
    sys.stderr.write("jackd-missing: " + " ".join(_missing) + "\n")
    sys.exit(86)
from jackd_shim.__main__ import main
sys.exit(main(sys.argv[1:]))
)";

bool IsExecutable(const fs::path& path) {
  std::error_code error;
  return fs::is_regular_file(path, error) && access(path.c_str(), X_OK) == 0;
}

std::string SelfExecutable() {
  std::error_code error;
  return fs::read_symlink("/proc/self/exe", error).string();
}

std::string OnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  if (!path) return "";
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / name;
    if (IsExecutable(candidate)) return candidate.string();
  }
  return "";
}

}  // namespace

absl::StatusOr<std::string> FindPython(const std::string& requested) {
  if (!requested.empty()) {
    fs::path path =
        requested.find('/') == std::string::npos ? fs::path(OnPath(requested)) : fs::path(requested);
    if (path.empty() || !IsExecutable(path)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--python ", requested, " is not an executable file (give the path of a Python interpreter)"));
    }
    return fs::absolute(path).string();
  }
  if (const char* venv = std::getenv("VIRTUAL_ENV"); venv && *venv) {
    fs::path python = fs::path(venv) / "bin" / "python";
    if (IsExecutable(python)) return python.string();
  }
  fs::path self = SelfExecutable();
  if (!self.empty()) {
    fs::path bin = self.parent_path();
    if (fs::exists(bin.parent_path() / "pyvenv.cfg") && IsExecutable(bin / "python"))
      return (bin / "python").string();
  }
  std::string python3 = OnPath("python3");
  if (python3.empty()) {
    return absl::NotFoundError("no Python interpreter found (activate a virtualenv or pass --python PATH)");
  }
  return python3;
}

std::string LentSitePackages() {
  fs::path self = SelfExecutable();
  fs::path venv = self.parent_path().parent_path();
  std::error_code error;
  if (self.empty() || !fs::exists(venv / "pyvenv.cfg", error)) return "";
  for (const fs::directory_entry& entry : fs::directory_iterator(venv / "lib", error)) {
    fs::path site = entry.path() / "site-packages";
    if (entry.path().filename().string().starts_with("python3.") &&
        fs::exists(site / "jackd_shim" / "__init__.py", error))
      return site.string();
  }
  return "";
}

std::string PythonPrelude() {
  static const std::string prelude = [] {
    std::string lent = LentSitePackages();
    // Spliced into a Python string literal: a path that would need escaping is not lent.
    if (lent.find_first_of("\"\\\n\r") != std::string::npos) lent.clear();
    std::string code = kPrelude;
    code.replace(code.find("{LENT}"), 6, lent);
    return code;
  }();
  return prelude;
}

std::vector<std::string> ShimCommand(const std::string& python, const std::string& mode,
                                     const std::vector<std::string>& args) {
  std::vector<std::string> argv = {python, "-c", PythonPrelude() + kBootstrap, mode};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

std::string RewriteCacheVariable(const std::string& run_directory) {
  return "JACKD_REWRITE_CACHE=" + run_directory + "/rewrite";
}

std::string MissingModulesMessage(const std::string& python, const std::string& stderr_text) {
  std::string missing;
  auto at = stderr_text.find("jackd-missing: ");
  if (at != std::string::npos) {
    auto end = stderr_text.find('\n', at);
    missing = stderr_text.substr(at + 15, end == std::string::npos ? std::string::npos : end - at - 15);
  }
  // Needed only because coverage was asked for (kNeedsModulesVariable); the hint names the option.
  if (missing == "coverage")
    return absl::StrCat("--cov needs coverage.py in ", python, " (pip install coverage)");
  std::string packages;
  std::stringstream names(missing);
  std::string name;
  while (names >> name) {
    std::string package = name == "grpc"              ? "grpcio"
                          : name == "google.protobuf" ? "protobuf"
                          : name == "jackd_shim"      ? "jackd"
                                                      : name;
    absl::StrAppend(&packages, packages.empty() ? "" : " ", package);
  }
  return absl::StrCat(python, " cannot import ", missing.empty() ? "the worker shim" : missing,
                      " (install them into that environment: ", python, " -m pip install ", packages,
                      "; or choose another interpreter with --python)");
}

}  // namespace jackd
