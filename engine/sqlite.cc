#include "engine/sqlite.h"

#include "absl/strings/str_cat.h"

namespace jackd::sqlite {
namespace {

absl::Status Error(sqlite3* db, int code) {
  // sqlite3_errmsg describes the connection's latest error; without a connection only the code is known.
  const std::string message = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(code);
  return absl::UnavailableError(message);
}

}  // namespace

Statement& Statement::Bind(int index, const std::string& text) {
  const int rc = sqlite3_bind_text(statement_.get(), index, text.data(), static_cast<int>(text.size()),
                                   SQLITE_TRANSIENT);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, double value) {
  const int rc = sqlite3_bind_double(statement_.get(), index, value);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, std::int64_t value) {
  const int rc = sqlite3_bind_int64(statement_.get(), index, value);
  if (bind_error_ == SQLITE_OK) bind_error_ = rc;
  return *this;
}

absl::StatusOr<bool> Statement::Step() {
  if (bind_error_ != SQLITE_OK) return Error(db_, bind_error_);
  const int rc = sqlite3_step(statement_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(db_, rc);
}

absl::Status Statement::Run() {
  absl::StatusOr<bool> row;
  do {
    row = Step();
  } while (row.ok() && *row);
  Reset();
  return row.status();
}

void Statement::Reset() {
  sqlite3_reset(statement_.get());
  bind_error_ = SQLITE_OK;
}

std::string_view Statement::TextView(int column) const {
  const unsigned char* text = sqlite3_column_text(statement_.get(), column);
  const int size = sqlite3_column_bytes(statement_.get(), column);
  return text == nullptr ? std::string_view() : std::string_view(reinterpret_cast<const char*>(text), size);
}

std::string Statement::Text(int column) const { return std::string(TextView(column)); }

double Statement::Double(int column) const { return sqlite3_column_double(statement_.get(), column); }

std::int64_t Statement::Int(int column) const { return sqlite3_column_int64(statement_.get(), column); }

absl::StatusOr<Database> Database::Open(const std::string& path, bool create) {
  sqlite3* raw = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (create ? SQLITE_OPEN_CREATE : 0) | SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) return Error(raw, rc);
  return db;
}

absl::Status Database::Execute(const std::string& sql) {
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &message);
  if (rc == SQLITE_OK) return absl::OkStatus();
  std::string text = message != nullptr ? message : sqlite3_errstr(rc);
  sqlite3_free(message);
  return absl::UnavailableError(text);
}

absl::StatusOr<Statement> Database::Prepare(const std::string& sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_.get(), sql.c_str(), static_cast<int>(sql.size()), &raw, nullptr);
  Statement statement(db_.get(), raw);
  if (rc != SQLITE_OK) return Error(db_.get(), rc);
  return statement;
}

absl::StatusOr<std::int64_t> Database::QueryInt(const std::string& sql) {
  absl::StatusOr<Statement> statement = Prepare(sql);
  if (!statement.ok()) return statement.status();
  absl::StatusOr<bool> row = statement->Step();
  if (!row.ok()) return row.status();
  if (!*row) return absl::NotFoundError(absl::StrCat("no row from: ", sql));
  return statement->Int(0);
}

absl::StatusOr<Transaction> Transaction::Begin(Database& db) {
  if (absl::Status status = db.Execute("BEGIN IMMEDIATE"); !status.ok()) return status;
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr) db_->Execute("ROLLBACK").IgnoreError();
}

absl::Status Transaction::Commit() {
  absl::Status status = db_->Execute("COMMIT");
  if (status.ok()) db_ = nullptr;
  return status;
}

}  // namespace jackd::sqlite
