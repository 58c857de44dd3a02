// Fresh storage for a test on either backend. PostgreSQL: one real server per test process,
// started on first use on a free loopback port, and a new database for every call.
#pragma once

#include <memory>
#include <string>

#include "postgres_server.hpp"
#include "strata/storage/backends.hpp"
#include "temp_dir.hpp"

namespace strata::testing {

// The shared server, or null when the server binaries are not installed.
PostgresServer* shared_postgres();

// Creates an empty database on the shared server (in the server's encoding, UTF8, unless
// `encoding` names another) and returns how to connect to it.
PostgresConnection new_postgres_database(const std::string& encoding = "");

// Writes `home`/strata.yaml pointing the instance at a new PostgreSQL database; the password
// comes from the environment variable STRATA_TEST_PG_PASSWORD.
void configure_postgres_home(const std::filesystem::path& home);

}  // namespace strata::testing
