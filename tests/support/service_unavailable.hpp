// STRATA_SERVICE_UNAVAILABLE(message): what a test does when a real service it needs (PostgreSQL,
// MinIO, ...) cannot be had. Under CI=true the test fails — CI installs and starts every service, so
// a missing one is a broken setup, never a reason to pass — elsewhere it is skipped with `message`.
// Use it in a test body or SetUp (it returns from the function).
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace strata::testing {

inline bool running_in_ci() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace strata::testing

#define STRATA_SERVICE_UNAVAILABLE(message)                                       \
  do {                                                                            \
    if (::strata::testing::running_in_ci()) {                                     \
      FAIL() << message << " (CI=true: every service the tests need must start)"; \
    } else {                                                                      \
      GTEST_SKIP() << message;                                                    \
    }                                                                             \
  } while (0)
