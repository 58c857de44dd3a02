#include "strata/execution/run_queue_coordinator.hpp"

#include <nlohmann/json.hpp>

#include "strata/core/config/secret_masking.hpp"
#include "strata/execution/executor.hpp"
#include "strata/execution/plan.hpp"

namespace strata {
namespace {

using json = nlohmann::json;

}  // namespace

ExecutionPlan plan_for_request(const Definitions& defs, const RunRequest& request) {
  if (request.job_name.empty() == request.selection.empty()) {
    throw DefinitionError("a run request names a job or an asset selection (one of them)");
  }
  if (!request.job_name.empty()) return ExecutionPlan::for_job(defs, defs.job(request.job_name));
  std::vector<AssetKey> keys = AssetSelection::parse(request.selection).resolve(defs.asset_graph());
  if (keys.empty()) throw DefinitionError("selection '" + request.selection + "' matches no asset");
  return ExecutionPlan::for_assets(defs, keys);
}

PreparedRun prepare_queued_run(const Definitions& defs, Storage* storage, const RunRequest& request) {
  ExecutionPlan plan = plan_for_request(defs, request);
  validate_partition_keys(plan, request.partition_keys, storage);
  json masked = masked_run_config(request.run_config, plan.resources());
  if (masked != request.run_config.document()) {
    throw ConfigError(
        "the run config holds a secret value, which a queued run cannot keep (run config is stored with secrets "
        "masked); give it from the environment: {env: NAME}");
  }
  RunRecord record;
  record.run_id = request.run_id.empty() ? new_run_id() : request.run_id;
  record.job_name = plan.job_name();
  for (const auto& key : plan.asset_keys()) {
    record.selection += (record.selection.empty() ? "" : ",") + key.to_string();
  }
  record.status = RunStatus::kQueued;
  record.tags = run_tags(request.tags, request.partition_keys);
  record.run_config = masked.dump();
  record.create_time_us = now_unix_us();
  if (request.max_concurrency < 0) throw ConfigError("max_concurrency must be 0 (all cores) or more");
  json launch = {
      {"partition_keys", request.partition_keys}, {"tags", request.tags}, {"max_concurrency", request.max_concurrency}};
  launch[request.job_name.empty() ? "select" : "job"] = request.job_name.empty() ? request.selection : request.job_name;
  return {std::move(record), launch.dump()};
}

std::string submit_run(const Definitions& defs, Instance& instance, const RunRequest& request) {
  PreparedRun prepared = prepare_queued_run(defs, &instance.storage(), request);
  instance.storage().enqueue_run(prepared.record, prepared.launch);
  return prepared.record.run_id;
}

RunRequest queued_run_request(const QueuedRun& queued) {
  RunRequest request;
  try {
    json launch = json::parse(queued.launch);
    request.job_name = launch.value("job", "");
    request.selection = launch.value("select", "");
    request.partition_keys = launch.value("partition_keys", std::vector<std::string>{});
    request.tags = launch.value("tags", std::map<std::string, std::string>{});
    request.max_concurrency = launch.value("max_concurrency", 0);
  } catch (const json::exception& e) {
    throw StorageError("queued run '" + queued.run.run_id + "': stored launch document is damaged: " + e.what());
  }
  try {
    request.run_config = RunConfig::from_json(queued.run.run_config.empty() ? "{}" : queued.run.run_config);
  } catch (const ConfigError& e) {
    throw StorageError("queued run '" + queued.run.run_id + "': stored run config is damaged: " + e.what());
  }
  request.run_id = queued.run.run_id;
  return request;
}

RunResult execute_queued_run(const Definitions& defs, const QueuedRun& queued, RunOptions options) {
  try {
    RunRequest request = queued_run_request(queued);
    ExecutionPlan plan = plan_for_request(defs, request);
    options.run_id = request.run_id;
    options.claimed_from_queue = true;
    options.tags = request.tags;
    options.run_config = request.run_config;
    options.partition_keys = request.partition_keys;
    options.max_concurrency = request.max_concurrency;
    return execute_plan(plan, std::move(options));
  } catch (const std::exception& e) {
    // Nothing ran: the run ends here rather than staying STARTED.
    if (options.instance) {
      Event event;
      event.type = EventType::kRunFailure;
      event.run_id = queued.run.run_id;
      event.timestamp_us = now_unix_us();
      event.level = LogLevel::kError;
      event.message = "Run " + queued.run.run_id + " could not start: " + e.what();
      options.instance->storage().fail_run_if_status(queued.run.run_id, RunStatus::kStarted, event);
    }
    throw;
  }
}

RunLauncher in_process_launcher(const Definitions& defs, std::shared_ptr<Instance> instance) {
  return [&defs, instance](const QueuedRun& claimed) {
    RunOptions options;
    options.instance = instance;
    options.keep_outputs = false;
    execute_queued_run(defs, claimed, std::move(options));
  };
}

RunQueueCoordinator::RunQueueCoordinator(std::shared_ptr<Instance> instance, RunLauncher launch)
    : instance_(std::move(instance)), launch_(std::move(launch)) {}

std::vector<QueuedRun> RunQueueCoordinator::runs_that_may_start() const {
  Storage& storage = instance_->storage();
  std::vector<QueuedRun> queued = storage.queued_runs();
  std::vector<RunRecord> in_progress = storage.runs({.status = RunStatus::kStarted, .limit = 1'000'000});
  for (RunRecord& run : storage.runs({.status = RunStatus::kCanceling, .limit = 1'000'000})) {
    in_progress.push_back(std::move(run));
  }
  std::vector<QueuedRun> chosen;
  for (size_t index : strata::runs_that_may_start(instance_->config().run_queue, queued, in_progress)) {
    chosen.push_back(std::move(queued[index]));
  }
  return chosen;
}

std::vector<QueuedRun> RunQueueCoordinator::dequeue(const std::string& run_id) {
  const RunQueueConfig& config = instance_->config().run_queue;
  auto decide = [&](const std::vector<QueuedRun>& queued, const std::vector<RunRecord>& in_progress) {
    if (run_id.empty()) return strata::runs_that_may_start(config, queued, in_progress);
    std::vector<size_t> chosen;
    for (size_t i = 0; i < queued.size(); ++i) {
      if (queued[i].run.run_id == run_id && why_run_waits(config, queued[i].run, in_progress).empty()) {
        chosen.push_back(i);
      }
    }
    return chosen;
  };
  std::vector<QueuedRun> claimed = instance_->storage().dequeue_runs(decide, RunOwner::this_process(), now_unix_us());
  std::exception_ptr first_error;
  for (const QueuedRun& run : claimed) {
    try {
      launch_(run);
    } catch (...) {
      if (!first_error) first_error = std::current_exception();
    }
  }
  if (first_error) std::rethrow_exception(first_error);
  return claimed;
}

}  // namespace strata
