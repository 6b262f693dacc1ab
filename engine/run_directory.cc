#include "engine/run_directory.h"

#include <stdlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace jackd {
namespace {

// A Unix socket path must fit in sun_path (108 bytes); a long $TMPDIR would not leave room.
constexpr std::size_t kMaxBaseLength = 64;

}  // namespace

absl::StatusOr<RunDirectory> RunDirectory::Create() {
  std::string base = "/tmp";
  if (const char* tmp = std::getenv("TMPDIR"); tmp && *tmp && std::strlen(tmp) <= kMaxBaseLength) base = tmp;
  std::string pattern = base + "/jackd-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {  // mkdtemp creates it 0700
    return absl::UnavailableError(absl::StrCat("cannot create a run directory under ", base, ": ",
                                               std::strerror(errno), " (check TMPDIR)"));
  }
  return RunDirectory(pattern);
}

RunDirectory::~RunDirectory() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace jackd
