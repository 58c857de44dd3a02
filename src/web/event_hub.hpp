// EventHub: live events for the UI's Server-Sent Events. One thread of its own reads the instance's
// event log every poll interval (events are written by other processes, so there is nothing to be
// told) and keeps the newest events in memory; every open stream waits on the hub and writes what
// concerns it, so the number of readers of the log does not grow with the number of clients. A
// stream that resumes from before what the hub holds (Last-Event-ID) catches up from storage first.
//
// Thread-safe. stop() ends the thread and every open stream (their producers return false).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "http.hpp"
#include "strata/storage/instance.hpp"

namespace strata::web {

class EventHub {
 public:
  EventHub(std::shared_ptr<Instance> instance, std::chrono::milliseconds poll_interval, int max_streams);
  ~EventHub();

  void start();
  void stop();

  // A response streaming the events of `run_id` (all runs' run-level, step-status and materialization
  // events when empty) with id > `after` (none given: a run's stream starts at its first event, the
  // all-runs stream at the newest event now). Throws ApiError too_many_streams (503) when
  // max_streams are open.
  HttpResponse open(const std::string& run_id, std::optional<int64_t> after);

  int open_streams() const { return streams_.load(); }

 private:
  struct Item {
    int64_t id = 0;
    std::string run_id;
    bool broadcast = false;  // part of the all-runs stream
    std::string full;        // the SSE message with the whole event
    std::string light;       // the SSE message for the all-runs stream (no metadata)
  };

  void poll_loop();
  bool poll_once();  // true when new events arrived

  std::shared_ptr<Instance> instance_;
  std::chrono::milliseconds poll_interval_;
  int max_streams_;
  std::atomic<int> streams_{0};

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Item> recent_;
  int64_t covered_after_ = 0;  // the hub holds every event with id > covered_after_ (up to newest_)
  int64_t newest_ = 0;
  bool stopping_ = false;
  std::thread thread_;
  std::shared_ptr<std::atomic<bool>> alive_;
};

}  // namespace strata::web
