#include "engine/basetemp_lock.h"

#include <unistd.h>

#include <cstdio>
#include <fstream>

namespace jackd {

BasetempLock::BasetempLock(std::string basetemp) {
  if (basetemp.empty()) return;
  lock_path_ = basetemp + "/.lock";
  std::ofstream lock(lock_path_, std::ios::trunc);
  lock << getpid();
  if (!lock) lock_path_.clear();  // the directory is gone already: nothing to protect or remove
}

BasetempLock::~BasetempLock() {
  if (!lock_path_.empty()) std::remove(lock_path_.c_str());
}

}  // namespace jackd
