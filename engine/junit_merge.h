// Merges the JUnit XML files the shards of one run wrote (engine/junit_reporter.h's shape: one
// <testsuites> with one <testsuite>) into one such file.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace jackd {

// Every shard's test cases in one <testsuite>, in the order of `inputs`. Collection errors, which every
// shard reports alike (each collected the whole suite), appear once. The suite's counts are recounted
// from its cases; its time is the longest shard's (the shards ran side by side). A test case in two files
// is an error (FailedPrecondition), as is an unreadable file (InvalidArgument).
absl::Status MergeJunit(const std::vector<std::string>& inputs, const std::string& output);

}  // namespace jackd
