// Run: one execution of a plan in this process. execute() checks the partitions and step configs,
// records the run, sets up its resources, runs its steps (each attempt retried per its policy, on
// this process's threads or through a StepLauncher), tears down and records the end;
// execute_in_worker() runs one step for a launching run in another process. Used once, from one
// thread; the accessors below serve the step threads (StepRunner) while steps run. execute() throws
// PartitionError/ConfigError/StorageError only before anything ran; a step's failure, whatever it
// threw (a std::exception or not), is a failed step in the result.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "retry_delays.hpp"
#include "run_events.hpp"
#include "run_recorder.hpp"
#include "run_resources.hpp"
#include "step_launcher.hpp"
#include "strata/core/contexts/output_context.hpp"
#include "strata/core/partitions/partitions.hpp"
#include "strata/execution/run_options.hpp"
#include "strata/execution/run_result.hpp"

namespace strata::detail {

// What the run knows of one step while it runs.
struct StepState {
  StepStatus status = StepStatus::kNotStarted;
  bool skipped_by_design = false;                             // skipped only because optional outputs were not produced
  std::vector<char> yielded;                                  // per output: yielded in the current attempt
  std::vector<std::shared_ptr<const OutputContext>> outputs;  // per output: what downstream loads
};

class Run {
 public:
  // `plan` outlives this object.
  Run(const ExecutionPlan& plan, RunOptions options);

  RunResult execute();
  // In a worker process: runs step `index` alone, its in-run upstream outputs taken as yielded, its
  // events sent through `channel`.
  WorkerOutcome execute_in_worker(int index, StepChannel& channel);
  // Steps run through `launcher` (in other processes) instead of on this process's threads.
  void set_launcher(std::unique_ptr<StepLauncher> launcher) { launcher_ = std::move(launcher); }

  const ExecutionPlan& plan() const { return plan_; }
  const RunOptions& options() const { return options_; }
  const std::string& run_id() const { return data_->run_id; }
  const Resources& resources() const { return resources_.resources(); }
  RunEvents& events() { return events_; }
  StepState& state(int index) { return states_[static_cast<size_t>(index)]; }
  const Value& step_config(int index) const { return step_configs_[static_cast<size_t>(index)]; }
  bool canceled() const { return cancellation_->canceled(); }
  const RunCancellation& cancellation() const { return *cancellation_; }
  DynamicPartitionsStore* partition_store() const;
  // The partitions step `node` covers in this run (none for an unpartitioned asset).
  PartitionScope step_scope(const NodeDef& node) const;

 private:
  // Runs one step with its retries, or skips it; records how it ended.
  void execute_step(int index);
  // One attempt of a step: loads its inputs, runs its function, stores its outputs.
  void run_attempt(int index);
  // Records the failure of a step's last attempt (with every attempt's error when it was retried)
  // and, unless the run was canceled, that its assets were not materialized.
  void fail_step(int index, const std::exception& e);
  // Why `step` cannot run, or "". `by_design` tells whether the skip follows only from optional
  // outputs that were not produced (a successful run) rather than from a failure upstream.
  std::string skip_reason(const PlanStep& step, bool& by_design);
  // Sets data_'s outcome and returns the run's last event (success, failure with why, or canceled)
  // for the recorder to record with the run's status.
  Event conclude(const std::string& setup_error, const std::string& teardown_error);

  const ExecutionPlan& plan_;
  RunOptions options_;
  std::shared_ptr<RunResult::Data> data_;
  std::vector<StepState> states_;
  std::vector<Value> step_configs_;  // one per step: its config object, empty when it takes none
  std::shared_ptr<RunCancellation> cancellation_;
  RunEvents events_;
  RunResources resources_;
  RunRecorder recorder_;
  RetryDelays retries_;
  std::unique_ptr<StepLauncher> launcher_;
};

}  // namespace strata::detail
