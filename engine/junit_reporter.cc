#include "engine/junit_reporter.h"

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "pugixml.hpp"

namespace jackd {

std::pair<std::string, std::string> JunitNames(const std::string& node_id) {
  // As pytest's mangle_test_address: parameter IDs may contain "::", so only the part before '[' is
  // split; its first part, the file, becomes a dotted module path (also when it is all there is: a file
  // that failed to collect or was skipped).
  const std::size_t bracket = node_id.find('[');
  std::vector<std::string> parts = absl::StrSplit(node_id.substr(0, bracket), "::");
  std::string& file = parts.front();
  if (file.ends_with(".py")) file.resize(file.size() - 3);
  file = absl::StrReplaceAll(file, {{"/", "."}});
  std::string name = parts.back() + (bracket == std::string::npos ? "" : node_id.substr(bracket));
  parts.pop_back();
  return {absl::StrJoin(parts, "."), name};
}

std::string XmlSafe(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
      absl::StrAppendFormat(&out, "#x%02X", c);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

namespace {

// The test's own reports, without its subtests'.
std::string Longrepr(const TestRecord& record) {
  std::vector<std::string> parts;
  for (const PhaseReport& report : record.reports) {
    if (!report.subtest) parts.push_back(report.longrepr);
  }
  return absl::StrJoin(parts, "\n");
}

// pytest's JUnit file takes every report of a test: each failed subtest is a <failure> and each skipped
// one a <skipped> of the test's testcase, before the test's own, and every subtest counts in `tests`.
void AddSubtests(pugi::xml_node testcase, const TestRecord& record, std::size_t& failures,
                 std::size_t& skipped) {
  auto phase = record.reports.begin();
  for (const SubtestStatus& subtest : record.subtests) {
    pugi::xml_node node;
    if (subtest.outcome == Outcome::kFailed) {
      node = testcase.append_child("failure");
      ++failures;
      phase = std::find_if(phase, record.reports.end(), [](const PhaseReport& r) { return r.subtest; });
      if (phase != record.reports.end()) node.text().set(XmlSafe((phase++)->longrepr).c_str());
    } else if (subtest.outcome == Outcome::kSkipped || subtest.outcome == Outcome::kXfailed) {
      node = testcase.append_child("skipped");
      node.append_attribute("type") = subtest.outcome == Outcome::kSkipped ? "pytest.skip" : "pytest.xfail";
      ++skipped;
    } else {
      continue;
    }
    node.append_attribute("message") = XmlSafe(subtest.message).c_str();
  }
}

// Earlier attempts the way Maven Surefire writes them (and Jenkins, GitLab and others read them):
// flakyFailure/flakyError under a test that passed in the end, rerunFailure/rerunError under one that
// did not.
void AddAttempts(pugi::xml_node testcase, const TestRecord& record) {
  const bool flaky = record.outcome == Outcome::kFlaky;
  for (const TestRecord& attempt : record.attempts) {
    if (!IsFailure(attempt.outcome)) continue;
    const bool failure = attempt.outcome == Outcome::kFailed;
    const char* element =
        flaky ? (failure ? "flakyFailure" : "flakyError") : (failure ? "rerunFailure" : "rerunError");
    pugi::xml_node node = testcase.append_child(element);
    node.append_attribute("message") = XmlSafe(attempt.Message()).c_str();
    node.append_attribute("type") = absl::StrCat("jackd.", std::string(OutcomeName(attempt.outcome))).c_str();
    node.append_child("stackTrace").text().set(XmlSafe(Longrepr(attempt)).c_str());
  }
}

void AddCapturedOutput(pugi::xml_node testcase, const TestRecord& record) {
  std::string out, err;
  for (const PhaseReport& report : record.reports) {
    for (const auto& [title, content] : report.sections) {
      (title.find("stderr") != std::string::npos ? err : out) += content;
    }
  }
  if (!out.empty()) testcase.append_child("system-out").text().set(XmlSafe(out).c_str());
  if (!err.empty()) testcase.append_child("system-err").text().set(XmlSafe(err).c_str());
}

// What the testsuite element counts.
struct SuiteCounts {
  std::size_t errors = 0;
  std::size_t failures = 0;
  std::size_t skipped = 0;
  std::size_t subtests = 0;
};

// A file that failed to collect or was skipped whole is a testcase of its own, as pytest writes it.
void AddCollector(pugi::xml_node suite, const std::string& node_id, const char* element, const char* message,
                  const std::string& text) {
  auto [classname, name] = JunitNames(node_id);
  pugi::xml_node testcase = suite.append_child("testcase");
  testcase.append_attribute("classname") = classname.c_str();
  testcase.append_attribute("name") = name.c_str();
  testcase.append_attribute("time") = "0.000";
  pugi::xml_node node = testcase.append_child(element);
  node.append_attribute("message") = message;
  node.text().set(XmlSafe(text).c_str());
}

// record_property's pairs, first in the testcase as pytest writes them.
void AddUserProperties(pugi::xml_node testcase, const TestRecord& record) {
  if (record.user_properties.empty()) return;
  pugi::xml_node properties = testcase.append_child("properties");
  for (const auto& [property, value] : record.user_properties) {
    pugi::xml_node node = properties.append_child("property");
    node.append_attribute("name") = XmlSafe(property).c_str();
    node.append_attribute("value") = XmlSafe(value).c_str();
  }
}

// The message attribute of a test's failure, error or skip element, XML-safe.
std::string OutcomeMessage(const TestRecord& record) {
  std::string message = record.Message();
  if (auto own = std::find_if(record.reports.begin(), record.reports.end(),
                              [](const PhaseReport& r) { return !r.subtest; });
      message.empty() && own != record.reports.end()) {
    // A report without a crash message ("[XPASS(strict)] ...", pytest.fail(pytrace=False)): before
    // pytest 9 the short summary shows none, but pytest's JUnit file has the report itself.
    message = own->longrepr;
  }
  // Older pytest releases give pytest.xfail()'s reason as "reason: ...", which their JUnit file leaves out.
  if (record.outcome == Outcome::kXfailed) message = std::string(absl::StripPrefix(message, "reason: "));
  message = XmlSafe(message);
  if (record.outcome == Outcome::kError) {
    // pytest's wording for setup and teardown errors.
    const bool teardown = !record.reports.empty() && record.reports.front().when == Phase::kTeardown;
    message = absl::StrCat("failed on ", teardown ? "teardown" : "setup", " with \"", message, "\"");
  }
  return message;
}

// The element that says how the test ended (none for a pass), counted in `counts`.
void AddOutcome(pugi::xml_node testcase, const TestRecord& record, SuiteCounts& counts) {
  const std::string message = OutcomeMessage(record);
  auto add = [&](const char* element, const char* type = nullptr) {
    pugi::xml_node node = testcase.append_child(element);
    if (type) node.append_attribute("type") = type;
    node.append_attribute("message") = message.c_str();
    const std::string text = XmlSafe(Longrepr(record));
    if (!text.empty()) node.text().set(text.c_str());
  };
  switch (record.outcome) {
    case Outcome::kPassed:
    case Outcome::kXpassed:
    case Outcome::kFlaky:
      break;
    case Outcome::kFailed:
      add("failure"), ++counts.failures;
      break;
    case Outcome::kError:
      add("error"), ++counts.errors;
      break;
    case Outcome::kCrashed:
      add("error", "jackd.crashed"), ++counts.errors;
      break;
    case Outcome::kTimeout:
      add("error", "jackd.timeout"), ++counts.errors;
      break;
    case Outcome::kSkipped:
      add("skipped", "pytest.skip"), ++counts.skipped;
      break;
    case Outcome::kXfailed:
      add("skipped", "pytest.xfail"), ++counts.skipped;
      break;
    case Outcome::kNotRun:
      add("skipped", "jackd.not_run"), ++counts.skipped;
      break;
  }
}

void AddTestcase(pugi::xml_node suite, const std::string& node_id, const TestRecord& record,
                 SuiteCounts& counts) {
  auto [classname, name] = JunitNames(node_id);
  pugi::xml_node testcase = suite.append_child("testcase");
  testcase.append_attribute("classname") = classname.c_str();
  testcase.append_attribute("name") = name.c_str();
  testcase.append_attribute("time") = absl::StrFormat("%.3f", record.Duration()).c_str();
  AddUserProperties(testcase, record);
  AddSubtests(testcase, record, counts.failures, counts.skipped);
  counts.subtests += record.subtests.size();
  AddOutcome(testcase, record, counts);
  AddAttempts(testcase, record);
  AddCapturedOutput(testcase, record);
}

// The testsuite's attributes, in pytest's order (prepended, so the last one set comes first).
void SetSuiteAttributes(pugi::xml_node suite, const Collection& collection, const RunResult& result,
                        const SuiteCounts& counts) {
  char host[256] = {};
  gethostname(host, sizeof host - 1);
  std::time_t now = std::time(nullptr);
  char stamp[64];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", std::localtime(&now));
  suite.prepend_attribute("hostname") = host;
  suite.prepend_attribute("timestamp") = stamp;
  suite.prepend_attribute("time") = absl::StrFormat("%.3f", result.seconds).c_str();
  suite.prepend_attribute("tests") = static_cast<unsigned long long>(
      result.records.size() + counts.subtests + collection.errors.size() + collection.skips.size());
  suite.prepend_attribute("skipped") = static_cast<unsigned long long>(counts.skipped);
  suite.prepend_attribute("failures") = static_cast<unsigned long long>(counts.failures);
  suite.prepend_attribute("errors") = static_cast<unsigned long long>(counts.errors);
  suite.prepend_attribute("name") = collection.settings.junit_suite_name.c_str();
}

}  // namespace

void JunitReporter::RunFinished(const RunContext& context, const RunResult& result) {
  const Collection& collection = *context.collection;
  pugi::xml_document doc;
  auto declaration = doc.append_child(pugi::node_declaration);
  declaration.append_attribute("version") = "1.0";
  declaration.append_attribute("encoding") = "utf-8";
  pugi::xml_node suites = doc.append_child("testsuites");
  suites.append_attribute("name") = "pytest tests";
  pugi::xml_node suite = suites.append_child("testsuite");

  SuiteCounts counts;
  for (const CollectError& error : collection.errors) {
    AddCollector(suite, error.node_id, "error", kJunitCollectionFailure, error.longrepr);
    ++counts.errors;
  }
  for (const CollectSkip& skip : collection.skips) {
    AddCollector(suite, skip.node_id, "skipped", kJunitCollectionSkipped, skip.longrepr);
    ++counts.skipped;
  }
  for (TestIndex i = 0; i < result.records.size(); ++i)
    AddTestcase(suite, collection.items[i].node_id, result.records[i], counts);
  SetSuiteAttributes(suite, collection, result, counts);
  std::error_code ignored;  // pytest creates the report's directory too; save_file reports real failures
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ignored);
  if (!doc.save_file(path_.c_str(), "", pugi::format_raw | pugi::format_no_declaration,
                     pugi::encoding_utf8)) {
    std::fprintf(stderr, "jackd: error: cannot write JUnit XML to %s (check that its directory exists)\n",
                 path_.c_str());
  }
}

}  // namespace jackd
