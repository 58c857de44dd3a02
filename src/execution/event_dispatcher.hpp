// EventDispatcher: delivers a run's events to its listener (RunOptions::on_event) on a thread of its
// own, in the order they were posted, so that a slow listener (a terminal progress display, a
// notification) never holds up the steps that emit events. post() may be called from any thread and
// never calls the listener; the listener is called from the dispatcher's thread only, one event at a
// time. What the listener throws is dropped (the run does not depend on it).
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "strata/core/types/event.hpp"

namespace strata::detail {

class EventDispatcher {
 public:
  explicit EventDispatcher(EventListener listener);
  // Delivers what is still pending, then stops the thread.
  ~EventDispatcher();
  EventDispatcher(const EventDispatcher&) = delete;
  EventDispatcher& operator=(const EventDispatcher&) = delete;

  // Queues a copy of `event` for the listener.
  void post(const Event& event);
  // Returns once every event posted before the call has been delivered.
  void drain();

 private:
  void loop();

  EventListener listener_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Event> pending_;
  bool delivering_ = false;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace strata::detail
