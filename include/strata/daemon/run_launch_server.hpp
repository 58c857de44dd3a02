// RunLaunchServer: starts the runs the daemon launches by forking a process that is already loaded,
// instead of exec'ing the pipeline binary for each (which pays the program's start — dynamic
// loading of Arrow, DuckDB... and building the Definitions — on every run).
//
// The server is this program again, started once (`<program> __launch-server`, a hidden command of
// run_cli) with a socket as its fd 3, single-threaded. For each launch the daemon sends the run's
// arguments (what launch_run_detached would exec: `__detached-run RUN_ID ...`) with the run's log
// file and report descriptor (SCM_RIGHTS); the server forks, the child starts a session of its own
// and forks again (so the run's process is nobody's child, as with exec), and that process runs the
// arguments through run_cli with the server's Definitions. The server ends when the daemon closes
// the socket (or dies).
//
// RunLaunchServer (the daemon's side) owns the server process and its socket; one thread at a time.
// start() throws Error when the server cannot be reached (it died): the caller may start a new one.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace strata {

class RunLaunchServer {
 public:
  // `program`: how to start this program (empty: program_command()). Starts nothing yet.
  explicit RunLaunchServer(std::vector<std::string> program = {});
  ~RunLaunchServer();  // closes the socket: the server exits; reaps it
  RunLaunchServer(const RunLaunchServer&) = delete;
  RunLaunchServer& operator=(const RunLaunchServer&) = delete;

  // DetachedRunRequest::start: has the server start a process running `args`, with `log_fd` as its
  // stdout/stderr and `report_fd` as its fd 3. Starts the server first when it is not running.
  void start(const std::vector<std::string>& args, int log_fd, int report_fd);

  int64_t server_pid() const { return pid_; }
  // Whether the server process is running (false before the first start, and once it died).
  bool alive();

 private:
  void start_server();
  void stop_server();

  std::vector<std::string> program_;
  int64_t pid_ = 0;
  int socket_ = -1;
};

// The server's side (run_cli's __launch-server): serves the launch requests arriving on `socket_fd`
// until it is closed; `run` runs one request's arguments in the forked process and returns its exit
// code. Returns 0 when the socket closes.
int serve_run_launches(int socket_fd, const std::function<int(const std::vector<std::string>& args)>& run);

}  // namespace strata
