// Proves PostgreSQL works: a real server started on a free loopback port in a temporary directory,
// written to and read from with libpq, then stopped.
#include <gtest/gtest.h>
#include <libpq-fe.h>

#include "postgres_server.hpp"
#include "service_unavailable.hpp"

namespace {

using strata::testing::PostgresServer;

TEST(PostgresDependency, StartServerWriteRead) {
  if (PostgresServer::find_bin_dir().empty()) {
    STRATA_SERVICE_UNAVAILABLE(
        "PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed; "
        "install Debian's `postgresql` package (scripts/setup.sh does) to run this test");
  }
  PostgresServer server;
  PGconn* conn = PQconnectdb(server.conninfo().c_str());
  ASSERT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PGresult* res = PQexec(conn,
                         "CREATE TABLE runs(id TEXT PRIMARY KEY, status TEXT NOT NULL);"
                         "INSERT INTO runs VALUES ('r1', 'SUCCESS'), ('r2', 'FAILURE');");
  ASSERT_EQ(PQresultStatus(res), PGRES_COMMAND_OK) << PQerrorMessage(conn);
  PQclear(res);
  const char* params[] = {"r2"};
  res = PQexecParams(conn, "SELECT status FROM runs WHERE id = $1", 1, nullptr, params, nullptr, nullptr, 0);
  ASSERT_EQ(PQresultStatus(res), PGRES_TUPLES_OK) << PQerrorMessage(conn);
  ASSERT_EQ(PQntuples(res), 1);
  EXPECT_STREQ(PQgetvalue(res, 0, 0), "FAILURE");
  PQclear(res);
  PQfinish(conn);
}

TEST(PostgresDependency, WrongPasswordIsRefused) {
  if (PostgresServer::find_bin_dir().empty()) {
    STRATA_SERVICE_UNAVAILABLE("PostgreSQL server binaries are not installed; install Debian's `postgresql` package");
  }
  PostgresServer server({.user = "strata", .password = "right-password"});
  std::string info =
      "host=127.0.0.1 port=" + std::to_string(server.port()) + " user=strata dbname=postgres password=wrong-password";
  PGconn* conn = PQconnectdb(info.c_str());
  EXPECT_EQ(PQstatus(conn), CONNECTION_BAD);
  EXPECT_NE(std::string(PQerrorMessage(conn)).find("password authentication failed"), std::string::npos)
      << PQerrorMessage(conn);
  PQfinish(conn);
  conn = PQconnectdb(server.conninfo().c_str());
  EXPECT_EQ(PQstatus(conn), CONNECTION_OK) << PQerrorMessage(conn);
  PQfinish(conn);
}

}  // namespace
