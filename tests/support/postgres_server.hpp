// A throw-away PostgreSQL server for tests: initdb into a temporary directory, started on a free
// loopback port, stopped (and its files removed) when the object dies. Real server binaries, no mock.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "temp_dir.hpp"

namespace strata::testing {

struct PostgresServerOptions {
  std::string user = "strata";
  // When set, the server requires this password (scram-sha-256) on TCP connections; otherwise trust.
  std::optional<std::string> password;
};

class PostgresServer {
 public:
  // Where initdb and pg_ctl live: $STRATA_PG_BINDIR, `pg_config --bindir`, or /usr/lib/postgresql/*/bin.
  // Empty when the server binaries are not installed.
  static std::string find_bin_dir();

  // Starts a server; throws std::runtime_error with initdb's or the server's log on failure.
  explicit PostgresServer(PostgresServerOptions options = {});
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  const std::string& user() const { return options_.user; }
  // A libpq connection string for database `dbname` (password included when the server has one).
  std::string conninfo(const std::string& dbname = "postgres") const;

 private:
  PostgresServerOptions options_;
  std::string bin_dir_;
  TempDir dir_{"strata-pg"};
  int port_ = 0;
  bool running_ = false;
};

}  // namespace strata::testing
