#include "minio_server.hpp"

#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

#include "free_port.hpp"

namespace strata::testing {

std::string MinioServer::find_binary() {
  if (const char* env = std::getenv("STRATA_MINIO"); env && ::access(env, X_OK) == 0) return env;
  std::string built = std::string(STRATA_SOURCE_DIR) + "/.deps/minio/bin/minio";
  if (::access(built.c_str(), X_OK) == 0) return built;
  return find_on_path("minio");
}

MinioServer::MinioServer() {
  std::string binary = find_binary();
  if (binary.empty()) throw std::runtime_error("MinIO is not installed (scripts/setup.sh builds it with Go)");
  std::string output;
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    int console = free_loopback_port();
    CommandOptions options;
    options.extra_env = {"MINIO_ROOT_USER=" + access_key_, "MINIO_ROOT_PASSWORD=" + secret_key_, "MINIO_BROWSER=off",
                         "MINIO_UPDATE=off", "MINIO_CALLHOME_ENABLE=off"};
    child_ = std::make_unique<Child>(
        std::vector<std::string>{binary, "server", (dir_.path() / "data").string(), "--address", endpoint(),
                                 "--console-address", "127.0.0.1:" + std::to_string(console)},
        options);
    // MinIO prints "API: http://<address>" once it serves requests; a failed start ends the output.
    output.clear();
    while (auto line = child_->read_line()) {
      output += *line + "\n";
      if (line->find("API: http://" + endpoint()) != std::string::npos) {
        child_->discard_output();
        return;
      }
    }
    child_.reset();
  }
  throw std::runtime_error("MinIO did not start: " + output);
}

}  // namespace strata::testing
