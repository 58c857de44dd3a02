// UiServer: the web UI of a Strata program — the JSON API under /api/v1 (docs/api.md), live
// updates as Server-Sent Events (/api/v1/stream) and the front end's embedded files — over one
// Definitions and one Instance, on threads of its own.
//
//   strata::web::UiServer server(defs, instance, {.host = "127.0.0.1", .port = 0});
//   server.start();                 // binds and serves in the background
//   ... server.port() ...
//   server.stop();                  // also ends open event streams
//
// Security: without an access token the server only listens on a loopback address (start() refuses
// anything else) and only answers requests whose Host is a loopback name (DNS rebinding). With a
// token, every request must carry it (docs/api.md, "Authentication"). Every POST needs the header
// `X-Strata-Request: 1` and a JSON body. Runs are launched as background processes of the program
// (execution/run_launcher.hpp), or queued when the instance has a run queue configured.
//
// The UiServer keeps references to `defs` (which must outlive it) and shares the instance.
// start() and stop() may be called from any thread (stop() is idempotent; the destructor stops).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/definitions/definitions.hpp"
#include "strata/storage/instance.hpp"

namespace strata::web {

struct UiServerOptions {
  std::string host = "127.0.0.1";
  int port = 3000;  // 0: a free port, chosen when started
  // What every request must carry (Authorization: Bearer TOKEN, ?token=, or the cookie the server
  // sets after one such request). Empty: none, allowed only on a loopback host.
  std::string access_token{};
  // How to start this program for a launched run (launch_run_detached's `program`); empty: the
  // running program (execution/program_command.hpp).
  std::vector<std::string> program{};
  // Event streams open at once; more are refused with 503 (each holds a server thread).
  int max_streams = 32;
  // How often the event log is read for the streams (events are written by other processes).
  std::chrono::milliseconds poll_interval{150};
};

class UiServer {
 public:
  UiServer(const Definitions& defs, std::shared_ptr<Instance> instance, UiServerOptions options = {});
  ~UiServer();
  UiServer(const UiServer&) = delete;
  UiServer& operator=(const UiServer&) = delete;

  // Binds and starts serving. Throws Error when the host is not loopback and no token is set, when
  // the address cannot be bound, or when already started.
  void start();
  // Stops serving and ends every open stream; returns when the server's threads have ended.
  void stop();
  bool running() const;
  // The bound port (after start()).
  int port() const;
  // "http://HOST:PORT/".
  std::string url() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// True for "127.0.0.1" (any 127.x.y.z), "::1" and "localhost".
bool is_loopback_host(const std::string& host);

// The access token for the UI of `config`'s instance: the environment's STRATA_UI_TOKEN when set and
// not empty, else strata.yaml's ui.access_token (its EnvVar resolved), else empty. Throws ConfigError
// naming the variable (never a value) when strata.yaml names one that is unset.
std::string configured_ui_token(const InstanceConfig& config);

}  // namespace strata::web
