// Exit codes. They mirror pytest's so CI scripts written for pytest keep working; jackd-only codes,
// if any are added, sit above 100 and are documented in the README.
#pragma once

namespace jackd {

inline constexpr int kExitOk = 0;
inline constexpr int kExitTestsFailed = 1;
inline constexpr int kExitInterrupted = 2;  // also: collection errors, as pytest does
inline constexpr int kExitInternalError = 3;
inline constexpr int kExitUsageError = 4;
inline constexpr int kExitNoTestsCollected = 5;
// jackd's own: a worker collected different tests than the engine, so results could not be matched.
inline constexpr int kExitCollectionMismatch = 101;
// jackd merge: the shards' reports do not add up to one run (a shard missing or given twice, a test in no
// shard or in two, shards of different collections).
inline constexpr int kExitShardsIncomplete = 102;

}  // namespace jackd
