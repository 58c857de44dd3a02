#include "backend_fixture.hpp"

#include <libpq-fe.h>

#include <atomic>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace strata::testing {

namespace {
constexpr const char* kPassword = "strata-test-password";
}

PostgresServer* shared_postgres() {
  static std::unique_ptr<PostgresServer> server = []() -> std::unique_ptr<PostgresServer> {
    if (PostgresServer::find_bin_dir().empty()) return nullptr;
    ::setenv("STRATA_TEST_PG_PASSWORD", kPassword, 1);
    return std::make_unique<PostgresServer>(PostgresServerOptions{.user = "strata", .password = kPassword});
  }();
  return server.get();
}

PostgresConnection new_postgres_database(const std::string& encoding) {
  PostgresServer* server = shared_postgres();
  if (server == nullptr) throw std::runtime_error("PostgreSQL server binaries are not installed");
  static std::atomic<int> counter{0};
  std::string name = "strata_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter.fetch_add(1));
  PGconn* admin = PQconnectdb(server->conninfo().c_str());
  if (PQstatus(admin) != CONNECTION_OK) {
    std::string message = PQerrorMessage(admin);
    PQfinish(admin);
    throw std::runtime_error("cannot connect to the test server: " + message);
  }
  std::string create = "CREATE DATABASE " + name;
  if (!encoding.empty()) create += " ENCODING '" + encoding + "' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0";
  PGresult* result = PQexec(admin, create.c_str());
  bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  std::string message = PQerrorMessage(admin);
  PQclear(result);
  PQfinish(admin);
  if (!ok) throw std::runtime_error("CREATE DATABASE failed: " + message);
  return PostgresConnection{
      .host = "127.0.0.1", .port = server->port(), .user = server->user(), .password = kPassword, .dbname = name};
}

void configure_postgres_home(const std::filesystem::path& home) {
  PostgresConnection db = new_postgres_database();
  std::filesystem::create_directories(home);
  std::ofstream(home / "strata.yaml") << "storage:\n  postgres:\n    host: " << db.host << "\n    port: " << db.port
                                      << "\n    user: " << db.user
                                      << "\n    password: {env: STRATA_TEST_PG_PASSWORD}\n    dbname: " << db.dbname
                                      << "\n";
}

}  // namespace strata::testing
