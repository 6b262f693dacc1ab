#include "engine/coverage_merge.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "engine/file_contents.h"
#include "engine/process.h"

namespace jackd {
namespace {

// The first 16 bytes of every SQLite 3 database; coverage.py (5.0 and later) stores its data in one.
constexpr char kSqliteHeader[] = "SQLite format 3";

// How much of coverage.py's stderr the error shows: its message, not pages of traceback.
constexpr std::size_t kStderrTail = 2000;

}  // namespace

bool IsCoverageData(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char header[sizeof kSqliteHeader] = {};
  in.read(header, sizeof header);
  return in.gcount() == static_cast<std::streamsize>(sizeof header) &&
         std::string(header, sizeof header) == std::string(kSqliteHeader, sizeof kSqliteHeader);
}

absl::Status CombineCoverageData(const std::string& python, const std::vector<std::string>& inputs,
                                 const std::string& output) {
  namespace fs = std::filesystem;
  SpawnRequest request;
  request.argv = {python, "-m", "coverage", "combine", "--keep", "--data-file=" + output};
  for (const std::string& input : inputs) request.argv.push_back(fs::absolute(input).string());
  request.env = EnvironmentWith({});
  const std::string log =
      (fs::temp_directory_path() / absl::StrCat("jackd-merge-coverage-", getpid())).string();
  request.stdout_path = log + ".out";
  request.stderr_path = log + ".err";
  const pid_t pid = Spawn(request);
  if (pid < 0)
    return absl::InternalError(absl::StrCat("cannot start ", python, " (", std::strerror(errno), ")"));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  std::string err = ReadFile(request.stderr_path);
  std::error_code ignored;
  fs::remove(request.stdout_path, ignored);
  fs::remove(request.stderr_path, ignored);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return absl::OkStatus();
  if (err.size() > kStderrTail) err = err.substr(err.size() - kStderrTail);
  // coverage.py's message is its last line ("No data to combine", "Couldn't use data file ...").
  std::string message = "no message";
  for (absl::string_view line : absl::StrSplit(err, '\n', absl::SkipWhitespace())) {
    message = std::string(absl::StripAsciiWhitespace(line));
  }
  return absl::FailedPreconditionError(
      absl::StrCat("coverage combine failed: ", message, " (is coverage.py installed for ", python, "?)"));
}

}  // namespace jackd
