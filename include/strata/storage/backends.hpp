// Opening a storage backend.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "strata/storage/storage.hpp"

namespace strata {

// Opens (creating if absent) the SQLite database at `path`: WAL journal, a busy timeout for
// concurrent writers, schema created or migrated. Throws StorageError naming the file when it is not
// a Strata database, is corrupted, or has a schema newer than this build; such a file is not written.
std::unique_ptr<Storage> open_sqlite_storage(const std::filesystem::path& path);

struct PostgresConnection {
  std::string host = "127.0.0.1";
  int port = 5432;
  std::string user = "postgres";
  std::string password{};  // already resolved; never printed
  std::string dbname = "postgres";
  int connect_timeout_s = 10;

  // "postgres://user@host:port/dbname" (no password).
  std::string describe() const;
};

// Connects and creates or migrates the schema. Throws StorageError naming server, user and
// database (never the password) when the server refuses.
std::unique_ptr<Storage> open_postgres_storage(const PostgresConnection& connection);

}  // namespace strata
