// `jackd --version`: jackd's version, and the worker shim's, pytest's and Python's in the interpreter
// `jackd run` would use, one line each. What is missing is said on its line; the exit code is 0 anyway,
// since the question was answered.
#pragma once

#include <string>

namespace jackd {

// `python`: --python's value, or empty to find one as `jackd run` does (python_interpreter.h).
int VersionCommand(const std::string& python);

}  // namespace jackd
