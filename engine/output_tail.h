// Follows a file another process appends to (a worker's stdout or stderr) and hands out what it adds,
// whole lines at a time, so live output (-s, --log-cli-level) can be shown with a prefix per line.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace jackd {

class OutputTail {
 public:
  OutputTail() = default;
  explicit OutputTail(std::string path) : path_(std::move(path)) {}

  // The whole lines written since the last call, each ending in '\n'; empty when there are none. A file
  // that shrank was rewritten (a replacement worker truncates it) and is read again from its start.
  std::string TakeLines();
  // Everything not handed out yet, a last unfinished line included (the writer has exited).
  std::string TakeRest();
  const std::string& path() const { return path_; }

 private:
  void Read();

  std::string path_;
  std::uint64_t offset_ = 0;
  std::string pending_;  // read but not handed out: an unfinished line
};

// Puts `prefix` before every line of `lines` (which ends in '\n').
std::string PrefixLines(std::string_view prefix, std::string_view lines);

}  // namespace jackd
