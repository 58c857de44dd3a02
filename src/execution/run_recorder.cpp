#include "run_recorder.hpp"

#include <unistd.h>

#include "strata/execution/step_config.hpp"

namespace strata::detail {

void RunRecorder::start(const std::vector<Value>& step_configs) {
  if (!options_.instance) return;
  // Recorded before anything runs: a StorageError here means nothing ran.
  if (!options_.claimed_from_queue) options_.instance->storage().add_run(record(step_configs));
  events_.open_log(options_.instance->storage());
}

RunRecord RunRecorder::record(const std::vector<Value>& step_configs) const {
  RunRecord record;
  record.run_id = data_.run_id;
  record.job_name = plan_.job_name();
  for (const auto& key : plan_.asset_keys())
    record.selection += (record.selection.empty() ? "" : ",") + key.to_string();
  record.status = RunStatus::kStarted;
  record.tags = run_tags(options_.tags, options_.partition_keys);
  record.run_config = recorded_run_config(plan_, options_.run_config, step_configs).dump();
  record.owner_host = Instance::host_name();
  record.owner_pid = ::getpid();
  record.owner_start_ticks = Instance::process_start_ticks(record.owner_pid);
  record.create_time_us = data_.start_us;
  record.start_time_us = data_.start_us;
  return record;
}

void RunRecorder::finish(Event last_event) {
  last_event.run_id = data_.run_id;
  last_event.timestamp_us = data_.end_us;
  if (!events_.logging()) {
    events_.record(std::move(last_event));
    return;
  }
  try {
    events_.close_log();
    RunStatus status = data_.success    ? RunStatus::kSuccess
                       : data_.canceled ? RunStatus::kCanceled
                                        : RunStatus::kFailure;
    options_.instance->storage().finish_run(data_.run_id, status, last_event);
    events_.record(std::move(last_event));  // the log is closed: to the result and the listener only
  } catch (const std::exception& e) {
    data_.success = false;
    events_.record(std::move(last_event));
    Event event = RunEvents::make(EventType::kRunFailure, "", std::string("recording the run failed: ") + e.what());
    event.run_id = data_.run_id;
    event.timestamp_us = now_unix_us();
    event.level = LogLevel::kError;
    events_.record(std::move(event));
  }
}

}  // namespace strata::detail
