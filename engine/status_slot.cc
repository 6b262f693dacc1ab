#include "engine/status_slot.h"

#include <cstring>
#include <fstream>

namespace jackd {
namespace {

constexpr std::int64_t kIdle = -1;

}  // namespace

bool CreateStatusSlot(const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  const std::int64_t slot[2] = {0, kIdle};  // x86-64 and aarch64 are little-endian, as the layout says
  out.write(reinterpret_cast<const char*>(slot), sizeof slot);
  return static_cast<bool>(out);
}

std::optional<RunningTest> ReadStatusSlot(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::int64_t slot[2] = {0, kIdle};
  if (!in.read(reinterpret_cast<char*>(slot), sizeof slot)) return std::nullopt;
  if (slot[1] < 0 || slot[1] > UINT32_MAX) return std::nullopt;
  return RunningTest{static_cast<std::uint32_t>(slot[1]), slot[0]};
}

}  // namespace jackd
