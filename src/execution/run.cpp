#include "run.hpp"

#include <cxxabi.h>

#include <algorithm>
#include <set>

#include "cancel_watcher.hpp"
#include "run_identity.hpp"
#include "step_runner.hpp"
#include "step_scheduler.hpp"
#include "strata/core/contexts/execution_context.hpp"
#include "strata/execution/executor.hpp"
#include "strata/execution/step_config.hpp"
#include "strata/storage/pool_slots.hpp"

namespace strata::detail {

namespace {

// The resource keys one step uses (its managers and required resources), sorted.
std::vector<std::string> step_resource_keys(const PlanStep& step) {
  std::set<std::string> keys(step.node->required_resource_keys.begin(), step.node->required_resource_keys.end());
  for (size_t i = 0; i < step.output_managers.size(); ++i) {
    if (step.node->outputs[i].has_value()) keys.insert(step.output_managers[i]);
  }
  for (const auto& input : step.inputs) keys.insert(input.manager_key);
  return {keys.begin(), keys.end()};
}

std::string format_ms(int64_t microseconds) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f ms", static_cast<double>(microseconds) / 1000.0);
  return text;
}

}  // namespace

Run::Run(const ExecutionPlan& plan, RunOptions options)
    : plan_(plan),
      options_(std::move(options)),
      data_(new_run_data(plan_, options_)),
      states_(plan.steps().size()),
      cancellation_(options_.cancellation ? options_.cancellation : std::make_shared<RunCancellation>()),
      events_(*data_, options_.on_event, options_.keep_outputs),
      resources_(plan_, options_, *data_, events_),
      recorder_(plan_, options_, *data_, events_) {
  for (size_t i = 0; i < plan.steps().size(); ++i) {
    states_[i].yielded.assign(plan.steps()[i].node->outputs.size(), 0);
    states_[i].outputs.resize(plan.steps()[i].node->outputs.size());
  }
}

DynamicPartitionsStore* Run::partition_store() const {
  return options_.instance ? &options_.instance->storage() : nullptr;
}

PartitionScope Run::step_scope(const NodeDef& node) const {
  if (!node.partitions) return {};
  return make_partition_scope(*node.partitions, options_.partition_keys);
}

RunResult Run::execute() {
  validate_partition_keys(plan_, options_.partition_keys, partition_store());
  step_configs_ = configure_steps(plan_, options_.run_config);  // refused here: nothing runs
  data_->start_us = now_unix_us();
  recorder_.start(step_configs_);
  events_.emit(
      RunEvents::make(EventType::kRunStart, "",
                      "Started run of " + plan_.job_name() + " (" + std::to_string(plan_.steps().size()) + " steps)"));
  // Logs "Canceling the run: <reason>" once the run is canceled by any means, so that a reader of
  // the event log knows its steps are being stopped. Not started for a run that nothing can cancel.
  CancelWatcher watcher(options_.instance, data_->run_id, *cancellation_, [this] {
    Event event = RunEvents::make(EventType::kLog, "", "Canceling the run: " + cancellation_->reason());
    event.level = LogLevel::kWarning;
    events_.emit(std::move(event));
  });
  if (options_.instance || options_.cancellation) watcher.start();
  // With a launcher, each step's process sets up the resources it uses.
  std::string setup_error =
      launcher_ ? resources_.check_configured() : resources_.setup(plan_.required_resource_keys());
  if (setup_error.empty()) {
    StepScheduler(plan_, options_.max_concurrency).run([this](int index) { execute_step(index); });
  }
  std::string teardown_error = resources_.teardown();
  watcher.stop();
  recorder_.finish(conclude(setup_error, teardown_error));
  events_.drain();  // the listener has seen every event when the run returns
  return RunResult(data_);
}

Event Run::conclude(const std::string& setup_error, const std::string& teardown_error) {
  bool ok = setup_error.empty() && teardown_error.empty();
  std::string failed;
  for (size_t i = 0; i < data_->steps.size(); ++i) {
    const StepResult& step = data_->steps[i];
    bool skipped_by_design = step.status == StepStatus::kSkipped && states_[i].skipped_by_design;
    if (step.status != StepStatus::kSuccess && !skipped_by_design) {
      ok = false;
      if (step.status == StepStatus::kFailure) failed += (failed.empty() ? "" : ", ") + step.key;
    }
  }
  data_->canceled = canceled() && !ok;
  data_->success = ok;
  data_->end_us = now_unix_us();
  if (data_->canceled) {
    Event event = RunEvents::make(EventType::kRunCanceled, "",
                                  "Run of " + plan_.job_name() + " canceled: " + cancellation_->reason() +
                                      (failed.empty() ? "" : " (stopped or failed steps: " + failed + ")"));
    event.level = LogLevel::kWarning;
    return event;
  }
  if (ok) return RunEvents::make(EventType::kRunSuccess, "", "Finished run of " + plan_.job_name());
  std::string why = !setup_error.empty()      ? setup_error
                    : !failed.empty()         ? "steps failed: " + failed
                    : !teardown_error.empty() ? teardown_error
                                              : "steps were skipped";
  Event event = RunEvents::make(EventType::kRunFailure, "", "Run of " + plan_.job_name() + " failed: " + why);
  event.level = LogLevel::kError;
  return event;
}

WorkerOutcome Run::execute_in_worker(int index, StepChannel& channel) {
  events_.send_to(channel);
  const PlanStep& step = plan_.steps()[static_cast<size_t>(index)];
  WorkerOutcome outcome;
  std::string error, error_type;
  try {
    step_configs_ = configure_steps(plan_, options_.run_config);  // as the run did before it started
  } catch (const std::exception& e) {
    error = e.what();
    error_type = error_type_of(e);
  }
  if (error.empty()) {
    error = resources_.setup(step_resource_keys(step));
    error_type = resources_.failure_type();
  }
  if (error.empty()) {
    for (const auto& input : step.inputs) {
      if (input.step < 0) continue;
      StepState& upstream = state(input.step);
      upstream.status = StepStatus::kSuccess;
      upstream.yielded[static_cast<size_t>(input.output)] = 1;
      const OutputDef& out = *input.upstream_output;
      upstream.outputs[static_cast<size_t>(input.output)] = std::make_shared<OutputContext>(OutputContextFields{
          out.asset_key, out.name, input.upstream_step_key, data_->run_id, out.metadata, out.type, out.code_version,
          step_scope(*input.upstream_node), events_.logger_for(step.key), &resources(), false});
    }
    try {
      data_->steps[static_cast<size_t>(index)].start_us = now_unix_us();
      run_attempt(index);
      outcome.success = true;
    } catch (const std::exception& e) {
      outcome.error_type = error_type_of(e);
      outcome.error_message = e.what();
      if (const auto* retry = dynamic_cast<const RetryRequested*>(&e)) {
        outcome.retry_requested = std::make_pair(retry->max_retries(), static_cast<int64_t>(retry->wait().count()));
      }
    }
  } else {
    outcome.error_type = error_type;  // the stable code, as a step of the in-process executor records it
    outcome.error_message = error;
  }
  std::string teardown_error = resources_.teardown();
  if (outcome.success && !teardown_error.empty()) {
    outcome.success = false;
    outcome.error_message = teardown_error;
  }
  outcome.yielded = state(index).yielded;
  return outcome;
}

std::string Run::skip_reason(const PlanStep& step, bool& by_design) {
  by_design = true;
  for (int up : step.upstream) {
    const StepState& upstream = state(up);
    if (upstream.status != StepStatus::kSuccess) {
      by_design = upstream.status == StepStatus::kSkipped && upstream.skipped_by_design;
      return "upstream step '" + plan_.steps()[static_cast<size_t>(up)].key + "' " +
             (upstream.status == StepStatus::kFailure ? "failed" : "was skipped");
    }
  }
  for (const auto& input : step.inputs) {
    if (input.step >= 0 && !state(input.step).yielded[static_cast<size_t>(input.output)]) {
      return "upstream output '" + input.upstream_step_key + "." + input.upstream_output->name + "' was not produced";
    }
  }
  return "";
}

void Run::execute_step(int index) {
  const PlanStep& step = plan_.steps()[static_cast<size_t>(index)];
  StepState& st = state(index);
  StepResult& result = data_->steps[static_cast<size_t>(index)];
  result.start_us = now_unix_us();
  std::string reason = canceled() ? "the run was canceled" : skip_reason(step, st.skipped_by_design);
  if (!reason.empty()) {
    if (canceled()) st.skipped_by_design = false;
    st.status = StepStatus::kSkipped;
    result.status = StepStatus::kSkipped;
    result.end_us = result.start_us;
    events_.emit(RunEvents::make(EventType::kStepSkipped, step.key, "Skipped: " + reason));
    return;
  }
  events_.emit(RunEvents::make(EventType::kStepStart, step.key, "Started execution of step '" + step.key + "'"));
  for (int attempt = 1;; ++attempt) {
    result.attempts = attempt;
    try {
      run_attempt(index);
      st.status = StepStatus::kSuccess;
      result.status = StepStatus::kSuccess;
      result.end_us = now_unix_us();
      events_.emit(RunEvents::make(EventType::kStepSuccess, step.key,
                                   "Finished execution of step '" + step.key + "' in " +
                                       format_ms(result.end_us - result.start_us) +
                                       (attempt > 1 ? " (attempt " + std::to_string(attempt) + ")" : "")));
      return;
    } catch (const std::exception& e) {
      result.attempt_errors.push_back(e.what());
      if (auto delay = retries_.after(step, e, attempt, canceled())) {
        Event retry =
            RunEvents::make(EventType::kStepUpForRetry, step.key,
                            "Attempt " + std::to_string(attempt) + " of step '" + step.key + "' failed: " + e.what() +
                                "; retrying in " + format_ms(delay->count() * 1000));
        retry.level = LogLevel::kWarning;
        retry.error_type = error_type_of(e);
        retry.metadata = {{"attempt", static_cast<int64_t>(attempt)},
                          {"delay_ms", static_cast<int64_t>(delay->count())}};
        events_.emit(std::move(retry));
        if (!cancellation_->wait_for(*delay)) {
          std::fill(st.yielded.begin(), st.yielded.end(), 0);
          Event restarted =
              RunEvents::make(EventType::kStepRestarted, step.key,
                              "Started attempt " + std::to_string(attempt + 1) + " of step '" + step.key + "'");
          restarted.metadata = {{"attempt", static_cast<int64_t>(attempt + 1)}};
          events_.emit(std::move(restarted));
          continue;
        }
      }
      fail_step(index, e);
      return;
    }
  }
}

void Run::run_attempt(int index) {
  const PlanStep& step = plan_.steps()[static_cast<size_t>(index)];
  // Waits for a slot of the step's concurrency pool, when it names one the instance limits; freed
  // when the attempt ends, however it ends.
  PoolSlotLease pool_slot =
      PoolSlotLease::acquire(options_.instance.get(), step.node->pool, data_->run_id, step.key, [&](int64_t limit) {
        events_.emit(RunEvents::make(
            EventType::kLog, step.key,
            "Waiting for a slot of pool '" + step.node->pool + "' (limit " + std::to_string(limit) + ")"));
      });
  if (launcher_) {  // in a process of its own
    StepLaunch launch{step,
                      data_->run_id,
                      data_->strata_home,
                      events_.records_events(),
                      [this](Event event) { events_.record(std::move(event)); },
                      [this] { events_.commit(); },
                      state(index).yielded,
                      *cancellation_};
    launcher_->run_step(launch);
    return;
  }
  try {
    StepRunner runner(*this, index, data_->steps[static_cast<size_t>(index)].start_us);
    runner.load_inputs();
    ExecutionContext context(*step.node, data_->run_id, step.key, runner.logger(), resources(), step_scope(*step.node),
                             runner);
    step.node->compute(context);
    runner.check_required_outputs();
  } catch (const std::exception&) {
    throw;
  } catch (const abi::__forced_unwind&) {
    throw;  // thread cancellation must unwind on
  } catch (...) {
    // User code may throw anything (an int, a string literal): it fails the step like any error.
    const std::type_info* type = abi::__cxa_current_exception_type();
    throw Error("step '" + step.key + "' threw a value of type '" + (type ? demangle(type->name()) : "unknown") +
                "', which is not a std::exception");
  }
}

void Run::fail_step(int index, const std::exception& e) {
  const PlanStep& step = plan_.steps()[static_cast<size_t>(index)];
  StepState& st = state(index);
  StepResult& result = data_->steps[static_cast<size_t>(index)];
  st.status = StepStatus::kFailure;
  result.status = StepStatus::kFailure;
  result.end_us = now_unix_us();
  result.error_type = error_type_of(e);
  result.error_message = e.what();
  if (result.attempt_errors.size() > 1) {
    std::string all;
    for (size_t i = 0; i < result.attempt_errors.size(); ++i) {
      all += (i ? "; " : "") + std::string("attempt ") + std::to_string(i + 1) + ": " + result.attempt_errors[i];
    }
    result.error_message = "failed after " + std::to_string(result.attempt_errors.size()) + " attempts: " + all;
  }
  Event event = RunEvents::make(EventType::kStepFailure, step.key, result.error_message);
  event.level = LogLevel::kError;
  event.error_type = result.error_type;
  if (result.attempts > 1) event.metadata = {{"attempts", static_cast<int64_t>(result.attempts)}};
  events_.emit(std::move(event));
  if (canceled()) return;  // stopped, not failed: partition status keeps the previous state
  std::vector<std::optional<std::string>> partitions = {std::nullopt};
  if (step.node->partitions) partitions.assign(options_.partition_keys.begin(), options_.partition_keys.end());
  for (size_t i = 0; i < step.node->outputs.size(); ++i) {
    const OutputDef& out = step.node->outputs[i];
    if (!out.asset_key || st.yielded[i]) continue;
    for (const auto& partition : partitions) {
      Event failed =
          RunEvents::make(EventType::kMaterializationFailed, step.key,
                          "Asset '" + out.asset_key->to_string() + "' was not materialized: the step failed");
      failed.asset_key = out.asset_key;
      failed.name = out.name;
      failed.partition = partition;
      failed.level = LogLevel::kError;
      events_.emit(std::move(failed));
    }
  }
}

}  // namespace strata::detail
