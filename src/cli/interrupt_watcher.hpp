// InterruptWatcher: while it lives, SIGINT (Ctrl-C) and SIGTERM do not kill the process but cancel
// a run: the run stops its steps and records CANCELED, so nothing is left half-done. A second
// signal ends the process at once with the signal's default action (what is stored stays safe: see
// docs/data-safety.md). The signals are blocked in the constructing thread and in the threads it
// starts afterwards, and read by a thread of the watcher (signalfd), so construct it before the
// run's threads. One per process at a time; not copyable.
#pragma once

#include <signal.h>

#include <memory>
#include <thread>

#include "strata/execution/run_cancellation.hpp"

namespace strata::cli {

class InterruptWatcher {
 public:
  explicit InterruptWatcher(std::shared_ptr<RunCancellation> cancellation);
  ~InterruptWatcher();  // stops the thread, restores the signal mask
  InterruptWatcher(const InterruptWatcher&) = delete;
  InterruptWatcher& operator=(const InterruptWatcher&) = delete;

 private:
  void watch();

  std::shared_ptr<RunCancellation> cancellation_;
  int signal_fd_ = -1;
  int stop_fd_ = -1;
  bool restore_mask_ = false;
  sigset_t previous_mask_{};
  std::thread thread_;
};

}  // namespace strata::cli
