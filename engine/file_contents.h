// Reading a whole file into memory, for the small files the engine's children write (reports, logs).
#pragma once

#include <string>

namespace jackd {

// The bytes of the file at `path`; empty when it is missing or unreadable (callers treat both alike).
std::string ReadFile(const std::string& path);

}  // namespace jackd
