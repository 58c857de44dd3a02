// The step protocol: how a run and the process of one of its steps talk over a stream socket, one
// JSON document per line. Shared by the executors that run steps in other processes — the
// multi-process executor (a socketpair to a forked child) and the Slurm executor (a TCP connection
// from the step's Slurm job back to the run):
//   run -> worker   {"request": {...}}     the step: run id, homes, job/assets, step key, partitions, run config
//   worker -> run   {"event": {...}}       an event the step emitted (stamped by the worker)
//   worker -> run   {"commit": true}       make every event so far durable (before publishing staged data)
//   run -> worker   {"committed": true} or {"commit_error": "..."}
//   worker -> run   {"end": {...}}         how the step ended, and which outputs it yielded
// The run records every event itself (one EventWriter per run), so a worker never writes to the
// instance's storage.
#pragma once

#include <chrono>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "step_launcher.hpp"
#include "strata/core/definitions/definitions.hpp"

namespace strata::detail {

// Lines over a socket: whole lines in, whole lines out (never SIGPIPE). Not thread-safe; does not
// own the descriptor.
class LineSocket {
 public:
  explicit LineSocket(int fd) : fd_(fd) {}

  // While read_line waits, `on_idle` is called every `every` (to act on a cancellation).
  void set_idle(std::function<void()> on_idle, std::chrono::milliseconds every) {
    on_idle_ = std::move(on_idle);
    every_ = every;
  }
  // False when the other side closed the socket (or it failed).
  bool read_line(std::string& line);
  // False when the other side is gone.
  bool write_line(const nlohmann::json& document);

 private:
  int fd_;
  std::string buffer_;
  size_t scanned_ = 0;
  std::function<void()> on_idle_;
  std::chrono::milliseconds every_{0};
};

// The part of a step's request every step of a run shares: job, selected assets, partitions, run
// config, instance home (the launcher adds run id, strata home, step key).
nlohmann::json step_request_base(const ExecutionPlan& plan, const RunOptions& options);
// The whole request of `launch`'s step.
nlohmann::json step_request(const nlohmann::json& base, const StepLaunch& launch);

// How the run's side of one step's conversation ended.
struct StepConversation {
  std::optional<nlohmann::json> end{};  // the worker's "end", or none when the socket closed first
  std::string protocol_error{};         // a message that was not understood
};

// The run's side: sends the request, records the worker's events, answers its commits, until its
// "end" or the socket closes.
StepConversation converse_with_step(LineSocket& socket, const nlohmann::json& request, StepLaunch& launch);

// Applies a worker's "end" to `launch` (the outputs it yielded); returns when the step succeeded and
// throws RetryRequested or RemoteStepError (with the step's error type) otherwise.
void finish_step(const nlohmann::json& end, StepLaunch& launch);

// The worker's side: reads the request on `fd`, runs the step (execute_step_in_worker), reports its
// end. SIGTERM cancels the step. Returns the process's exit code (0, or 3 when no run is there).
int serve_step_request(const Definitions& defs, int fd);

}  // namespace strata::detail
