#include "strata/execution/executor.hpp"

#include <cxxabi.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <deque>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <thread>

#include "event_dispatcher.hpp"
#include "run_result_data.hpp"
#include "step_launcher.hpp"
#include "strata/core/execution_context.hpp"
#include "strata/core/io_manager.hpp"
#include "strata/core/per_partition.hpp"
#include "strata/core/secret_masking.hpp"
#include "strata/core/system_metadata.hpp"
#include "strata/execution/step_config.hpp"
#include "strata/io/filesystem_io_manager.hpp"
#include "strata/storage/event_writer.hpp"
#include "strata/storage/instance.hpp"
#include "strata/storage/pool_slots.hpp"

namespace strata {

namespace {

namespace fs = std::filesystem;

// A temporary STRATA_HOME, removed with everything in it when the last RunResult holding it goes.
std::shared_ptr<void> make_temporary_home(fs::path& path) {
  std::string pattern = (fs::temp_directory_path() / "strata-home-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) throw StorageError("cannot create a temporary STRATA_HOME in /tmp");
  path = pattern;
  return std::shared_ptr<void>(nullptr, [path](void*) {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  });
}

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

std::string owner_name(const NodeDef& node) {
  if (node.outputs.size() == 1 && node.outputs[0].asset_key) return node.outputs[0].asset_key->to_string();
  return node.name;
}

// A run of several partitions: every asset output it stores must be storable as a range by its
// manager, or come as PerPartition values (checked on the resources' definitions; run config
// changes fields, never a manager's kind).
void validate_partition_ranges(const ExecutionPlan& plan) {
  for (const auto& step : plan.steps()) {
    if (!step.node->partitions) continue;
    for (size_t i = 0; i < step.node->outputs.size(); ++i) {
      const std::string& key = step.output_managers[i];
      auto it = plan.resources().find(key);
      std::string problem = partition_range_problem(step.node->outputs[i], key,
                                                    it == plan.resources().end() ? nullptr : &it->second.prototype());
      if (!problem.empty()) throw PartitionError(problem);
    }
  }
}

}  // namespace

// Refuses, before anything runs, a partitioned selection without keys, keys for an unpartitioned
// selection, assets partitioned differently, and keys that are not partitions of the assets.
void validate_partition_keys(const ExecutionPlan& plan, const std::vector<std::string>& keys,
                             DynamicPartitionsStore* store) {
  const NodeDef* partitioned = nullptr;
  const NodeDef* plain = nullptr;
  for (const auto& step : plan.steps()) {
    const NodeDef& node = *step.node;
    if (!node.partitions) {
      if (!plain) plain = &node;
      continue;
    }
    if (partitioned && !partitioned->partitions->same_as(*node.partitions)) {
      throw PartitionError("assets '" + owner_name(*partitioned) + "' (" + partitioned->partitions->describe() +
                           ") and '" + owner_name(node) + "' (" + node.partitions->describe() +
                           ") are partitioned differently; materialize them in separate runs");
    }
    if (!partitioned) partitioned = &node;
  }
  if (partitioned && keys.empty()) {
    throw PartitionError("asset '" + owner_name(*partitioned) + "' is partitioned (" +
                         partitioned->partitions->describe() + "): give a partition key, " +
                         partitioned->partitions->format_hint(store));
  }
  if (!partitioned && !keys.empty()) {
    throw PartitionError("partition key '" + keys.front() + "' given, but " +
                         (plain ? "asset '" + owner_name(*plain) + "' is" : std::string("the selected assets are")) +
                         " not partitioned");
  }
  for (const auto& key : keys) partitioned->partitions->validate_key(key, owner_name(*partitioned), store);
  if (keys.size() > 1) validate_partition_ranges(plan);
}

class Run;

// The executor's side of one running step: loads inputs, stores yielded outputs.
class StepRunner : public StepRuntime {
 public:
  StepRunner(Run& run, int index, int64_t start_us);
  void load_inputs();
  void check_required_outputs() const;
  const Value& input(size_t index) override { return inputs_.at(index); }
  void yield_output(size_t index, Value value, Metadata metadata) override;
  void yield_per_partition(size_t index, std::vector<std::pair<std::string, Value>> values, Metadata metadata) override;
  void add_output_metadata(size_t index, const Metadata& metadata) override;
  bool is_canceled() const override;
  bool wait_unless_canceled(std::chrono::milliseconds timeout) const override;
  const Value& config() override;
  const Logger& logger() const { return logger_; }

 private:
  Run& run_;
  int index_;
  int64_t start_us_;
  const PlanStep& step_;
  Logger logger_;
  // One object to store: a value and the partitions it covers.
  struct Piece {
    PartitionScope scope;
    Value value;
  };
  // Stores output `index` as `pieces` (one, or one per partition), records the materializations,
  // then publishes what the manager staged (or discards it all when anything fails first).
  void store_output(size_t index, std::vector<Piece> pieces, const Metadata& metadata);

  std::vector<Value> inputs_;
  std::vector<Metadata> pending_metadata_;
};

class Run {
 public:
  struct StepState {
    std::atomic<int> pending{0};
    StepStatus status = StepStatus::kNotStarted;
    bool skipped_by_design = false;  // skipped only because optional outputs were not produced
    std::vector<char> yielded;
    std::vector<std::shared_ptr<const OutputContext>> outputs;
  };

  Run(const ExecutionPlan& plan, RunOptions options)
      : plan_(plan),
        options_(std::move(options)),
        data_(std::make_shared<RunResult::Data>()),
        states_(plan.steps().size()),
        cancellation_(options_.cancellation ? options_.cancellation : std::make_shared<RunCancellation>()) {
    if (options_.on_event) dispatcher_ = std::make_unique<detail::EventDispatcher>(options_.on_event);
    data_->run_id = options_.run_id.empty() ? new_run_id() : options_.run_id;
    data_->job_name = plan.job_name();
    if (options_.strata_home.empty() && options_.instance) options_.strata_home = options_.instance->home();
    if (options_.strata_home.empty()) {
      data_->temporary_home = make_temporary_home(data_->strata_home);
    } else {
      data_->strata_home = options_.strata_home;
    }
    data_->steps.resize(plan.steps().size());
    for (size_t i = 0; i < plan.steps().size(); ++i) {
      const PlanStep& step = plan.steps()[i];
      data_->steps[i].key = step.key;
      states_[i].pending.store(static_cast<int>(step.upstream.size()), std::memory_order_relaxed);
      states_[i].yielded.assign(step.node->outputs.size(), 0);
      states_[i].outputs.resize(step.node->outputs.size());
    }
  }

  DynamicPartitionsStore* partition_store() const {
    return options_.instance ? &options_.instance->storage() : nullptr;
  }

  // Refuses, before anything runs, partition keys that do not fit the plan (validate_partition_keys).
  void validate_partitions() const { validate_partition_keys(plan_, options_.partition_keys, partition_store()); }

  PartitionScope step_scope(const NodeDef& node) const {
    if (!node.partitions) return {};
    return make_partition_scope(*node.partitions, options_.partition_keys);
  }

  RunResult execute() {
    validate_partitions();
    step_configs_ = configure_steps(plan_, options_.run_config);  // refused here: nothing runs
    data_->start_us = now_unix_us();
    if (options_.instance) {
      // Recorded before anything runs: a StorageError here means nothing ran.
      if (!options_.claimed_from_queue) options_.instance->storage().add_run(run_record());
      writer_ = std::make_unique<EventWriter>(options_.instance->storage());
    }
    emit(make_event(EventType::kRunStart, "",
                    "Started run of " + plan_.job_name() + " (" + std::to_string(plan_.steps().size()) + " steps)"));
    start_cancel_watcher();
    // With a launcher, each step's process sets up the resources it uses.
    std::string setup_error =
        launcher_ ? check_configured_resources() : setup_resources(plan_.required_resource_keys());
    if (setup_error.empty()) run_steps();
    std::string teardown_error = teardown_resources();
    stop_cancel_watcher();
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
      Event event = make_event(EventType::kRunCanceled, "",
                               "Run of " + plan_.job_name() + " canceled: " + cancellation_->reason() +
                                   (failed.empty() ? "" : " (stopped or failed steps: " + failed + ")"));
      event.level = LogLevel::kWarning;
      emit(std::move(event));
    } else if (ok) {
      emit(make_event(EventType::kRunSuccess, "", "Finished run of " + plan_.job_name()));
    } else {
      std::string why = !setup_error.empty()      ? setup_error
                        : !failed.empty()         ? "steps failed: " + failed
                        : !teardown_error.empty() ? teardown_error
                                                  : "steps were skipped";
      Event event = make_event(EventType::kRunFailure, "", "Run of " + plan_.job_name() + " failed: " + why);
      event.level = LogLevel::kError;
      emit(std::move(event));
    }
    record_end();
    if (dispatcher_) dispatcher_->drain();  // the listener has seen every event when the run returns
    return RunResult(data_);
  }

  // The run as the instance records it; run config values from the environment are never in the
  // document, and secrets (secret fields, secret-looking keys, URL passwords) are masked. The
  // config of every step that takes one is recorded whole, defaults included.
  RunRecord run_record() const {
    RunRecord record;
    record.run_id = data_->run_id;
    record.job_name = plan_.job_name();
    for (const auto& key : plan_.asset_keys())
      record.selection += (record.selection.empty() ? "" : ",") + key.to_string();
    record.status = RunStatus::kStarted;
    record.tags = run_tags(options_.tags, options_.partition_keys);
    record.run_config = recorded_run_config(plan_, options_.run_config, step_configs_).dump();
    record.owner_host = Instance::host_name();
    record.owner_pid = ::getpid();
    record.owner_start_ticks = Instance::process_start_ticks(record.owner_pid);
    record.create_time_us = data_->start_us;
    record.start_time_us = data_->start_us;
    return record;
  }

  // Makes every event durable, then records how the run ended. A storage failure fails the run.
  void record_end() {
    if (!writer_) return;
    try {
      writer_->flush();
      RunStatus status = data_->success    ? RunStatus::kSuccess
                         : data_->canceled ? RunStatus::kCanceled
                                           : RunStatus::kFailure;
      options_.instance->storage().update_run_status(data_->run_id, status, data_->end_us);
    } catch (const std::exception& e) {
      data_->success = false;
      std::lock_guard lock(events_mutex_);
      Event event = make_event(EventType::kRunFailure, "", std::string("recording the run failed: ") + e.what());
      event.run_id = data_->run_id;
      event.timestamp_us = now_unix_us();
      event.level = LogLevel::kError;
      data_->events.push_back(std::move(event));
    }
    writer_.reset();
  }

  bool canceled() const { return cancellation_->canceled(); }
  const RunCancellation& cancellation() const { return *cancellation_; }

  // A thread that, every 20 ms while the run goes on, cancels the run once the instance records it
  // as CANCELING (`runs cancel` from any process), and logs "Canceling the run: <reason>" once the
  // run is canceled by any means (so a reader of the event log knows its steps are being stopped).
  // Not started for a run that nothing can cancel (no instance, no RunOptions::cancellation).
  void start_cancel_watcher() {
    if (!options_.instance && !options_.cancellation) return;
    watcher_ = std::thread([this] {
      std::unique_lock lock(watcher_mutex_);
      while (!watcher_stop_) {
        watcher_cv_.wait_for(lock, std::chrono::milliseconds(20), [&] { return watcher_stop_; });
        if (watcher_stop_) break;
        lock.unlock();
        if (!canceled() && options_.instance) {
          try {
            auto record = options_.instance->storage().get_run(data_->run_id);
            if (record && record->status == RunStatus::kCanceling) {
              cancellation_->cancel("canceled through the instance (runs cancel)");
            }
          } catch (const std::exception&) {
            // Unreadable storage now: the next poll tries again; the run reports storage failures.
          }
        }
        if (canceled()) {
          Event event = make_event(EventType::kLog, "", "Canceling the run: " + cancellation_->reason());
          event.level = LogLevel::kWarning;
          emit(std::move(event));
          return;
        }
        lock.lock();
      }
    });
  }
  void stop_cancel_watcher() {
    if (!watcher_.joinable()) return;
    {
      std::lock_guard lock(watcher_mutex_);
      watcher_stop_ = true;
    }
    watcher_cv_.notify_all();
    watcher_.join();
  }

  // The delay before another attempt of `step` after attempt `attempt` failed with `error`, or none
  // when it is not retried (no policy or request, retries used up, or the run was canceled).
  std::optional<std::chrono::milliseconds> retry_delay(const PlanStep& step, const std::exception& error, int attempt) {
    if (canceled() || dynamic_cast<const CanceledError*>(&error) != nullptr) return std::nullopt;
    const auto* requested = dynamic_cast<const RetryRequested*>(&error);
    int allowed =
        std::max(step.retry_policy ? step.retry_policy->max_retries : 0, requested ? requested->max_retries() : 0);
    if (attempt > allowed) return std::nullopt;
    if (requested && !step.retry_policy) return requested->wait();
    double unit = 0;
    {
      std::lock_guard lock(jitter_mutex_);
      unit = std::uniform_real_distribution<double>(0.0, 1.0)(jitter_random_);
    }
    auto delay = step.retry_policy ? step.retry_policy->delay_before(attempt, unit) : std::chrono::milliseconds(0);
    return requested ? std::max(delay, requested->wait()) : delay;
  }

  Event make_event(EventType type, const std::string& step_key, std::string message) const {
    Event event;
    event.type = type;
    event.step_key = step_key;
    event.message = std::move(message);
    return event;
  }

  void emit(Event event) {
    event.run_id = data_->run_id;
    event.timestamp_us = now_unix_us();
    record(std::move(event));
  }

  // Records an event as it is (run id and time already set): in a worker, sends it to the run.
  void record(Event event) {
    std::lock_guard lock(events_mutex_);
    if (channel_) {
      channel_->send(event);
      return;
    }
    if (dispatcher_) dispatcher_->post(event);
    if (writer_) writer_->append(event);
    data_->events.push_back(std::move(event));
  }

  void keep_output(const PlanStep& step, const OutputDef& out, const Value& value) {
    if (!options_.keep_outputs || !value.has_value()) return;
    std::lock_guard lock(events_mutex_);
    data_->outputs.insert_or_assign({step.key, out.name}, value);
    if (out.asset_key) data_->asset_outputs.insert_or_assign(*out.asset_key, std::make_pair(step.key, out.name));
  }

  Logger logger_for(const std::string& step_key) {
    return Logger([this, step_key](LogLevel level, std::string_view message) {
      Event event = make_event(EventType::kLog, step_key, std::string(message));
      event.level = level;
      emit(std::move(event));
    });
  }

  // Whether events go to an instance; commit_events() makes every event emitted so far durable.
  bool records_events() const { return writer_ != nullptr || (channel_ && channel_->records_events()); }
  void commit_events() {
    if (channel_) {
      channel_->commit();
    } else {
      writer_->flush();
    }
  }

  // Steps run through `launcher` (in other processes) instead of on this process's threads.
  void set_launcher(std::unique_ptr<detail::StepLauncher> launcher) { launcher_ = std::move(launcher); }

  // In a worker process: runs step `index` alone, its in-run upstream outputs taken as yielded,
  // its events sent through `channel`.
  detail::WorkerOutcome execute_in_worker(int index, detail::StepChannel& channel) {
    channel_ = &channel;
    const PlanStep& step = plan_.steps()[static_cast<size_t>(index)];
    detail::WorkerOutcome outcome;
    std::string error;
    try {
      step_configs_ = configure_steps(plan_, options_.run_config);  // as the run did before it started
    } catch (const std::exception& e) {
      error = e.what();
    }
    if (error.empty()) error = setup_resources(step_resource_keys(step));
    if (error.empty()) {
      for (const auto& input : step.inputs) {
        if (input.step < 0) continue;
        StepState& upstream = state(input.step);
        upstream.status = StepStatus::kSuccess;
        upstream.yielded[static_cast<size_t>(input.output)] = 1;
        const OutputDef& out = *input.upstream_output;
        upstream.outputs[static_cast<size_t>(input.output)] = std::make_shared<OutputContext>(OutputContextFields{
            out.asset_key, out.name, input.upstream_step_key, data_->run_id, out.metadata, out.type, out.code_version,
            step_scope(*input.upstream_node), logger_for(step.key), &resources_, false});
      }
      try {
        data_->steps[static_cast<size_t>(index)].start_us = now_unix_us();
        run_attempt(index);
        outcome.success = true;
      } catch (const std::exception& e) {
        outcome.error_type = detail::error_type_of(e);
        outcome.error_message = e.what();
        if (const auto* retry = dynamic_cast<const RetryRequested*>(&e)) {
          outcome.retry_requested = std::make_pair(retry->max_retries(), static_cast<int64_t>(retry->wait().count()));
        }
      }
    } else {
      outcome.error_type = "ConfigError";
      outcome.error_message = error;
    }
    std::string teardown_error = teardown_resources();
    if (outcome.success && !teardown_error.empty()) {
      outcome.success = false;
      outcome.error_message = teardown_error;
    }
    outcome.yielded = state(index).yielded;
    return outcome;
  }

  const ExecutionPlan& plan() const { return plan_; }
  const RunOptions& options() const { return options_; }
  const std::string& run_id() const { return data_->run_id; }
  const Resources& resources() const { return resources_; }
  StepState& state(int index) { return states_[static_cast<size_t>(index)]; }
  const Value& step_config(int index) const { return step_configs_[static_cast<size_t>(index)]; }

 private:
  // An error when the run config configures a resource that is not defined, else "".
  std::string check_configured_resources() {
    for (const std::string& key : options_.run_config.configured_resource_keys()) {
      if (!plan_.resources().count(key)) {
        std::string error =
            "resource initialization failed: run config configures resource '" + key + "', which is not defined";
        Event event = make_event(EventType::kLog, "", error);
        event.level = LogLevel::kError;
        event.error_type = ConfigError("").code();
        emit(std::move(event));
        return error;
      }
    }
    return "";
  }

  // Instantiates, configures and sets up the resources `keys`; returns an error or "".
  std::string setup_resources(const std::vector<std::string>& keys) {
    if (std::string error = check_configured_resources(); !error.empty()) return error;
    try {
      for (const std::string& key : keys) {
        InitContext init{key, data_->run_id, data_->strata_home, &resources_, logger_for("")};
        if (channel_) {
          init.latest_materialization_run = [channel = channel_](const AssetKey& asset,
                                                                 const std::optional<std::string>& partition) {
            return channel->latest_materialization_run(asset, partition);
          };
        } else if (options_.instance) {
          init.latest_materialization_run = [instance = options_.instance](
                                                const AssetKey& asset, const std::optional<std::string>& partition) {
            auto latest = instance->storage().latest_materialization(asset, partition);
            return latest ? latest->event.run_id : std::string();
          };
        }
        std::shared_ptr<Resource> resource;
        auto it = plan_.resources().find(key);
        if (it != plan_.resources().end()) {
          resource = it->second.instantiate(key, options_.run_config);
        } else if (key == kDefaultIOManagerKey) {
          // The built-in default: under the instance's storage directory (strata.yaml io_manager.base_dir).
          std::string base = options_.instance ? options_.instance->config().storage_base_dir.string() : "";
          resource = std::make_shared<FilesystemIOManager>(FilesystemIOManager::Options{.base_dir = base});
        } else {
          throw ConfigError("resource '" + key + "' is required but not defined");
        }
        resource->setup(init);
        set_up_.push_back(resource);
        if (auto* factory = dynamic_cast<IOManagerFactory*>(resource.get())) {
          std::shared_ptr<IOManager> manager = factory->create_io_manager(init);
          if (!manager) throw ConfigError("I/O manager factory '" + key + "' created no manager");
          manager->setup(init);
          set_up_.push_back(manager);
          resources_.put(key, std::move(manager));
        } else {
          resources_.put(key, std::move(resource));
        }
      }
      return "";
    } catch (const std::exception& e) {
      Event event = make_event(EventType::kLog, "", std::string("resource initialization failed: ") + e.what());
      event.level = LogLevel::kError;
      event.error_type = detail::error_type_of(e);
      emit(std::move(event));
      return std::string("resource initialization failed: ") + e.what();
    }
  }

  std::string teardown_resources() {
    std::string error;
    for (auto it = set_up_.rbegin(); it != set_up_.rend(); ++it) {
      try {
        (*it)->teardown();
      } catch (const std::exception& e) {
        Event event = make_event(EventType::kLog, "", std::string("resource teardown failed: ") + e.what());
        event.level = LogLevel::kError;
        emit(std::move(event));
        if (error.empty()) error = std::string("resource teardown failed: ") + e.what();
      }
    }
    set_up_.clear();
    return error;
  }

  void run_steps() {
    const auto& steps = plan_.steps();
    if (steps.empty()) return;
    unfinished_ = steps.size();
    for (size_t i = 0; i < steps.size(); ++i) {
      if (steps[i].upstream.empty()) ready_.push_back(static_cast<int>(i));
    }
    int concurrency = options_.max_concurrency > 0
                          ? options_.max_concurrency
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    concurrency = std::min<int>(concurrency, static_cast<int>(steps.size()));
    std::vector<std::thread> helpers;
    for (int i = 1; i < concurrency; ++i) helpers.emplace_back([this] { work(); });
    work();
    for (auto& helper : helpers) helper.join();
  }

  void work() {
    for (;;) {
      int next = -1;
      {
        std::unique_lock lock(queue_mutex_);
        queue_cv_.wait(lock, [&] { return !ready_.empty() || unfinished_ == 0; });
        if (ready_.empty()) return;
        next = ready_.front();
        ready_.pop_front();
      }
      // Continue inline with one newly ready successor: a chain runs on one thread, no hand-offs.
      while (next >= 0) next = process(next);
    }
  }

  int process(int index) {
    execute_step(index);
    int inline_next = -1;
    size_t queued = 0;
    std::lock_guard lock(queue_mutex_);
    for (int down : plan_.steps()[static_cast<size_t>(index)].downstream) {
      if (state(down).pending.fetch_sub(1, std::memory_order_acq_rel) == 1) {
        if (inline_next < 0) {
          inline_next = down;
        } else {
          ready_.push_back(down);
          ++queued;
        }
      }
    }
    if (--unfinished_ == 0) {
      queue_cv_.notify_all();
    } else {
      for (size_t i = 0; i < queued; ++i) queue_cv_.notify_one();
    }
    return inline_next;
  }

  // Why `step` cannot run, or "". `by_design` tells whether the skip follows only from optional
  // outputs that were not produced (a successful run) rather than from a failure upstream.
  std::string skip_reason(const PlanStep& step, bool& by_design) {
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

  void execute_step(int index) {
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
      emit(make_event(EventType::kStepSkipped, step.key, "Skipped: " + reason));
      return;
    }
    emit(make_event(EventType::kStepStart, step.key, "Started execution of step '" + step.key + "'"));
    for (int attempt = 1;; ++attempt) {
      result.attempts = attempt;
      try {
        run_attempt(index);
        st.status = StepStatus::kSuccess;
        result.status = StepStatus::kSuccess;
        result.end_us = now_unix_us();
        emit(make_event(EventType::kStepSuccess, step.key,
                        "Finished execution of step '" + step.key + "' in " +
                            format_ms(result.end_us - result.start_us) +
                            (attempt > 1 ? " (attempt " + std::to_string(attempt) + ")" : "")));
        return;
      } catch (const std::exception& e) {
        result.attempt_errors.push_back(e.what());
        if (auto delay = retry_delay(step, e, attempt)) {
          Event retry = make_event(EventType::kStepUpForRetry, step.key,
                                   "Attempt " + std::to_string(attempt) + " of step '" + step.key +
                                       "' failed: " + e.what() + "; retrying in " + format_ms(delay->count() * 1000));
          retry.level = LogLevel::kWarning;
          retry.error_type = detail::error_type_of(e);
          retry.metadata = {{"attempt", static_cast<int64_t>(attempt)},
                            {"delay_ms", static_cast<int64_t>(delay->count())}};
          emit(std::move(retry));
          if (!cancellation_->wait_for(*delay)) {
            std::fill(st.yielded.begin(), st.yielded.end(), 0);
            Event restarted =
                make_event(EventType::kStepRestarted, step.key,
                           "Started attempt " + std::to_string(attempt + 1) + " of step '" + step.key + "'");
            restarted.metadata = {{"attempt", static_cast<int64_t>(attempt + 1)}};
            emit(std::move(restarted));
            continue;
          }
        }
        fail_step(index, e);
        return;
      }
    }
  }

  // One attempt of a step: loads its inputs, runs its function, stores its outputs.
  void run_attempt(int index) {
    const PlanStep& step = plan_.steps()[static_cast<size_t>(index)];
    PoolSlotLease pool_slot = hold_pool_slot(step);  // freed when the attempt ends, however it ends
    if (launcher_) {                                 // in a process of its own
      detail::StepLaunch launch{step,
                                data_->run_id,
                                data_->strata_home,
                                records_events(),
                                [this](Event event) { record(std::move(event)); },
                                [this] { commit_events(); },
                                state(index).yielded,
                                *cancellation_};
      launcher_->run_step(launch);
      return;
    }
    try {
      StepRunner runner(*this, index, data_->steps[static_cast<size_t>(index)].start_us);
      runner.load_inputs();
      ExecutionContext context(*step.node, data_->run_id, step.key, runner.logger(), resources_, step_scope(*step.node),
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

  // Records the failure of a step's last attempt (with every attempt's error when it was retried)
  // and, unless the run was canceled, that its assets were not materialized.
  void fail_step(int index, const std::exception& e) {
    const PlanStep& step = plan_.steps()[static_cast<size_t>(index)];
    StepState& st = state(index);
    StepResult& result = data_->steps[static_cast<size_t>(index)];
    st.status = StepStatus::kFailure;
    result.status = StepStatus::kFailure;
    result.end_us = now_unix_us();
    result.error_type = detail::error_type_of(e);
    result.error_message = e.what();
    if (result.attempt_errors.size() > 1) {
      std::string all;
      for (size_t i = 0; i < result.attempt_errors.size(); ++i) {
        all += (i ? "; " : "") + std::string("attempt ") + std::to_string(i + 1) + ": " + result.attempt_errors[i];
      }
      result.error_message = "failed after " + std::to_string(result.attempt_errors.size()) + " attempts: " + all;
    }
    Event event = make_event(EventType::kStepFailure, step.key, result.error_message);
    event.level = LogLevel::kError;
    event.error_type = result.error_type;
    if (result.attempts > 1) event.metadata = {{"attempts", static_cast<int64_t>(result.attempts)}};
    emit(std::move(event));
    if (canceled()) return;  // stopped, not failed: partition status keeps the previous state
    std::vector<std::optional<std::string>> partitions = {std::nullopt};
    if (step.node->partitions) partitions.assign(options_.partition_keys.begin(), options_.partition_keys.end());
    for (size_t i = 0; i < step.node->outputs.size(); ++i) {
      const OutputDef& out = step.node->outputs[i];
      if (!out.asset_key || st.yielded[i]) continue;
      for (const auto& partition : partitions) {
        Event failed = make_event(EventType::kMaterializationFailed, step.key,
                                  "Asset '" + out.asset_key->to_string() + "' was not materialized: the step failed");
        failed.asset_key = out.asset_key;
        failed.name = out.name;
        failed.partition = partition;
        failed.level = LogLevel::kError;
        emit(std::move(failed));
      }
    }
  }

  // Waits for a slot of the step's concurrency pool, when it names one the instance limits.
  PoolSlotLease hold_pool_slot(const PlanStep& step) {
    return PoolSlotLease::acquire(
        options_.instance.get(), step.node->pool, data_->run_id, step.key, [&](int64_t limit) {
          emit(
              make_event(EventType::kLog, step.key,
                         "Waiting for a slot of pool '" + step.node->pool + "' (limit " + std::to_string(limit) + ")"));
        });
  }

  const ExecutionPlan& plan_;
  RunOptions options_;
  std::unique_ptr<detail::StepLauncher> launcher_;
  detail::StepChannel* channel_ = nullptr;
  std::shared_ptr<RunResult::Data> data_;
  std::vector<StepState> states_;
  std::vector<Value> step_configs_;  // one per step: its config object, empty when it takes none
  Resources resources_;
  std::vector<std::shared_ptr<Resource>> set_up_;
  std::mutex events_mutex_;
  std::unique_ptr<EventWriter> writer_;
  std::unique_ptr<detail::EventDispatcher> dispatcher_;  // set when options_.on_event is
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;
  std::deque<int> ready_;
  size_t unfinished_ = 0;
  std::shared_ptr<RunCancellation> cancellation_;
  std::mutex watcher_mutex_;
  std::condition_variable watcher_cv_;
  bool watcher_stop_ = false;
  std::thread watcher_;
  std::mt19937_64 jitter_random_{std::random_device{}()};
  std::mutex jitter_mutex_;
};

StepRunner::StepRunner(Run& run, int index, int64_t start_us)
    : run_(run),
      index_(index),
      start_us_(start_us),
      step_(run.plan().steps()[static_cast<size_t>(index)]),
      logger_(run.logger_for(step_.key)),
      pending_metadata_(step_.node->outputs.size()) {}

void StepRunner::load_inputs() {
  const NodeDef& node = *step_.node;
  inputs_.reserve(step_.inputs.size());
  for (size_t i = 0; i < step_.inputs.size(); ++i) {
    const PlanInput& source = step_.inputs[i];
    const InputDef& def = node.inputs[i];
    Resource& resource = run_.resources().at(source.manager_key);
    auto* manager = dynamic_cast<InputManager*>(&resource);
    if (manager == nullptr) {
      throw ConfigError("input '" + def.name + "' of step '" + step_.key + "': resource '" + source.manager_key +
                        "' is not an input or I/O manager");
    }
    PartitionScope scope;
    if (source.mapping) {
      const PartitionsDefinition& upstream_partitions = *source.upstream_node->partitions;
      const PartitionsDefinition* own = node.partitions.get();
      std::vector<std::string> keys =
          source.mapping->upstream_keys(own ? run_.options().partition_keys : std::vector<std::string>{}, own,
                                        upstream_partitions, run_.partition_store());
      scope = make_partition_scope(upstream_partitions, std::move(keys));
    }
    std::shared_ptr<const OutputContext> upstream;
    if (source.step >= 0) {
      upstream = run_.state(source.step).outputs[static_cast<size_t>(source.output)];
    } else if (source.upstream_output != nullptr) {
      upstream = std::make_shared<OutputContext>(
          OutputContextFields{source.upstream_output->asset_key, source.upstream_output->name, source.upstream_step_key,
                              source.from_run_id, source.upstream_output->metadata, source.upstream_output->type,
                              source.upstream_output->code_version, scope, logger_, &run_.resources()});
    }
    InputContext context(InputContextFields{def.asset_key, def.name, step_.key, run_.run_id(), def.metadata, def.type,
                                            std::move(scope), logger_, &run_.resources(), std::move(upstream)});
    Value value = manager->load_input(context);
    if (!value.has_value() || !(value.type() == *def.type)) {
      throw TypeMismatchError("input '" + def.name + "' of step '" + step_.key + "' expects " + def.type->name +
                              " but manager '" + source.manager_key + "' returned " +
                              (value.has_value() ? value.type().name : std::string("nothing")));
    }
    Event event = run_.make_event(EventType::kLoadedInput, step_.key,
                                  "Loaded input '" + def.name + "' using input manager '" + source.manager_key + "'");
    event.name = def.name;
    event.asset_key = def.asset_key;
    run_.emit(std::move(event));
    inputs_.push_back(std::move(value));
  }
}

void StepRunner::yield_output(size_t index, Value value, Metadata metadata) {
  std::vector<Piece> pieces;
  pieces.push_back({run_.step_scope(*step_.node), std::move(value)});
  store_output(index, std::move(pieces), metadata);
}

void StepRunner::yield_per_partition(size_t index, std::vector<std::pair<std::string, Value>> values,
                                     Metadata metadata) {
  const NodeDef& node = *step_.node;
  PartitionScope scope = run_.step_scope(node);
  std::map<std::string, Value> by_key;
  for (auto& [key, value] : values) by_key.emplace(key, std::move(value));
  std::vector<std::string> missing;
  for (const auto& key : scope.keys) {
    if (!by_key.count(key)) missing.push_back(key);
  }
  std::vector<std::string> unexpected;
  std::set<std::string> in_scope(scope.keys.begin(), scope.keys.end());
  for (const auto& [key, value] : by_key) {
    if (!in_scope.count(key)) unexpected.push_back(key);
  }
  if (node.partitions == nullptr || !missing.empty() || !unexpected.empty()) {
    auto list = [](const std::vector<std::string>& keys) {
      std::string text;
      for (size_t i = 0; i < keys.size() && i < 10; ++i) text += (i ? ", " : "") + keys[i];
      return keys.size() > 10 ? text + ", ... (" + std::to_string(keys.size()) + " in all)" : text;
    };
    std::string why = node.partitions == nullptr ? "the asset is not partitioned"
                      : !missing.empty()         ? "no value for partition(s) " + list(missing)
                                                 : "value(s) for partition(s) not in this run: " + list(unexpected);
    throw Error("step '" + step_.key + "' returned PerPartition values that do not match the run's " +
                std::to_string(scope.keys.size()) + " partition(s): " + why);
  }
  std::vector<Piece> pieces;
  for (const auto& key : scope.keys) {
    pieces.push_back({make_partition_scope(*node.partitions, {key}), std::move(by_key.at(key))});
  }
  store_output(index, std::move(pieces), metadata);
}

bool StepRunner::is_canceled() const { return run_.canceled(); }

bool StepRunner::wait_unless_canceled(std::chrono::milliseconds timeout) const {
  return run_.cancellation().wait_for(timeout);
}

void StepRunner::store_output(size_t index, std::vector<Piece> pieces, const Metadata& metadata) {
  auto& st = run_.state(index_);
  const OutputDef& out = step_.node->outputs.at(index);
  if (st.yielded[index]) throw Error("step '" + step_.key + "' yielded output '" + out.name + "' twice");
  if (run_.canceled()) {
    throw CanceledError("step '" + step_.key + "' yielded output '" + out.name +
                        "' after the run was canceled; it was not stored");
  }
  for (const auto& piece : pieces) {
    if (out.has_value() && !piece.value.has_value()) {
      throw Error("step '" + step_.key + "' yielded no value for output '" + out.name + "'");
    }
  }
  IOManager* manager = nullptr;
  std::string manager_key;
  if (out.has_value()) {
    manager_key = step_.output_managers[index];
    manager = dynamic_cast<IOManager*>(&run_.resources().at(manager_key));
    if (manager == nullptr)
      throw ConfigError("output '" + out.name + "': resource '" + manager_key + "' is not an I/O manager");
  }
  // With an instance, new asset data becomes what readers load only after its materialization is
  // durable: a run that dies in between never changes what downstream reads.
  bool deferred = manager != nullptr && manager->stages_outputs() && run_.records_events() && out.asset_key;
  std::vector<std::shared_ptr<OutputContext>> contexts;  // one per piece, in order
  size_t staged = 0;                                     // pieces whose data the manager holds staged
  try {
    for (auto& piece : pieces) {
      auto context = std::make_shared<OutputContext>(
          OutputContextFields{out.asset_key, out.name, step_.key, run_.run_id(), out.metadata, out.type,
                              out.code_version, piece.scope, logger_, &run_.resources(), deferred});
      context->add_output_metadata(pending_metadata_[index]);
      context->add_output_metadata(metadata);
      contexts.push_back(context);
      if (manager != nullptr) {
        manager->handle_output(*context, piece.value);
        if (deferred) ++staged;
      }
    }
    int64_t duration_us = now_unix_us() - start_us_;
    for (const auto& context : contexts) {
      if (out.has_value()) {
        Event handled = run_.make_event(EventType::kHandledOutput, step_.key,
                                        "Handled output '" + out.name + "' using I/O manager '" + manager_key + "'");
        handled.name = out.name;
        handled.asset_key = out.asset_key;
        handled.metadata = context->output_metadata();
        run_.emit(std::move(handled));
      }
      if (!out.asset_key) continue;
      // One materialization per partition the output covers (one for an unpartitioned asset).
      const auto& keys = context->partition_scope().keys;
      std::vector<std::optional<std::string>> partitions = {std::nullopt};
      if (!keys.empty()) partitions.assign(keys.begin(), keys.end());
      Metadata recorded = context->output_metadata();
      recorded.set(kMetadataDuration, static_cast<double>(duration_us) / 1000.0);
      for (const auto& partition : partitions) {
        Event materialization = run_.make_event(EventType::kMaterialization, step_.key,
                                                "Materialized asset '" + out.asset_key->to_string() + "'" +
                                                    (partition ? " partition '" + *partition + "'" : ""));
        materialization.name = out.name;
        materialization.asset_key = out.asset_key;
        materialization.partition = partition;
        materialization.metadata = recorded;
        run_.emit(std::move(materialization));
      }
    }
    if (staged > 0) run_.commit_events();
  } catch (...) {
    for (size_t i = 0; i < staged; ++i) manager->discard_output(*contexts[i]);
    throw;
  }
  for (size_t i = 0; i < staged; ++i) manager->publish_output(*contexts[i]);
  if (contexts.size() == 1) {
    st.outputs[index] = contexts.front();
  } else {
    // Several partitions: what downstream sees of this output covers the run's whole scope.
    st.outputs[index] = std::make_shared<OutputContext>(
        OutputContextFields{out.asset_key, out.name, step_.key, run_.run_id(), out.metadata, out.type, out.code_version,
                            run_.step_scope(*step_.node), logger_, &run_.resources(), deferred});
  }
  st.yielded[index] = 1;
  if (pieces.size() == 1) run_.keep_output(step_, out, pieces.front().value);
}

void StepRunner::add_output_metadata(size_t index, const Metadata& metadata) {
  if (run_.state(index_).yielded[index]) {
    throw Error("step '" + step_.key + "' added metadata to output '" + step_.node->outputs[index].name +
                "' after it was stored");
  }
  pending_metadata_[index].merge(metadata);
}

const Value& StepRunner::config() { return run_.step_config(index_); }

void StepRunner::check_required_outputs() const {
  auto& st = run_.state(index_);
  for (size_t i = 0; i < step_.node->outputs.size(); ++i) {
    const OutputDef& out = step_.node->outputs[i];
    if (out.is_required && !st.yielded[i]) {
      throw Error("step '" + step_.key + "' did not yield required output '" + out.name + "'");
    }
  }
}

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
  Run run(plan, std::move(options));
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
