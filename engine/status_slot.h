// Reads a worker's status slot: the 16-byte file where the shim records which test it is running (layout
// in proto/jackd.proto). Lets the engine name the test a dead worker was running without a message per
// test.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace jackd {

struct RunningTest {
  std::uint32_t index = 0;
  std::int64_t started_ns = 0;  // CLOCK_MONOTONIC
};

// Creates the slot file, marked idle.
bool CreateStatusSlot(const std::string& path);

// The test the worker was running, or nullopt when it was between tests (or the slot is unreadable).
std::optional<RunningTest> ReadStatusSlot(const std::string& path);

}  // namespace jackd
