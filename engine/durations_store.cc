#include "engine/durations_store.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string_view>
#include <unordered_map>

#include "absl/strings/str_cat.h"

namespace jackd {
namespace {

namespace fs = std::filesystem;

constexpr char kDirectoryName[] = ".jackd";
constexpr char kFileName[] = "durations.sqlite3";
// The layout below; a store with a higher number was written by a newer jackd and is left alone.
constexpr std::int64_t kSchemaVersion = 1;
// How long a run waits for another run's write to the store before it gives up (with a warning). Writes
// take milliseconds; this only matters when something holds the store far longer than it should.
constexpr int kBusyTimeoutMs = 10'000;

constexpr char kSchema[] = R"sql(
CREATE TABLE IF NOT EXISTS runs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, so a higher id is a later run
  tests INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS samples (
  node_id TEXT NOT NULL,
  run_id INTEGER NOT NULL,
  file TEXT NOT NULL,
  seconds REAL NOT NULL,   -- setup + call + teardown, from the worker's monotonic clock
  outcome TEXT NOT NULL,   -- OutcomeName
  PRIMARY KEY (node_id, run_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS samples_by_run ON samples (run_id);
)sql";

absl::Status Context(const absl::Status& status, const std::string& what) {
  return absl::Status(status.code(), absl::StrCat(what, ": ", status.message()));
}

absl::Status Configure(sqlite::Database& db) {
  if (auto s = db.Execute(absl::StrCat("PRAGMA busy_timeout = ", kBusyTimeoutMs)); !s.ok()) return s;
  {
    // The first statement that reads the file: a corrupt or foreign file fails here. Scoped, so the
    // statement is finished before the transaction below commits.
    auto mode = db.Prepare("PRAGMA journal_mode = WAL");
    if (!mode.ok()) return mode.status();
    auto row = mode->Step();
    if (!row.ok()) return row.status();
    if (!*row || mode->Text(0) != "wal") {
      return absl::FailedPreconditionError("cannot switch the database to WAL journal mode");
    }
  }
  // In WAL mode NORMAL is safe against a killed process; only a power cut may lose the last write.
  if (auto s = db.Execute("PRAGMA synchronous = NORMAL"); !s.ok()) return s;
  auto version = db.QueryInt("PRAGMA user_version");
  if (!version.ok()) return version.status();
  if (*version > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat("it was written by a newer jackd (schema ", *version,
                                                      ", this jackd knows ", kSchemaVersion, ")"));
  }
  if (*version == kSchemaVersion) return absl::OkStatus();
  auto transaction = sqlite::Transaction::Begin(db);
  if (!transaction.ok()) return transaction.status();
  if (auto s = db.Execute(kSchema); !s.ok()) return s;
  if (auto s = db.Execute(absl::StrCat("PRAGMA user_version = ", kSchemaVersion)); !s.ok()) return s;
  return transaction->Commit();
}

}  // namespace

double TestHistory::Expected() const {
  if (seconds.empty()) return 0;
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  const std::size_t middle = sorted.size() / 2;
  return sorted.size() % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

std::string DurationStore::DirectoryIn(const std::string& rootdir) {
  return (fs::path(rootdir) / kDirectoryName).string();
}

std::string DurationStore::FileIn(const std::string& directory) {
  return (fs::path(directory) / kFileName).string();
}

absl::StatusOr<DurationStore> DurationStore::Open(const std::string& directory, bool create) {
  const std::string file = FileIn(directory);
  std::error_code error;
  if (!create && !fs::exists(file, error)) return absl::NotFoundError(absl::StrCat(file, " does not exist"));
  if (create && !fs::is_directory(directory, error)) {
    fs::create_directories(directory, error);
    if (error)
      return absl::UnavailableError(absl::StrCat("cannot create ", directory, ": ", error.message()));
    // Like pytest's .pytest_cache: the store belongs to this checkout, never to version control.
    std::ofstream(fs::path(directory) / ".gitignore") << "# Created by jackd automatically.\n*\n";
  }
  auto db = sqlite::Database::Open(file, create);
  if (!db.ok()) return Context(db.status(), file);
  if (absl::Status status = Configure(*db); !status.ok()) return Context(status, file);
  return DurationStore(std::move(*db), file);
}

absl::StatusOr<std::vector<TestHistory>> DurationStore::ReadRows() {
  // In primary-key order, which needs no sort: a test's samples oldest first, so its last row is the
  // newest, which names the file and the last outcome.
  auto statement =
      db_.Prepare("SELECT node_id, file, seconds, outcome FROM samples ORDER BY node_id, run_id");
  if (!statement.ok()) return statement.status();
  std::vector<TestHistory> tests;
  while (true) {
    auto row = statement->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    const std::string_view node_id = statement->TextView(0);
    if (tests.empty() || tests.back().node_id != node_id) tests.emplace_back().node_id = node_id;
    TestHistory& test = tests.back();
    test.seconds.push_back(statement->Double(2));
    test.file.assign(statement->TextView(1));  // the last row assigned, the newest, stays
    test.last_outcome.assign(statement->TextView(3));
  }
  for (TestHistory& test : tests) std::reverse(test.seconds.begin(), test.seconds.end());  // newest first
  return tests;
}

absl::StatusOr<std::vector<TestHistory>> DurationStore::Read() {
  auto tests = ReadRows();
  if (!tests.ok()) return Context(tests.status(), path_);
  return tests;
}

absl::StatusOr<std::int64_t> DurationStore::RunCount() {
  auto count = db_.QueryInt("SELECT COUNT(*) FROM runs");
  if (!count.ok()) return Context(count.status(), path_);
  return count;
}

absl::Status DurationStore::Record(const std::vector<DurationSample>& samples) {
  absl::Status status = RecordRows(samples);
  return status.ok() ? status : Context(status, path_);
}

absl::Status DurationStore::RecordRows(const std::vector<DurationSample>& samples) {
  if (samples.empty()) return absl::OkStatus();
  auto transaction = sqlite::Transaction::Begin(db_);
  if (!transaction.ok()) return transaction.status();
  auto run = db_.Prepare("INSERT INTO runs (tests) VALUES (?1)");
  if (!run.ok()) return run.status();
  if (auto s = run->Bind(1, static_cast<std::int64_t>(samples.size())).Run(); !s.ok()) return s;
  const std::int64_t run_id = db_.LastInsertRowId();
  // A duplicate node ID in one run (pytest --keep-duplicates) keeps its last sample.
  auto insert = db_.Prepare(
      "INSERT OR REPLACE INTO samples (node_id, run_id, file, seconds, outcome) VALUES (?1, ?2, ?3, ?4, ?5)");
  if (!insert.ok()) return insert.status();
  // Everything older than the test's kDurationHistory newest samples; the subquery is NULL (and nothing
  // is deleted) while it has fewer.
  auto trim = db_.Prepare(
      "DELETE FROM samples WHERE node_id = ?1 AND run_id <= "
      "(SELECT run_id FROM samples WHERE node_id = ?1 ORDER BY run_id DESC LIMIT 1 OFFSET ?2)");
  if (!trim.ok()) return trim.status();
  for (const DurationSample& sample : samples) {
    insert->Bind(1, sample.node_id)
        .Bind(2, run_id)
        .Bind(3, sample.file)
        .Bind(4, sample.seconds)
        .Bind(5, std::string(OutcomeName(sample.outcome)));
    if (auto s = insert->Run(); !s.ok()) return s;
    trim->Bind(1, sample.node_id).Bind(2, static_cast<std::int64_t>(kDurationHistory));
    if (auto s = trim->Run(); !s.ok()) return s;
  }
  auto forget = db_.Prepare("DELETE FROM samples WHERE run_id <= ?1");
  if (!forget.ok()) return forget.status();
  if (auto s = forget->Bind(1, run_id - kForgetAfterRuns).Run(); !s.ok()) return s;
  auto forget_runs = db_.Prepare("DELETE FROM runs WHERE id <= ?1");
  if (!forget_runs.ok()) return forget_runs.status();
  if (auto s = forget_runs->Bind(1, run_id - kForgetAfterRuns).Run(); !s.ok()) return s;
  return transaction->Commit();
}

std::vector<DurationSample> SamplesOf(const Collection& collection, const std::vector<TestRecord>& records) {
  std::vector<DurationSample> samples;
  for (TestIndex i = 0; i < records.size() && i < collection.items.size(); ++i) {
    const TestRecord& record = records[i];
    if (record.outcome == Outcome::kNotRun || record.worker.empty()) continue;
    double seconds = record.Duration();
    if (record.outcome == Outcome::kTimeout || record.outcome == Outcome::kCrashed) {
      // No phase finished, so the phases say little; the time until the kill is what the test took.
      seconds = std::max(seconds, record.finished - record.started);
    }
    samples.push_back(
        {collection.items[i].node_id, collection.items[i].file, std::max(0.0, seconds), record.outcome});
  }
  return samples;
}

RunDurations::RunDurations(const std::string& rootdir)
    : directory_(rootdir.empty() ? std::string() : DurationStore::DirectoryIn(rootdir)) {}

void RunDurations::Warn(const absl::Status& status) {
  if (warned_) return;
  warned_ = true;
  std::fprintf(stderr,
               "jackd: warning: the durations store is not usable (%s); this run neither reads nor "
               "records test durations\n",
               std::string(status.message()).c_str());
}

std::vector<std::optional<double>> RunDurations::Measured(const Collection& collection) {
  if (directory_.empty()) return {};
  // Opened, read and closed before any worker starts: workers never inherit the connection.
  auto store = DurationStore::Open(directory_);
  auto tests = store.ok() ? store->Read() : store.status();
  if (!tests.ok()) {
    Warn(tests.status());
    directory_.clear();  // no second attempt (and no second warning) when recording
    return {};
  }
  std::unordered_map<std::string_view, double> expected;
  expected.reserve(tests->size());
  for (const TestHistory& test : *tests) expected.emplace(test.node_id, test.Expected());
  std::vector<std::optional<double>> measured(collection.items.size());
  for (TestIndex i = 0; i < collection.items.size(); ++i) {
    if (auto it = expected.find(collection.items[i].node_id); it != expected.end()) measured[i] = it->second;
  }
  return measured;
}

void RunDurations::StartRecording(std::vector<DurationSample> samples) {
  if (directory_.empty() || recording_.valid()) return;
  // The thread has the samples and touches nothing else of the run. It warns through FinishRecording,
  // on the main thread, so that its line does not cut into the terminal's.
  recording_ = std::async(std::launch::async, [directory = directory_, samples = std::move(samples)] {
    auto store = DurationStore::Open(directory);
    return store.ok() ? store->Record(samples) : store.status();
  });
}

void RunDurations::FinishRecording(const Collection& collection, const std::vector<TestRecord>& records) {
  if (!recording_.valid()) StartRecording(SamplesOf(collection, records));
  if (!recording_.valid()) return;
  const absl::Status status = recording_.get();
  if (!status.ok()) Warn(status);
}

}  // namespace jackd
