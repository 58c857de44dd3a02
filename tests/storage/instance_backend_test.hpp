// InstanceBackendTest: the fixture of tests that run on an instance (STRATA_HOME in a temporary
// directory, home) on each backend, the test parameter: "sqlite", or "postgres" (a new database on
// the shared test server; skipped, or failed under CI=true, when the server binaries are missing).
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "backend_fixture.hpp"
#include "service_unavailable.hpp"
#include "temp_dir.hpp"

namespace strata::testing {

class InstanceBackendTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      if (shared_postgres() == nullptr) {
        STRATA_SERVICE_UNAVAILABLE(
            "PostgreSQL server binaries are not installed; install Debian's `postgresql` package");
      }
      configure_postgres_home(home.path());
    }
  }
  TempDir home{"strata-home"};
};

}  // namespace strata::testing
