// RunRecorder: a run's record in its instance. start() adds the record (status STARTED, run config
// redacted: values from the environment left out, secrets masked) and opens the event log; finish()
// makes every event durable and records how the run ended with its last event. Owned by the Run, used from its own
// thread only, while no step runs. start() throws StorageError (nothing ran); finish() turns a
// storage failure into a failed run instead of throwing.
#pragma once

#include <vector>

#include "run_events.hpp"
#include "strata/execution/plan.hpp"
#include "strata/execution/run_options.hpp"
#include "strata/storage/run_record.hpp"

namespace strata::detail {

class RunRecorder {
 public:
  // Every argument outlives this object.
  RunRecorder(const ExecutionPlan& plan, const RunOptions& options, RunResult::Data& data, RunEvents& events)
      : plan_(plan), options_(options), data_(data), events_(events) {}

  // With an instance: records the run (unless a dequeuer already did) and logs its events there.
  // `step_configs` is every step's config as configure_steps made it.
  void start(const std::vector<Value>& step_configs);
  // After the run: makes every event durable, then records `last_event` (the run's last: success,
  // failure or canceled) and the run's end status (data.success/canceled) in one transaction, and
  // only then passes the event on (result, listener). Without an instance it only passes it on.
  void finish(Event last_event);

  // The run as the instance records it; the config of every step that takes one is recorded whole,
  // defaults included.
  RunRecord record(const std::vector<Value>& step_configs) const;

 private:
  const ExecutionPlan& plan_;
  const RunOptions& options_;
  RunResult::Data& data_;
  RunEvents& events_;
};

}  // namespace strata::detail
