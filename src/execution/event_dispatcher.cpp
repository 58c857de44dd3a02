#include "event_dispatcher.hpp"

namespace strata::detail {

EventDispatcher::EventDispatcher(EventListener listener)
    : listener_(std::move(listener)), thread_([this] { loop(); }) {}

EventDispatcher::~EventDispatcher() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void EventDispatcher::post(const Event& event) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(event);
  }
  changed_.notify_all();
}

void EventDispatcher::drain() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return pending_.empty() && !delivering_; });
}

void EventDispatcher::loop() {
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, and everything was delivered
    std::deque<Event> batch;
    batch.swap(pending_);
    delivering_ = true;
    lock.unlock();
    for (const auto& event : batch) {
      try {
        listener_(event);
      } catch (...) {
        // A listener's failure is its own; the run goes on.
      }
    }
    lock.lock();
    delivering_ = false;
    changed_.notify_all();
  }
}

}  // namespace strata::detail
