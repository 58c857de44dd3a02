// The seam between the run (run.cpp: scheduling, events, results) and where a step's code
// executes. In process, the run calls the step on one of its threads; with the multi-process
// executor (multiprocess_executor.cpp) a StepLauncher runs it in a child process of the same
// program, and the child runs it through execute_step_in_worker with a StepChannel that carries its
// events back.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/types/event.hpp"
#include "strata/core/util/error.hpp"
#include "strata/execution/plan.hpp"
#include "strata/execution/run_cancellation.hpp"
#include "strata/execution/run_options.hpp"

namespace strata::detail {

// A step that failed elsewhere (in a child process): its error type as the step's own code threw
// it, or a crash ("ProcessCrash").
class RemoteStepError : public Error {
 public:
  RemoteStepError(const std::string& message, std::string error_type)
      : Error(message), error_type_(std::move(error_type)) {}
  const std::string& error_type() const { return error_type_; }

 private:
  std::string error_type_;
};

// What events and step results record as a failure's type: a Strata error's stable code
// (Error::code(), e.g. "config_error"), a remote step's own, or the C++ type of any other exception
// (the user's code threw it, so its name is the user's).
std::string error_type_of(const std::exception& e);

// One step for a launcher to run, and the run's side of it.
struct StepLaunch {
  const PlanStep& step;
  const std::string& run_id;
  const std::filesystem::path& strata_home;
  bool records_events = false;          // the run is recorded in an instance
  std::function<void(Event)> record;    // an event the step emitted (already stamped), recorded as is
  std::function<void()> commit;         // makes every recorded event durable; throws on failure
  std::vector<char>& yielded;           // per output: whether the step yielded it (set by the launcher)
  const RunCancellation& cancellation;  // once canceled, the step is asked to stop, then stopped
};

// Runs steps somewhere else. run_step returns when the step succeeded and throws RemoteStepError
// when it failed or crashed (RetryRequested when the step asked for a retry). Called from several
// run threads at once.
class StepLauncher {
 public:
  virtual ~StepLauncher() = default;
  virtual void run_step(StepLaunch& launch) = 0;
};

// Child processes of this program (execution/program_command.hpp). Refuses, with a DefinitionError
// naming the output or input, the manager key and why, any manager of the plan that cannot share
// data across processes.
std::unique_ptr<StepLauncher> make_child_process_launcher(const ExecutionPlan& plan, const RunOptions& options);

// Calls `problem(manager_key)` for the manager of every stored output and every loaded input of the
// plan; the first non-empty answer is thrown as a DefinitionError "<executor> cannot run asset 'x':
// <answer>" (or output 'o' of step 's', or step 's' (input 'i')).
void refuse_managers(const ExecutionPlan& plan, const std::string& executor,
                     const std::function<std::string(const std::string& manager_key)>& problem);

// Steps as Slurm jobs (slurm_launcher.cpp). Refuses, with a DefinitionError naming it, an instance or
// a manager of the plan that other nodes cannot reach, and a run without an instance.
std::unique_ptr<StepLauncher> make_slurm_launcher(const ExecutionPlan& plan, const RunOptions& options);

// The worker's link to the run that launched it.
class StepChannel {
 public:
  virtual ~StepChannel() = default;
  virtual bool records_events() const = 0;
  virtual void send(const Event& event) = 0;
  // Returns once the run has made every event sent so far durable; throws StorageError otherwise.
  virtual void commit() = 0;
  // The run id of the latest materialization of `asset` (partition) in the run's instance, "" when
  // none or the run is not recorded.
  virtual std::string latest_materialization_run(const AssetKey& asset,
                                                 const std::optional<std::string>& partition) = 0;
};

// How a step ended in a worker.
struct WorkerOutcome {
  bool success = false;
  std::string error_type{};
  std::string error_message{};
  std::vector<char> yielded{};
  // The step threw RetryRequested: its max_retries and wait (ms).
  std::optional<std::pair<int, int64_t>> retry_requested{};
};

// Runs the step at `index` of `plan` in this process as part of the run `options.run_id` (set up the
// resources it uses, load its inputs, call it, store its outputs, tear down), sending its events
// (not STEP_START/STEP_SUCCESS/STEP_FAILURE, which the launching run emits) through `channel`.
// options.instance, when set, serves partition lookups only: nothing is written to it.
WorkerOutcome execute_step_in_worker(const ExecutionPlan& plan, RunOptions options, int index, StepChannel& channel);

}  // namespace strata::detail
