#pragma once

namespace jackd {

inline constexpr const char* kVersion = "0.1.0";
// Must equal PROTOCOL_VERSION in worker_shim/jackd_shim/protocol.py.
inline constexpr unsigned kProtocolVersion = 1;

}  // namespace jackd
