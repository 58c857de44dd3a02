// RunCancellation: a request to stop one run, shared between whoever may ask (another thread, the
// command line's Ctrl-C handling, the watcher of the instance's CANCELING status) and the run.
// Every method is thread-safe; cancel() may be called any number of times (the first reason wins).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace strata {

class RunCancellation {
 public:
  // Asks the run to stop; `reason` is recorded in the RUN_CANCELED event.
  void cancel(const std::string& reason);
  bool canceled() const { return canceled_.load(std::memory_order_acquire); }
  std::string reason() const;
  // Waits up to `timeout`; returns true (early) once the run is canceled.
  bool wait_for(std::chrono::milliseconds timeout) const;

 private:
  std::atomic<bool> canceled_{false};
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  std::string reason_;
};

}  // namespace strata
