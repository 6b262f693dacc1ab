// Limits of the gRPC messages between engine and workers, shared by the engine's server
// (engine/worker_service.h) and a remote worker's channel (engine/tls_credentials.h). A header of its
// own, so that neither of the two depends on the other for a number.
#pragma once

namespace jackd {

// Largest message either side may send: big enough for the captured output of a failing test, small
// enough that a rogue client cannot make the engine allocate without bound.
inline constexpr int kMaxMessageBytes = 64 * 1024 * 1024;

}  // namespace jackd
