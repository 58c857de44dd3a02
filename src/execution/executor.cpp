// The executor's entry points (execution/executor.hpp): which executor a run uses, and a run of a
// plan in this process (Run, run.hpp) or of one step in a worker process.
#include "strata/execution/executor.hpp"

#include "run.hpp"
#include "step_launcher.hpp"

namespace strata {

ExecutorKind executor_for(const ExecutionPlan& plan, const RunOptions& options) {
  if (options.executor) return *options.executor;
  if (auto configured = options.run_config.executor()) return *configured;
  return plan.job_executor().value_or(ExecutorKind::kInProcess);
}

RunResult execute_plan(const ExecutionPlan& plan, RunOptions options) {
  std::unique_ptr<detail::StepLauncher> launcher;
  ExecutorKind kind = executor_for(plan, options);
  // Each refuses what cannot work, before the run is recorded.
  if (kind == ExecutorKind::kMultiprocess) launcher = detail::make_child_process_launcher(plan, options);
  if (kind == ExecutorKind::kSlurm) launcher = detail::make_slurm_launcher(plan, options);
  detail::Run run(plan, std::move(options));
  if (launcher) run.set_launcher(std::move(launcher));
  return run.execute();
}

namespace detail {

std::string error_type_of(const std::exception& e) {
  if (const auto* remote = dynamic_cast<const RemoteStepError*>(&e)) return remote->error_type();
  if (const auto* error = dynamic_cast<const Error*>(&e)) return error->code();
  return demangle(typeid(e).name());
}

WorkerOutcome execute_step_in_worker(const ExecutionPlan& plan, RunOptions options, int index, StepChannel& channel) {
  options.keep_outputs = false;
  options.on_event = nullptr;
  Run run(plan, std::move(options));
  return run.execute_in_worker(index, channel);
}

}  // namespace detail

}  // namespace strata
