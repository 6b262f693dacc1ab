// Keeps pytest's basetemp for this run (`/tmp/pytest-of-<user>/pytest-N`) from being deleted while the
// run goes on.
//
// The collect process makes the directory with pytest's own numbering. pytest deletes old numbered
// directories (keeping three) whenever any pytest process starts, sparing only those whose `.lock` file
// exists and is recent. The process that made the directory (the collect process, or worker gw0) leaves
// its lock in place when it exits (jackd_shim.collect_plugin), and the engine takes it over: without it,
// a pytest session started elsewhere during a long run would delete the workers' tmp_path directories
// under them.
#pragma once

#include <string>

namespace jackd {

class BasetempLock {
 public:
  // Writes `<basetemp>/.lock` with this process's pid (as pytest does); a no-op for an empty path.
  explicit BasetempLock(std::string basetemp);
  BasetempLock(const BasetempLock&) = delete;
  BasetempLock& operator=(const BasetempLock&) = delete;
  // Removes the lock, so pytest may clean the directory up later, as it would after a plain run.
  ~BasetempLock();

 private:
  std::string lock_path_;
};

}  // namespace jackd
