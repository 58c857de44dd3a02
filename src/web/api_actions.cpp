// The POST endpoints of the JSON API (docs/api.md): launching a run (a background process of this
// program, or the instance's run queue when one is configured), cancelling, re-executing, and
// backfills over a partition range. Everything is checked before anything is recorded or started:
// a request that does not fit is an ApiError (4xx) naming the field, asset, partition or run at fault.
#include <sys/stat.h>

#include <fstream>

#include "api.hpp"
#include "api_error.hpp"
#include "strata/core/definitions/asset_selection.hpp"
#include "strata/core/util/nearest_name.hpp"
#include "strata/daemon/daemon_backfill.hpp"
#include "strata/execution/backfill.hpp"
#include "strata/execution/executor.hpp"
#include "strata/execution/plan.hpp"
#include "strata/execution/reexecution.hpp"
#include "strata/execution/run_launcher.hpp"
#include "strata/execution/run_queue_coordinator.hpp"
#include "strata/execution/step_config.hpp"

namespace strata::web {
namespace {

ApiError bad_request(const std::string& code, const std::string& message) { return ApiError(400, code, message); }

// Field `name` of the body as a string (absent: empty); ApiError when it is not one.
std::string string_field(const Json& body, const std::string& name) {
  if (!body.contains(name) || body[name].is_null()) return "";
  if (!body[name].is_string()) throw bad_request("bad_field", "field '" + name + "' must be a string");
  return body[name].get<std::string>();
}

void check_fields(const Json& body, std::initializer_list<const char*> known) {
  if (!body.is_object()) throw bad_request("bad_body", "the request body must be a JSON object");
  std::vector<std::string> names(known.begin(), known.end());
  for (const auto& [key, _] : body.items()) {
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      throw bad_request("unknown_field", "unknown field '" + key + "'" + did_you_mean(key, names));
    }
  }
}

bool queue_configured(const Instance& instance) {
  const RunQueueConfig& queue = instance.config().run_queue;
  return queue.max_concurrent_runs.has_value() || !queue.tag_concurrency_limits.empty();
}

// The run config of the body, checked against the resources and steps of `plan`.
RunConfig checked_run_config(ApiContext& api, const Json& body, const ExecutionPlan& plan, const JobDefinition* job) {
  if (!body.contains("run_config") || body["run_config"].is_null()) return RunConfig();
  const Json& given = body["run_config"];
  if (!given.is_object()) throw bad_request("bad_config", "field 'run_config' must be a JSON object");
  try {
    RunConfig config = RunConfig::from_json(given.dump(-1, ' ', false, Json::error_handler_t::strict));
    config.validate_sections();
    auto resources = api.defs.resources_for(job);
    std::vector<std::string> known;
    for (const auto& [key, _] : resources) known.push_back(key);
    for (const auto& key : config.configured_resource_keys()) {
      auto it = resources.find(key);
      if (it == resources.end()) {
        throw bad_request("bad_config", "run_config configures resource '" + key + "', which is not defined" +
                                            did_you_mean(key, known));
      }
      (void)it->second.instantiate(key, config);
    }
    (void)configure_steps(plan, config);
    return config;
  } catch (const ConfigError& e) {
    throw bad_request("bad_config", std::string("run_config: ") + e.what());
  } catch (const nlohmann::json::exception&) {
    throw bad_request("bad_config", "run_config is not well-formed UTF-8 JSON");
  }
}

std::map<std::string, std::string> tags_field(const Json& body) {
  std::map<std::string, std::string> tags;
  if (!body.contains("tags") || body["tags"].is_null()) return tags;
  if (!body["tags"].is_object()) throw bad_request("bad_field", "field 'tags' must be an object of strings");
  for (const auto& [key, value] : body["tags"].items()) {
    if (!value.is_string()) throw bad_request("bad_field", "tag '" + key + "' must have a string value");
    if (key.empty() || key.rfind("strata/", 0) == 0) {
      throw bad_request("bad_field", "tag '" + key + "' is reserved or empty");
    }
    tags[key] = value.get<std::string>();
  }
  return tags;
}

std::vector<std::string> partition_keys_field(const Json& body) {
  std::vector<std::string> keys;
  std::string one = string_field(body, "partition");
  if (!one.empty()) keys.push_back(one);
  if (body.contains("partition_keys") && !body["partition_keys"].is_null()) {
    if (!body["partition_keys"].is_array()) throw bad_request("bad_field", "field 'partition_keys' must be a list");
    for (const auto& key : body["partition_keys"]) {
      if (!key.is_string()) throw bad_request("bad_field", "field 'partition_keys' must hold strings");
      keys.push_back(key.get<std::string>());
    }
  }
  if (keys.size() > 1) {
    throw bad_request("bad_partition",
                      "a launched run takes one partition; POST /api/v1/backfills runs a range of partitions");
  }
  return keys;
}

// A file only this user can read, holding the run config the launched process reads when it
// starts (removed once it has); in HOME/ui so that it is on the instance's file system.
class RunConfigFile {
 public:
  RunConfigFile(const std::filesystem::path& home, const std::string& run_id, const RunConfig& config) {
    if (config.empty()) return;
    std::filesystem::create_directories(home / "ui");
    path_ = home / "ui" / ("run-config-" + run_id + ".json");
    {
      std::ofstream out(path_, std::ios::trunc);
      ::chmod(path_.c_str(), 0600);
      out << config.document().dump(-1, ' ', false, Json::error_handler_t::replace);
      if (!out) throw Error("cannot write " + path_.string());
    }
  }
  ~RunConfigFile() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

HttpResponse launched(ApiContext& api, std::vector<std::string> command, const std::string& run_id) {
  DetachedRunRequest request;
  request.command = std::move(command);
  request.home = api.instance->home();
  request.run_id = run_id;
  request.program = api.program;
  try {
    DetachedRun run = launch_run_detached(request);
    return json_response({{"run_id", run.run_id}, {"status", "STARTED"}, {"pid", run.pid}});
  } catch (const DetachedRunError& e) {
    std::string message = e.what();
    if (message.rfind("error: ", 0) == 0) message.erase(0, 7);
    size_t line = message.find('\n');
    if (line != std::string::npos) message.erase(line);
    if (e.exit_code() == 2) throw bad_request("bad_request", message);
    throw ApiError(500, "launch_failed", "the run's process failed to start: " + message);
  }
}

}  // namespace

HttpResponse post_run(ApiContext& api, const Json& body) {
  check_fields(body, {"selection", "job", "partition", "partition_keys", "run_config", "tags"});
  std::string selection = string_field(body, "selection");
  std::string job_name = string_field(body, "job");
  if (selection.empty() == job_name.empty()) {
    throw bad_request("bad_request", "give one of 'selection' (assets) or 'job'");
  }
  std::optional<ExecutionPlan> plan;
  const JobDefinition* job = nullptr;
  if (!selection.empty()) {
    std::vector<AssetKey> keys;
    for (int index : api.catalog.select(selection)) keys.push_back(api.defs.asset_graph().entry(index).key);
    if (keys.empty()) throw bad_request("bad_selection", "selection '" + selection + "' matches no asset");
    plan = ExecutionPlan::for_assets(api.defs, keys);
  } else {
    if (!api.defs.has_job(job_name)) {
      std::vector<std::string> names;
      for (const auto& known : api.defs.jobs()) names.push_back(known.name());
      throw ApiError(404, "unknown_job", "unknown job '" + job_name + "'" + did_you_mean(job_name, names));
    }
    job = &api.defs.job(job_name);
    plan = ExecutionPlan::for_job(api.defs, *job);
  }
  std::vector<std::string> partitions = partition_keys_field(body);
  try {
    validate_partition_keys(*plan, partitions, &api.instance->storage());
  } catch (const PartitionError& e) {
    throw bad_request("bad_partition", e.what());
  }
  RunConfig config = checked_run_config(api, body, *plan, job);
  auto tags = tags_field(body);
  tags["strata/launched_by"] = "ui";
  if (queue_configured(*api.instance)) {
    RunRequest request{
        .job_name = job_name, .selection = selection, .partition_keys = partitions, .run_config = config, .tags = tags};
    try {
      std::string run_id = submit_run(api.defs, *api.instance, request);
      return json_response({{"run_id", run_id}, {"status", "QUEUED"}});
    } catch (const ConfigError& e) {
      throw bad_request("bad_config", e.what());
    } catch (const PartitionError& e) {
      throw bad_request("bad_partition", e.what());
    }
  }
  std::string run_id = new_run_id();
  RunConfigFile file(api.instance->home(), run_id, config);
  std::vector<std::string> command = selection.empty() ? std::vector<std::string>{"job", "execute", job_name}
                                                       : std::vector<std::string>{"materialize", "--select", selection};
  if (!partitions.empty()) command.insert(command.end(), {"--partition", partitions.front()});
  if (!file.path().empty()) command.insert(command.end(), {"--config", file.path().string()});
  for (const auto& [key, value] : tags) command.insert(command.end(), {"--tag", key + "=" + value});
  command.push_back("--plain");
  return launched(api, std::move(command), run_id);
}

HttpResponse post_cancel(ApiContext& api, const std::string& run_id) {
  known_run(api, run_id);
  try {
    RunStatus status = api.instance->cancel_run(run_id, "canceled from the web UI");
    return json_response({{"run_id", run_id}, {"status", run_status_name(status)}});
  } catch (const Error& e) {
    throw ApiError(409, "run_finished", e.what());
  }
}

HttpResponse post_reexecute(ApiContext& api, const std::string& run_id, const Json& body) {
  check_fields(body, {"from_failure"});
  known_run(api, run_id);
  bool from_failure = false;
  if (body.contains("from_failure")) {
    if (!body["from_failure"].is_boolean())
      throw bad_request("bad_field", "field 'from_failure' must be true or false");
    from_failure = body["from_failure"].get<bool>();
  }
  try {
    (void)plan_reexecution(api.defs, api.instance->storage(), run_id, {.from_failure = from_failure});
  } catch (const Error& e) {
    throw ApiError(409, "cannot_reexecute", e.what());
  }
  std::vector<std::string> command = {"runs", "reexecute", run_id};
  if (from_failure) command.push_back("--from-failure");
  command.push_back("--plain");
  return launched(api, std::move(command), new_run_id());
}

HttpResponse post_backfill(ApiContext& api, const Json& body) {
  check_fields(body, {"selection", "first", "last", "run_config"});
  std::string selection = string_field(body, "selection");
  std::string first = string_field(body, "first");
  std::string last = string_field(body, "last");
  if (selection.empty()) throw bad_request("bad_request", "field 'selection' is required");
  if (first.empty() || last.empty()) throw bad_request("bad_partition", "fields 'first' and 'last' are required");
  std::vector<AssetKey> keys;
  for (int index : api.catalog.select(selection)) keys.push_back(api.defs.asset_graph().entry(index).key);
  if (keys.empty()) throw bad_request("bad_selection", "selection '" + selection + "' matches no asset");
  BackfillPlan plan;
  try {
    plan = plan_backfill_range(api.defs, AssetSelection::keys(keys), first, last, &api.instance->storage());
  } catch (const PartitionError& e) {
    throw bad_request("bad_partition", e.what());
  } catch (const DefinitionError& e) {
    throw bad_request("bad_selection", e.what());
  }
  RunOptions options;
  options.instance = api.instance;
  options.keep_outputs = false;
  options.run_config = checked_run_config(api, body, ExecutionPlan::for_assets(api.defs, keys), nullptr);
  options.tags = {{"strata/launched_by", "ui"}};
  options.cancellation = std::make_shared<RunCancellation>();
  std::string backfill_id = plan.backfill_id;
  size_t runs = plan.runs.size();
  const Definitions& defs = api.defs;
  api.backfills.add(backfill_id, options.cancellation, std::thread([&defs, plan = std::move(plan), options] {
                      try {
                        (void)launch_backfill(defs, plan, options);
                      } catch (const std::exception&) {
                        // Recorded by the runs themselves; the backfill's record keeps its progress.
                      }
                    }));
  return json_response({{"backfill_id", backfill_id}, {"runs", runs}});
}

HttpResponse post_backfill_cancel(ApiContext& api, const std::string& backfill_id) {
  auto backfill = api.instance->storage().get_backfill(backfill_id);
  if (!backfill) throw ApiError(404, "unknown_backfill", "unknown backfill '" + backfill_id + "'");
  if (backfill->status != "RUNNING" && backfill->status != "REQUESTED") {
    throw ApiError(409, "backfill_finished", "backfill '" + backfill_id + "' is already " + backfill->status);
  }
  if (!api.backfills.cancel(backfill_id)) {
    // Not run by this server: a backfill the daemon drives (submitted with --queue).
    try {
      BackfillCancellation canceled = cancel_backfill(*api.instance, backfill_id, "canceled from the web UI");
      return json_response({{"backfill_id", backfill_id}, {"status", canceled.backfill.status}});
    } catch (const StorageError&) {
      throw;
    } catch (const Error& e) {
      throw ApiError(409, "backfill_not_running", e.what());
    }
  }
  return json_response({{"backfill_id", backfill_id}, {"status", "CANCELING"}});
}

HttpResponse post_instigator_status(ApiContext& api, const std::string& kind, const std::string& name, bool start) {
  bool known = false;
  if (kind == "schedule") {
    for (const auto& schedule : api.defs.schedules()) known = known || schedule.name == name;
  } else {
    for (const auto& sensor : api.defs.sensors()) known = known || sensor.name == name;
  }
  if (!known) throw ApiError(404, "unknown_" + kind, "unknown " + kind + " '" + name + "'");
  InstigatorStatus status = start ? InstigatorStatus::kRunning : InstigatorStatus::kStopped;
  api.instance->storage().set_instigator_status(name, kind, status);
  return json_response({{"name", name}, {"state", instigator_status_name(status)}});
}

BackfillRunner::~BackfillRunner() { stop(); }

void BackfillRunner::add(const std::string& backfill_id, std::shared_ptr<RunCancellation> cancel, std::thread thread) {
  std::lock_guard lock(mutex_);
  cancels_[backfill_id] = std::move(cancel);
  threads_.push_back(std::move(thread));
}

bool BackfillRunner::cancel(const std::string& backfill_id) {
  std::lock_guard lock(mutex_);
  auto it = cancels_.find(backfill_id);
  if (it == cancels_.end()) return false;
  it->second->cancel("backfill canceled from the web UI");
  return true;
}

void BackfillRunner::stop() {
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(mutex_);
    for (auto& [_, cancel] : cancels_) cancel->cancel("the web UI stopped");
    threads.swap(threads_);
  }
  for (auto& thread : threads) {
    if (thread.joinable()) thread.join();
  }
}

}  // namespace strata::web
