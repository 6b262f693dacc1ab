// --junitxml: JUnit XML as pytest's junitxml plugin writes it (one testcase per test, and one per file
// that failed to collect or was skipped whole), so CI systems that read pytest's file read jackd's.
// Workers never write it; the engine does, once.
#pragma once

#include <string>

#include "engine/reporter.h"

namespace jackd {

class JunitReporter final : public Reporter {
 public:
  explicit JunitReporter(std::string path) : path_(std::move(path)) {}
  void RunFinished(const RunContext& context, const RunResult& result) override;

 private:
  std::string path_;
};

// The messages of pytest's testcases for a file that failed to collect and for one skipped whole
// (`pytest.skip(allow_module_level=True)`, `importorskip`). `jackd merge` keeps one of each per file.
inline constexpr const char* kJunitCollectionFailure = "collection failure";
inline constexpr const char* kJunitCollectionSkipped = "collection skipped";

// pytest's classname and name for a node ID: "tests/test_a.py::TestX::test_y" -> ("tests.test_a.TestX",
// "test_y"); a file's own node ID "tests/test_a.py" -> ("", "tests.test_a").
std::pair<std::string, std::string> JunitNames(const std::string& node_id);

// Replaces characters XML 1.0 cannot carry with "#xNN", as pytest does.
std::string XmlSafe(const std::string& text);

}  // namespace jackd
