// The durations store: every run's test durations and outcomes, kept in SQLite under
// `<rootdir>/.jackd/durations.sqlite3`, read before planning (the scheduler hands the longest work out
// first) and by `jackd durations`.
//
// What is kept, and why: the last kDurationHistory samples of each test (seconds and outcome), not a
// running mean. A test's expected duration is the median of its samples, so one run on a busy machine or
// with cold caches does not reorder the suite, and ten rows per test keep the file small (a 10,000-test
// suite: about 100,000 short rows). Tests not seen for kForgetAfterRuns runs are dropped, so deleted
// tests do not stay forever.
//
// Safe against concurrent runs and crashes: WAL journal mode (readers never block the writer), a busy
// timeout (a second run waits for the first one's write instead of failing), and one IMMEDIATE
// transaction per write. A run killed while writing leaves the last committed state, readable.
#pragma once

#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/run_model.h"
#include "engine/sqlite.h"

namespace jackd {

// Samples kept per test: enough for a stable median, few enough to keep the store small.
inline constexpr int kDurationHistory = 10;
// A test that no run has recorded for this many runs is forgotten (renamed or deleted tests, mostly).
inline constexpr std::int64_t kForgetAfterRuns = 1000;

struct DurationSample {
  std::string node_id;
  std::string file;  // as TestItem::file: relative to rootdir, '/' separators
  double seconds = 0;
  Outcome outcome = Outcome::kPassed;
};

// One test as the store knows it.
struct TestHistory {
  std::string node_id;
  std::string file;
  std::vector<double> seconds;  // newest first; at most kDurationHistory
  std::string last_outcome;     // OutcomeName of the newest sample

  // The median of `seconds` (0 when there are none).
  double Expected() const;
};

class DurationStore {
 public:
  // `<rootdir>/.jackd`, and the database file in it.
  static std::string DirectoryIn(const std::string& rootdir);
  static std::string FileIn(const std::string& directory);

  // Opens the store in `directory`. With `create`, makes the directory (with a .gitignore, as pytest does
  // for .pytest_cache) and the database when they are missing. Errors (an unwritable checkout, a corrupt
  // or foreign file, a store of a newer jackd) are values; nothing here aborts.
  static absl::StatusOr<DurationStore> Open(const std::string& directory, bool create = true);

  // Every test with its samples, ordered by node ID.
  absl::StatusOr<std::vector<TestHistory>> Read();
  // How many runs recorded something (at most kForgetAfterRuns).
  absl::StatusOr<std::int64_t> RunCount();

  // Records one run's samples in one transaction, then trims each test's history to kDurationHistory.
  absl::Status Record(const std::vector<DurationSample>& samples);

 private:
  DurationStore(sqlite::Database db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
  absl::StatusOr<std::vector<TestHistory>> ReadRows();
  absl::Status RecordRows(const std::vector<DurationSample>& samples);

  sqlite::Database db_;
  std::string path_;  // for error messages
};

// The samples a finished run contributes: every test that reached a worker and ended (not `not_run`).
// A timed-out or crashed test's time until it was killed counts: a lower bound, still far better than no
// number for the slowest tests of all.
std::vector<DurationSample> SamplesOf(const Collection& collection, const std::vector<TestRecord>& records);

// What a run does with the store: read before planning, record once every test has its outcome. A store
// that cannot be used does not fail the run: the first problem is one `jackd: warning: ...` line on
// stderr, and the run goes on without the store (tests ordered by count, as with no store).
class RunDurations {
 public:
  explicit RunDurations(const std::string& rootdir);

  // Measured seconds of each collected test by TestIndex (nullopt: never measured). Empty when there is
  // no usable store.
  std::vector<std::optional<double>> Measured(const Collection& collection);

  // Records the run's samples (SamplesOf every test's final outcome) on a thread of its own: the inserts
  // take tens of milliseconds on a large suite, which then overlap the workers' exit and the reports.
  // At most once.
  void StartRecording(std::vector<DurationSample> samples);
  // Waits for the recording StartRecording began, or records `records` now if it never began.
  void FinishRecording(const Collection& collection, const std::vector<TestRecord>& records);

 private:
  void Warn(const absl::Status& status);

  std::string directory_;  // empty: the store is not used in this run
  bool warned_ = false;
  std::future<absl::Status> recording_;  // valid from StartRecording until FinishRecording waits for it
};

}  // namespace jackd
