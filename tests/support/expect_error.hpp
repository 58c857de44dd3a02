// error_of(f): runs f and returns the message of the exception it throws; a test failure (and "")
// when it throws nothing. For asserting on what an error message names.
#pragma once

#include <gtest/gtest.h>

#include <exception>
#include <string>

namespace strata::testing {

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::exception& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an exception";
  return "";
}

}  // namespace strata::testing
