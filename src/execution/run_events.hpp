// RunEvents: where one run's events go. Each event is stamped with the run id and time, then kept
// in the run's result, appended to the instance's event log (when the run is recorded) and posted
// to the run's listener, or, in a worker process, sent to the launching run through its channel.
// Owned by the Run. emit, record, keep_output, the loggers and commit may be called from every run
// thread at once; open_log, send_to, close_log and drain only while no step runs. commit and
// close_log throw StorageError when the log cannot be written.
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "event_dispatcher.hpp"
#include "run_result_data.hpp"
#include "step_launcher.hpp"
#include "strata/core/contexts/logger.hpp"
#include "strata/storage/event_writer.hpp"

namespace strata::detail {

class RunEvents {
 public:
  // `data` outlives this object; `listener` may be empty; `keep_outputs` as RunOptions::keep_outputs.
  RunEvents(RunResult::Data& data, EventListener listener, bool keep_outputs);

  static Event make(EventType type, const std::string& step_key, std::string message);

  // Stamps `event` with the run id and the time, then records it.
  void emit(Event event);
  // Records an event as it is (run id and time already set).
  void record(Event event);
  // Keeps an output's value in the result (RunOptions::keep_outputs).
  void keep_output(const std::string& step_key, const OutputDef& out, const Value& value);
  // A logger whose messages become LOG events of `step_key` ("" for the run).
  Logger logger_for(const std::string& step_key);

  // Appends every later event to `storage`'s event log.
  void open_log(Storage& storage);
  // In a worker: every later event goes to `channel` instead.
  void send_to(StepChannel& channel) { channel_ = &channel; }
  StepChannel* channel() const { return channel_; }
  // Whether events go to an instance; commit() makes every event recorded so far durable.
  bool records_events() const { return writer_ != nullptr || (channel_ && channel_->records_events()); }
  void commit();
  // Whether events go to the instance's log (open_log was called and the log not closed).
  bool logging() const { return writer_ != nullptr; }
  // Makes the log durable; then, even when that throws, stops appending to it.
  void close_log();
  // Returns once the listener has seen every event recorded so far.
  void drain();

 private:
  RunResult::Data& data_;
  bool keep_outputs_;
  std::mutex mutex_;
  StepChannel* channel_ = nullptr;
  std::unique_ptr<EventWriter> writer_;
  std::unique_ptr<EventDispatcher> dispatcher_;  // set when there is a listener
};

}  // namespace strata::detail
