// Submitting runs to the instance's run queue and starting them (storage/run_queue.hpp has the
// limits and the rule):
//
//   std::string id = strata::submit_run(defs, *instance, {.job_name = "nightly", .tags = {{"database", "duckdb"}}});
//   strata::RunQueueCoordinator coordinator(instance, strata::in_process_launcher(defs, instance));
//   coordinator.dequeue();   // starts, in submission order, what the limits allow now
//
// The coordinator decides and claims; what "start" means is its RunLauncher: running the run in
// this process (in_process_launcher), and later launching it as a process of its own.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/definitions/definitions.hpp"
#include "strata/execution/plan.hpp"
#include "strata/execution/run_options.hpp"
#include "strata/execution/run_result.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

// A run to queue: a job of the definitions, or an asset selection (AssetSelection::parse syntax).
struct RunRequest {
  std::string job_name{};
  std::string selection{};
  std::vector<std::string> partition_keys{};
  // Stored in the run record as every run config is (secrets masked), and started from there: a
  // secret value must come from the environment ({env: NAME}), which the queue keeps as a name.
  RunConfig run_config{};
  std::map<std::string, std::string> tags{};
  std::string run_id{};     // empty: a new id
  int max_concurrency = 0;  // steps at once when it runs (RunOptions::max_concurrency)
};

// The plan of what `request` runs. Throws DefinitionError (unknown job, selection matching nothing).
ExecutionPlan plan_for_request(const Definitions& defs, const RunRequest& request);

// Checks the request against `defs` (the job or selection exists, its partition keys fit, the run
// config has no literal secret) and records it in `instance` as a QUEUED run with a RUN_ENQUEUED
// event; returns the run id. Throws DefinitionError, PartitionError or ConfigError (nothing
// recorded), StorageError.
std::string submit_run(const Definitions& defs, Instance& instance, const RunRequest& request);

// What submit_run records, without recording it: the run (QUEUED, a new id unless the request has
// one) and its launch document, for Storage::enqueue_run or Storage::commit_ticks. Same checks and
// errors as submit_run; `storage` (may be null) holds dynamic partitions.
struct PreparedRun {
  RunRecord record{};
  std::string launch{};
};
PreparedRun prepare_queued_run(const Definitions& defs, Storage* storage, const RunRequest& request);

// The request a queued run was submitted with (run config from its record).
RunRequest queued_run_request(const QueuedRun& queued);

// Runs a claimed queued run (status STARTED) in this process; `options` gives the instance, the
// event listener and such; run id, tags, run config, partitions and max_concurrency come from the
// queue. A run that
// cannot start (its job is gone from the definitions, a partition key no longer exists...) is
// marked FAILURE with the reason, and the error is rethrown.
RunResult execute_queued_run(const Definitions& defs, const QueuedRun& queued, RunOptions options);

// Starts one claimed run. May throw: the coordinator passes the error on after starting the others.
using RunLauncher = std::function<void(const QueuedRun& claimed)>;

// execute_queued_run with a default RunOptions on `instance`.
RunLauncher in_process_launcher(const Definitions& defs, std::shared_ptr<Instance> instance);

// Decides which queued runs may start under the instance's run_queue limits, claims them and starts
// them with the launcher. Holds the instance; one thread at a time; the storage makes concurrent
// coordinators (threads or processes) safe: a run is claimed once and the limits hold among them.
class RunQueueCoordinator {
 public:
  RunQueueCoordinator(std::shared_ptr<Instance> instance, RunLauncher launch);

  // The decision alone: the queued runs that may start now, in submission order (nothing claimed).
  std::vector<QueuedRun> runs_that_may_start() const;
  // Claims what may start now — only `run_id` when it is given — and launches each claimed run in
  // submission order. Returns the claimed runs. Throws StorageError; when a launch throws, the
  // other runs are still launched and the first error is rethrown at the end.
  std::vector<QueuedRun> dequeue(const std::string& run_id = "");

 private:
  std::shared_ptr<Instance> instance_;
  RunLauncher launch_;
};

}  // namespace strata
