#include "run_events.hpp"

namespace strata::detail {

RunEvents::RunEvents(RunResult::Data& data, EventListener listener, bool keep_outputs)
    : data_(data), keep_outputs_(keep_outputs) {
  if (listener) dispatcher_ = std::make_unique<EventDispatcher>(std::move(listener));
}

Event RunEvents::make(EventType type, const std::string& step_key, std::string message) {
  Event event;
  event.type = type;
  event.step_key = step_key;
  event.message = std::move(message);
  return event;
}

void RunEvents::emit(Event event) {
  event.run_id = data_.run_id;
  event.timestamp_us = now_unix_us();
  record(std::move(event));
}

void RunEvents::record(Event event) {
  std::lock_guard lock(mutex_);
  if (channel_) {
    channel_->send(event);
    return;
  }
  if (dispatcher_) dispatcher_->post(event);
  if (writer_) writer_->append(event);
  data_.events.push_back(std::move(event));
}

void RunEvents::keep_output(const std::string& step_key, const OutputDef& out, const Value& value) {
  if (!keep_outputs_ || !value.has_value()) return;
  std::lock_guard lock(mutex_);
  data_.outputs.insert_or_assign({step_key, out.name}, value);
  if (out.asset_key) data_.asset_outputs.insert_or_assign(*out.asset_key, std::make_pair(step_key, out.name));
}

Logger RunEvents::logger_for(const std::string& step_key) {
  return Logger([this, step_key](LogLevel level, std::string_view message) {
    Event event = make(EventType::kLog, step_key, std::string(message));
    event.level = level;
    emit(std::move(event));
  });
}

void RunEvents::open_log(Storage& storage) { writer_ = std::make_unique<EventWriter>(storage); }

void RunEvents::commit() {
  if (channel_) {
    channel_->commit();
  } else {
    writer_->flush();
  }
}

void RunEvents::close_log() {
  std::unique_ptr<EventWriter> writer = std::move(writer_);
  if (writer) writer->flush();
}

void RunEvents::drain() {
  if (dispatcher_) dispatcher_->drain();
}

}  // namespace strata::detail
