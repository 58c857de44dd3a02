#include "strata/execution/run_cancellation.hpp"

namespace strata {

void RunCancellation::cancel(const std::string& reason) {
  {
    std::lock_guard lock(mutex_);
    if (canceled_.load(std::memory_order_relaxed)) return;
    reason_ = reason;
    canceled_.store(true, std::memory_order_release);
  }
  changed_.notify_all();
}

std::string RunCancellation::reason() const {
  std::lock_guard lock(mutex_);
  return reason_;
}

bool RunCancellation::wait_for(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return canceled_.load(std::memory_order_relaxed); });
}

}  // namespace strata
