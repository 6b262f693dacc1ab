// The engine's plain data about a run: what was collected, how pytest is configured, and what happened
// to each test. Reporters read only these types (never protobuf).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/outcome.h"
#include "engine/thread_limits.h"
#include "scheduler/test_item.h"

namespace jackd {

using scheduler::TestIndex;

// pytest-cov's options as pytest parsed them (addopts, pytest arguments). jackd measures coverage
// itself and honours them as if they were given to jackd (engine/coverage.h).
struct PytestCovOptions {
  std::vector<std::string> sources;  // "" for a bare --cov
  std::vector<std::string> reports;  // "term", "xml:PATH"; "" for no report
  std::string config;
  bool branch = false;
  std::optional<double> fail_under;
  bool no_cov = false;
};

// pytest's own view of its options, read by the shim from pytest's parsed config.
// pytest's --sw/--stepwise as the collecting process's stepwise plugin left it (pb::Stepwise).
struct StepwiseSettings {
  bool skip = false;                // --sw-skip: the first failure does not stop the run
  std::vector<std::string> status;  // "stepwise: ..." lines for the header
  std::string last_failed;          // where this run resumed; empty for none
  bool stores_test_count = false;   // cache/stepwise is recent pytest's dict, not a bare node ID
  std::optional<std::int64_t> test_count;
};

struct PytestSettings {
  int verbosity = 0;
  std::uint32_t maxfail = 0;
  std::string tb_style = "auto";
  std::string report_chars = "fE";
  int durations = -1;
  double durations_min = 0.005;
  std::string junitxml_path;
  std::string junit_suite_name = "pytest";
  std::string color = "auto";
  std::string rootdir;
  std::string configfile;
  std::vector<std::string> plugins;
  std::string pytest_version;
  std::string python_version;
  std::string platform;
  std::string pluggy_version;
  bool capture_disabled = false;
  bool collect_only = false;
  bool continue_on_collection_errors = false;
  bool benchmark_disable = false;
  bool benchmark_only = false;
  std::string cache_dir;
  std::string invocation_dir;
  std::string basetemp;
  std::optional<PytestCovOptions> pytest_cov;  // empty when pytest-cov is not installed
  bool live_logging = false;                   // --log-cli-level / log_cli: log records shown live
  std::optional<StepwiseSettings> stepwise;    // empty without --sw
  bool debugger = false;                       // --pdb or --trace
  bool stepwise_blocked = false;               // -p no:stepwise: the stepwise plugin is not loaded
  // Workers' own output is shown as it comes (-s, live logging), each line prefixed with the worker.
  bool LiveOutput() const { return capture_disabled || live_logging; }
  // Whether the workers' pytest is release major.minor or later (true when unknown): pytest's report
  // and cache read differently from one release to the next, and jackd's as the user's pytest would.
  bool PytestAtLeast(int major, int minor) const {
    int have_major = 0, have_minor = 0;
    if (std::sscanf(pytest_version.c_str(), "%d.%d", &have_major, &have_minor) < 1) return true;
    return std::pair(have_major, have_minor) >= std::pair(major, minor);
  }
};

struct CollectError {
  std::string node_id;
  std::string longrepr;
  std::string summary;
};

struct CollectSkip {
  std::string node_id;
  std::string reason;
  std::string location;
  std::string longrepr;  // pytest's JUnit text for it: the repr of its (path, line, message)
};

// `@pytest.mark.flaky(reruns=N, reruns_delay=S)` on a test.
struct FlakyMark {
  std::uint32_t reruns = 0;
  double delay = 0;
};

// This job's share of a sharded run (`--shard I/N`, engine/shard_selection.h). The collection's items are
// then only the shard's tests; the rest count as deselected.
struct ShardInfo {
  std::uint32_t index = 1;  // 1-based, as --shard writes it
  std::uint32_t total = 1;
  std::string mode;                 // "duration" or "hash"
  std::size_t collected_total = 0;  // tests of the whole collection, all shards together
  std::uint32_t deselected = 0;     // of them, left to the other shards
  std::string collection_digest;    // the whole collection's digest: equal in every shard of one run
};

// pytest's line for a session that pytest.exit(reason) ended, as its terminal prints it.
inline std::string SessionExitLine(std::string_view reason) {
  return std::string("_pytest.outcomes.Exit: ").append(reason);
}

struct Collection {
  scheduler::Inventory items;
  std::vector<double> timeouts;                 // by TestIndex: @pytest.mark.timeout seconds, 0 for none
  std::vector<std::optional<FlakyMark>> flaky;  // by TestIndex
  std::vector<CollectError> errors;
  std::vector<CollectSkip> skips;
  std::uint32_t deselected = 0;  // by pytest (-k, -m, ...) and, when sharded, by the shard
  std::optional<ShardInfo> shard;
  PytestSettings settings;
  std::string digest;
  // A split collection (engine/split_collection.h): by TestIndex, the prestarted worker that collected the
  // test. Empty when one process collected everything.
  std::vector<scheduler::WorkerId> collected_by;
  int pytest_exit = 0;
  // pytest.exit() ended the collecting session: pytest's line for it (SessionExitLine; the run ends
  // there, with pytest_exit).
  std::optional<std::string> session_exit;
  // pytest stopped with an internal error while it collected (exit 3): its INTERNALERROR text.
  std::string internal_error;
  // pytest stopped with a usage error (exit 4) after collection errors ("found no collectors for ..."
  // when --pyargs names a package whose conftest.py fails to import): its messages.
  std::vector<std::string> usage_errors;
  double seconds = 0;               // wall time of the collection process
  std::string collect_only_output;  // with --collect-only: pytest's own listing, shown verbatim
  struct Warning {
    std::string message;
    std::string location;  // node ID, "path:line" or empty
  };
  std::vector<Warning> warnings;  // raised while pytest configured itself and collected
};

enum class Phase { kSetup, kCall, kTeardown };

// pytest's name for a phase ("setup", "call", "teardown").
constexpr std::string_view PhaseName(Phase phase) {
  switch (phase) {
    case Phase::kSetup:
      return "setup";
    case Phase::kCall:
      return "call";
    case Phase::kTeardown:
      return "teardown";
  }
  return "call";
}

struct PhaseReport {
  Phase when = Phase::kCall;
  std::string longrepr;
  std::string summary;
  std::vector<std::pair<std::string, std::string>> sections;  // title, content
  std::string crash_line;
  std::string head_line;  // this report's own title (a failed subtest's); empty: the test's
  bool subtest = false;   // a failed subtest's report, not the test's own
};

// One subtest's report (pytest 9's subtests fixture, unittest's subTest), as pytest's terminal shows it.
struct SubtestStatus {
  std::string category;       // what the final line counts it as ("failed", "subtests passed"); "": nothing
  std::string letter;         // progress letter ("u", "-"); "": none
  std::string word;           // verbose and short-summary word: "SUBFAILED[case] (i=1)"
  std::string message;        // failed: the crash message; skipped: the reason; xfailed: the xfail reason
  std::string skip_location;  // skipped: "path:line"
  // How it ended, whatever the terminal shows of it: passed, failed, skipped or xfailed.
  Outcome outcome = Outcome::kPassed;
  std::string title;  // pytest's head_line for it: "test_x [case] (i=1)"
};

// How one test ended. Exactly one per collected test by the time reporters see RunFinished.
struct TestRecord {
  Outcome outcome = Outcome::kNotRun;
  std::string worker;  // "gw0"; empty when it never reached a worker
  double setup_seconds = 0;
  double call_seconds = 0;
  double teardown_seconds = 0;
  double started = 0;  // CLOCK_MONOTONIC seconds
  double finished = 0;
  std::vector<PhaseReport> reports;
  std::string reason;               // skip/xfail reason, or why jackd decided the outcome (crash, not run)
  std::string skip_location;        // "path:line"
  Phase xfailed_in = Phase::kCall;  // where pytest.xfail() ended an xfailed test
  std::string head_line;
  std::vector<std::string> warnings;    // raised while it ran
  std::vector<SubtestStatus> subtests;  // in the order pytest reported them, before the test's own
  // record_property's (name, value) pairs, in order.
  std::vector<std::pair<std::string, std::string>> user_properties;
  // Earlier attempts, oldest first: failed runs before a rerun (--reruns), or the other runs of
  // --detect-flaky. This record is the attempt that decided the outcome.
  std::vector<TestRecord> attempts;

  double Duration() const { return setup_seconds + call_seconds + teardown_seconds; }

  // How many of its subtests failed: each fails the run and counts toward --maxfail, as in pytest.
  std::size_t FailedSubtests() const {
    return static_cast<std::size_t>(
        std::count_if(subtests.begin(), subtests.end(),
                      [](const SubtestStatus& s) { return s.outcome == Outcome::kFailed; }));
  }

  // The one line reports show after the node ID: the first failure's message, else the reason. A
  // failed subtest's message is its own line's (pytest: "contains 2 failed subtests" for the test).
  const std::string& Message() const {
    for (const PhaseReport& report : reports) {
      if (!report.summary.empty() && !report.subtest) return report.summary;
    }
    return reason;
  }
};

// Everything reporters may read while a run goes on.
struct RunContext {
  const Collection* collection = nullptr;
  std::vector<std::string> command_line;
  int workers = 0;
  std::string dist;
  int detect_flaky = 0;  // --detect-flaky N: every test runs N times (its other runs are `attempts`)
  std::vector<double> expected_seconds;  // by TestIndex: earlier runs' durations (estimates for new tests)
  ThreadLimits thread_limits;            // what the local workers' thread pools are given (the header says)
  // When `jackd run` started, on the clock of TestRecord::started (CLOCK_MONOTONIC seconds), so reports
  // can place each test in the run's time; and as wall-clock time, for people.
  double started_monotonic = 0;
  std::chrono::system_clock::time_point started_at;
};

// What one worker is doing at a moment, for live views (engine/status_slot.h says how the engine knows).
struct WorkerActivity {
  std::string id;                 // "gw0"
  std::optional<TestIndex> test;  // the test it runs now; empty while it is between tests
  double running_seconds = 0;     // how long `test` has been running
};

// What the terminal shows of a coverage measurement, as pytest-cov words it.
struct CoverageSummary {
  std::string title;           // "coverage: platform linux, python 3.11.7-final-0"
  std::string report;          // coverage.py's tables and "Coverage XML written to file ..." lines
  std::string verdict;         // "Required test coverage of 90% reached. Total coverage: 93.10%"; empty: none
  bool below_minimum = false;  // the verdict is a FAIL: the run fails
};

struct RunResult {
  std::vector<TestRecord> records;  // indexed by TestIndex
  int exit_code = 0;
  double seconds = 0;
  // Why the run stopped early ("Interrupted: ...", "stopping after 1 failures"); empty if it did not.
  std::string stop_reason;
  bool session_exit = false;  // pytest.exit() stopped it: stop_reason is pytest's line for that
  // Run-level events worth a line in the summary (a worker crashed and was replaced). One line each.
  std::vector<std::string> notes;
  // Why the run could not go on, for `jackd: error: <message>` on stderr, with details (a worker's
  // stderr) shown below it.
  struct Error {
    std::string message;
    std::string details;
  };
  std::vector<Error> errors;
  // The coverage section of the terminal report (--cov); empty when coverage was not measured.
  std::optional<CoverageSummary> coverage;
  // --sw-skip: the failure that did not stop the run (the first one reported).
  std::optional<TestIndex> stepwise_skipped;
};

}  // namespace jackd
