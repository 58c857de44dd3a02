#include "strata/storage/event_writer.hpp"

namespace strata {

EventWriter::EventWriter(Storage& storage) : storage_(storage), thread_([this] { loop(); }) {}

EventWriter::~EventWriter() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void EventWriter::append(Event event) {
  {
    std::lock_guard lock(mutex_);
    pending_.push_back(std::move(event));
    ++appended_;
  }
  wake_.notify_one();
}

void EventWriter::flush() {
  std::unique_lock lock(mutex_);
  uint64_t target = appended_;
  wake_.notify_one();
  written_cv_.wait(lock, [&] { return written_ >= target || error_; });
  if (error_) std::rethrow_exception(error_);
}

void EventWriter::loop() {
  std::vector<Event> batch;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_.wait(lock, [&] { return !pending_.empty() || stopping_; });
    if (pending_.empty() && stopping_) return;
    batch.swap(pending_);
    lock.unlock();
    std::exception_ptr failure;
    try {
      storage_.append_events(batch);
    } catch (...) {
      failure = std::current_exception();
    }
    size_t count = batch.size();
    batch.clear();
    lock.lock();
    if (failure && !error_) error_ = failure;
    written_ += count;
    written_cv_.notify_all();
  }
}

}  // namespace strata
