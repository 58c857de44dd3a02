// A throw-away MinIO (S3-compatible) server for tests: a temporary data directory, loopback-only
// API on a free port, the console disabled, stopped when the object dies. Real server, no mock.
#pragma once

#include <memory>
#include <string>

#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace strata::testing {

class MinioServer {
 public:
  // $STRATA_MINIO, or the binary scripts/setup.sh builds into .deps/minio; empty when absent.
  static std::string find_binary();

  // Starts the server and returns once it reports its API address; throws with its output otherwise.
  MinioServer();

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  const std::string& access_key() const { return access_key_; }
  const std::string& secret_key() const { return secret_key_; }

 private:
  TempDir dir_{"strata-minio"};
  int port_ = 0;
  std::string access_key_ = "strata-test";
  std::string secret_key_ = "strata-test-secret";
  std::unique_ptr<Child> child_;
};

}  // namespace strata::testing
