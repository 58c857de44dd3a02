#include "cancel_watcher.hpp"

namespace strata::detail {

void CancelWatcher::start() {
  thread_ = std::thread([this] { loop(); });
}

void CancelWatcher::stop() {
  if (!thread_.joinable()) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  stop_cv_.notify_all();
  thread_.join();
}

void CancelWatcher::loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    stop_cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    if (!cancellation_.canceled() && instance_) {
      try {
        auto record = instance_->storage().get_run(run_id_);
        if (record && record->status == RunStatus::kCanceling) {
          cancellation_.cancel("canceled through the instance (runs cancel)");
        }
      } catch (const std::exception&) {
        // Unreadable storage now: the next poll tries again; the run reports storage failures.
      }
    }
    if (cancellation_.canceled()) {
      on_canceled_();
      return;
    }
    lock.lock();
  }
}

}  // namespace strata::detail
