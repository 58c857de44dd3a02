// ApiError: a request the API refuses, with the HTTP status, a stable code ("unknown_asset",
// "bad_partition", ...) and a one-line message naming the thing at fault. Handlers throw it; the
// server answers {"error": {"code", "message"}}.
#pragma once

#include <string>

#include "strata/core/util/error.hpp"

namespace strata::web {

class ApiError : public Error {
 public:
  ApiError(int status, std::string code, const std::string& message)
      : Error(message), status_(status), code_(std::move(code)) {}
  int status() const { return status_; }
  const char* code() const noexcept override { return code_.c_str(); }

 private:
  int status_;
  std::string code_;
};

}  // namespace strata::web
