// Proves SQLite (Debian's libsqlite3) works: a file database written, closed, reopened and read.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "temp_dir.hpp"

namespace {

TEST(SQLiteDependency, WriteCloseReopenRead) {
  strata::testing::TempDir dir;
  std::string path = (dir / "history.db").string();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "PRAGMA journal_mode=WAL;"
                         "CREATE TABLE runs(id TEXT PRIMARY KEY, status TEXT NOT NULL);"
                         "INSERT INTO runs VALUES ('r1', 'SUCCESS'), ('r2', 'FAILURE');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT status FROM runs WHERE id = ?", -1, &stmt, nullptr), SQLITE_OK);
  sqlite3_bind_text(stmt, 1, "r2", -1, SQLITE_STATIC);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "FAILURE");
  EXPECT_EQ(sqlite3_step(stmt), SQLITE_DONE);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
