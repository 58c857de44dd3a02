#include "postgres_server.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <vector>

#include "free_port.hpp"
#include "subprocess.hpp"

namespace fs = std::filesystem;

namespace strata::testing {
namespace {

bool has_server_binaries(const fs::path& dir) {
  return fs::exists(dir / "initdb") && fs::exists(dir / "pg_ctl") && fs::exists(dir / "postgres");
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// PostgreSQL refuses to run as root; when the tests run as root the server runs as `postgres`.
std::optional<std::string> server_user() {
  if (::geteuid() != 0) return std::nullopt;
  return std::string("postgres");
}

}  // namespace

std::string PostgresServer::find_bin_dir() {
  if (const char* env = std::getenv("STRATA_PG_BINDIR"); env && has_server_binaries(env)) return env;
  if (!find_on_path("pg_config").empty()) {
    CommandResult r = run_command({"pg_config", "--bindir"});
    std::string dir = r.output.substr(0, r.output.find('\n'));
    if (r.exit_code == 0 && has_server_binaries(dir)) return dir;
  }
  std::vector<fs::path> candidates;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec))
    candidates.push_back(entry.path() / "bin");
  std::sort(candidates.rbegin(), candidates.rend());  // newest major version first
  for (const auto& dir : candidates) {
    if (has_server_binaries(dir)) return dir.string();
  }
  return "";
}

PostgresServer::PostgresServer(PostgresServerOptions options) : options_(std::move(options)) {
  bin_dir_ = find_bin_dir();
  if (bin_dir_.empty()) throw std::runtime_error("PostgreSQL server binaries (initdb, pg_ctl) not found");
  CommandOptions as_server{.user = server_user(), .extra_env = {}};
  fs::path data = dir_.path() / "data";
  if (as_server.user) {
    // The server user must own its directory.
    CommandResult chown = run_command({"chown", *as_server.user, dir_.path().string()});
    if (chown.exit_code != 0) throw std::runtime_error("chown of " + dir_.path().string() + ": " + chown.output);
  }
  std::vector<std::string> initdb = {
      bin_dir_ + "/initdb", "-D", data.string(), "-U", options_.user, "-E", "UTF8", "--no-sync", "--auth-local=trust"};
  if (options_.password) {
    fs::path pwfile = dir_.path() / "pwfile";
    std::ofstream(pwfile) << *options_.password << "\n";
    if (as_server.user) run_command({"chown", *as_server.user, pwfile.string()});
    initdb.insert(initdb.end(), {"--auth-host=scram-sha-256", "--pwfile=" + pwfile.string()});
  } else {
    initdb.push_back("--auth-host=trust");
  }
  CommandResult init = run_command(initdb, as_server);
  if (init.exit_code != 0) throw std::runtime_error("initdb failed:\n" + init.output);

  // A port chosen free can be taken before the server binds it; try a few.
  fs::path log = dir_.path() / "server.log";
  for (int attempt = 0; attempt < 5 && !running_; ++attempt) {
    port_ = free_loopback_port();
    std::string server_options = "-p " + std::to_string(port_) +
                                 " -c listen_addresses=127.0.0.1 -c unix_socket_directories=" + dir_.path().string() +
                                 " -c fsync=off -c full_page_writes=off";
    CommandResult start = run_command({bin_dir_ + "/pg_ctl", "-D", data.string(), "-l", log.string(), "-o",
                                       server_options, "-w", "-t", "60", "start"},
                                      as_server);
    running_ = start.exit_code == 0;
  }
  if (!running_) throw std::runtime_error("PostgreSQL did not start; server log:\n" + read_file(log));
}

PostgresServer::~PostgresServer() {
  if (!running_) return;
  run_command({bin_dir_ + "/pg_ctl", "-D", (dir_.path() / "data").string(), "-m", "fast", "-w", "stop"},
              CommandOptions{.user = server_user(), .extra_env = {}});
}

std::string PostgresServer::conninfo(const std::string& dbname) const {
  std::string info = "host=127.0.0.1 port=" + std::to_string(port_) + " user=" + options_.user + " dbname=" + dbname +
                     " connect_timeout=10";
  if (options_.password) info += " password=" + *options_.password;
  return info;
}

}  // namespace strata::testing
