// EventWriter: appends events to Storage from a background thread, in batches, so that storage
// never dominates a fast run. Whatever accumulates while one batch is being written becomes the
// next batch (group commit). flush() returns once everything appended before it is durable.
#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "strata/storage/storage.hpp"

namespace strata {

class EventWriter {
 public:
  explicit EventWriter(Storage& storage);
  // Flushes what is pending (errors are dropped here; call flush() to see them).
  ~EventWriter();
  EventWriter(const EventWriter&) = delete;
  EventWriter& operator=(const EventWriter&) = delete;

  // Queues one event; never blocks on storage.
  void append(Event event);
  // Waits until every event appended so far is stored; rethrows the first storage error.
  void flush();

 private:
  void loop();

  Storage& storage_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable written_cv_;
  std::vector<Event> pending_;
  uint64_t appended_ = 0;
  uint64_t written_ = 0;
  bool stopping_ = false;
  std::exception_ptr error_;
  std::thread thread_;
};

}  // namespace strata
