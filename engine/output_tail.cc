#include "engine/output_tail.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace jackd {
namespace {

// Read in pieces this large; a chatty test may write megabytes between two ticks.
constexpr std::size_t kChunk = 64 * 1024;

}  // namespace

void OutputTail::Read() {
  if (path_.empty()) return;
  const int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  struct stat info {};
  if (fstat(fd, &info) == 0 && static_cast<std::uint64_t>(info.st_size) < offset_) {
    offset_ = 0;
    pending_.clear();
  }
  char buffer[kChunk];
  for (;;) {
    const ssize_t n = pread(fd, buffer, sizeof buffer, static_cast<off_t>(offset_));
    if (n <= 0) break;
    pending_.append(buffer, static_cast<std::size_t>(n));
    offset_ += static_cast<std::uint64_t>(n);
  }
  close(fd);
}

std::string OutputTail::TakeLines() {
  Read();
  const std::size_t end = pending_.rfind('\n');
  if (end == std::string::npos) return {};
  std::string lines = pending_.substr(0, end + 1);
  pending_.erase(0, end + 1);
  return lines;
}

std::string OutputTail::TakeRest() {
  Read();
  std::string rest = std::move(pending_);
  pending_.clear();
  if (!rest.empty() && rest.back() != '\n') rest.push_back('\n');
  return rest;
}

std::string PrefixLines(std::string_view prefix, std::string_view lines) {
  std::string out;
  out.reserve(lines.size() + prefix.size() * 8);
  std::size_t start = 0;
  while (start < lines.size()) {
    std::size_t end = lines.find('\n', start);
    if (end == std::string_view::npos) end = lines.size() - 1;
    out.append(prefix);
    out.append(lines.substr(start, end - start + 1));
    start = end + 1;
  }
  return out;
}

}  // namespace jackd
