// A private (0700) directory for one run: the gRPC socket, the collection report, worker logs and status
// slots. Removed with everything in it when the run ends.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace jackd {

class RunDirectory {
 public:
  static absl::StatusOr<RunDirectory> Create();
  RunDirectory(RunDirectory&& other) noexcept : path_(std::move(other.path_)) { other.path_.clear(); }
  RunDirectory& operator=(RunDirectory&&) = delete;
  ~RunDirectory();

  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit RunDirectory(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace jackd
