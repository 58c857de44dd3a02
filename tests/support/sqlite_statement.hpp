// run_sqlite_statement: runs one SQL statement on an instance's SQLite file directly, as an
// operator's hand (or a downgrade) would, for tests that damage what the instance stored. Header
// only; the test target links SQLite::SQLite3. Returns "" on success, else SQLite's message.
#pragma once

#include <sqlite3.h>

#include <filesystem>
#include <string>

namespace strata::testing {

inline std::string run_sqlite_statement(const std::filesystem::path& database, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string error;
  if (sqlite3_open(database.c_str(), &db) != SQLITE_OK) {
    error = "cannot open " + database.string() + ": " + sqlite3_errmsg(db);
  } else if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) {
    error = sql + ": " + sqlite3_errmsg(db);
  }
  sqlite3_close(db);
  return error;
}

}  // namespace strata::testing
