// A tiny RAII layer over SQLite's C API: a connection, prepared statements and an IMMEDIATE transaction,
// with errors as absl::Status values (the message is SQLite's own). Only what the durations store needs.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace jackd::sqlite {

class Statement {
 public:
  Statement(Statement&&) = default;
  Statement& operator=(Statement&&) = default;

  // Parameters count from 1, as in SQL's `?1`. A failed bind makes the next Step fail.
  Statement& Bind(int index, const std::string& text);
  Statement& Bind(int index, double value);
  Statement& Bind(int index, std::int64_t value);

  // Advances: true when a row is ready to read, false when the statement is done.
  absl::StatusOr<bool> Step();
  // Steps until done (for statements that return no rows), then resets for reuse.
  absl::Status Run();
  // Ready to run again; bindings are kept until rebound.
  void Reset();

  std::string Text(int column) const;
  // The text without a copy: valid until the next Step, Reset or Text of this column.
  std::string_view TextView(int column) const;
  double Double(int column) const;
  std::int64_t Int(int column) const;

 private:
  friend class Database;
  struct Finalizer {
    void operator()(sqlite3_stmt* statement) const { sqlite3_finalize(statement); }
  };
  Statement(sqlite3* db, sqlite3_stmt* statement) : db_(db), statement_(statement) {}

  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> statement_;
  int bind_error_ = SQLITE_OK;
};

class Database {
 public:
  // Opens `path` for reading and writing; with `create`, makes the file if it is missing.
  static absl::StatusOr<Database> Open(const std::string& path, bool create);

  // Runs one or more statements that return no rows (schema, pragmas).
  absl::Status Execute(const std::string& sql);
  absl::StatusOr<Statement> Prepare(const std::string& sql);
  // The first column of the first row of `sql`, as an integer (PRAGMA user_version, COUNT(*)).
  absl::StatusOr<std::int64_t> QueryInt(const std::string& sql);
  std::int64_t LastInsertRowId() const { return sqlite3_last_insert_rowid(db_.get()); }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  explicit Database(sqlite3* db) : db_(db) {}

  std::unique_ptr<sqlite3, Closer> db_;
};

// BEGIN IMMEDIATE: takes the write lock up front (waiting out the busy timeout), so two writers never
// both read and then fail to upgrade. Rolls back unless committed, so an error path leaves nothing half
// written.
class Transaction {
 public:
  static absl::StatusOr<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  absl::Status Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace jackd::sqlite
