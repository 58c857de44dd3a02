#include "run_commands.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include "error_report.hpp"
#include "interrupt_watcher.hpp"
#include "progress_display.hpp"
#include "run_history_commands.hpp"
#include "strata/core/util/nearest_name.hpp"
#include "strata/daemon/daemon_backfill.hpp"
#include "strata/execution/backfill.hpp"
#include "strata/execution/executor.hpp"
#include "strata/execution/plan.hpp"
#include "strata/execution/reexecution.hpp"
#include "strata/execution/run_launcher.hpp"
#include "strata/execution/run_queue_coordinator.hpp"
#include "strata/execution/step_config.hpp"
#include "terminal_text.hpp"
#include "text_table.hpp"

namespace strata::cli {
namespace {

const char* kSelectionHint =
    "selection syntax: KEY, a/b (key path), +KEY (with parents), KEY+ (with children), group:NAME, '*', A,B";

struct ParsedSelection {
  AssetSelection selection;
  std::vector<AssetKey> keys;
};

ParsedSelection parse_selection(const Definitions& defs, const std::string& text) {
  if (text.empty()) throw UsageError("--select is empty", kSelectionHint);
  std::string named = "bad selection '" + text + "'";
  try {
    AssetSelection selection = AssetSelection::parse(text);
    std::vector<AssetKey> keys = selection.resolve(defs.asset_graph());
    if (keys.empty()) throw UsageError("selection '" + text + "' matches no asset", kSelectionHint);
    return {selection, keys};
  } catch (const DefinitionError& e) {
    std::string why = e.what();
    if (why.rfind(named, 0) == 0) {
      // A syntax error names the selection itself and ends with the syntax, which the hint gives.
      size_t syntax = why.rfind(" (syntax: ");
      if (syntax != std::string::npos && why.back() == ')') why.erase(syntax);
      throw UsageError(why, kSelectionHint);
    }
    if (why.rfind("selection: ", 0) == 0) why.erase(0, 11);  // said once, below
    throw UsageError(named + ": " + why, kSelectionHint);
  }
}

LogLevel parse_log_level(const std::string& text) {
  if (auto level = log_level_from_name(upper_case(text))) return *level;
  throw UsageError("unknown log level '" + text + "'", "use one of debug, info, warning, error");
}

std::map<std::string, std::string> parse_tags(const std::vector<std::string>& tags) {
  std::map<std::string, std::string> out;
  for (const auto& tag : tags) {
    size_t eq = tag.find('=');
    if (eq == std::string::npos || eq == 0)
      throw UsageError("tag '" + tag + "' is not KEY=VALUE", "e.g. --tag team=data");
    out[tag.substr(0, eq)] = tag.substr(eq + 1);
  }
  return out;
}

// Reads the run config file and checks it against the resources the run will have, so that a typo
// is refused before anything runs.
RunConfig load_run_config(const std::string& file, const std::map<std::string, ResourceDefinition>& resources) {
  if (file.empty()) return RunConfig();
  const char* hint = "--config takes a YAML or JSON file with 'resources:' and 'ops:' sections";
  RunConfig config;
  try {
    config = RunConfig::from_file(file);  // names the file in every error
  } catch (const ConfigError& e) {
    throw UsageError(e.what(), hint);
  }
  std::vector<std::string> known;
  for (const auto& [key, _] : resources) known.push_back(key);
  for (const auto& key : config.configured_resource_keys()) {
    auto it = resources.find(key);
    if (it == resources.end()) {
      throw UsageError("config file '" + file + "' configures resource '" + key + "', which is not defined" +
                           did_you_mean(key, known),
                       "'list resources' shows the resources and their fields");
    }
    try {
      (void)it->second.instantiate(key, config);
    } catch (const ConfigError& e) {
      throw UsageError(std::string("config file '") + file + "': " + e.what(),
                       "'list resources' shows the resources and their fields");
    }
  }
  return config;
}

// Where a materialization was stored, from the metadata the I/O managers record.
std::string stored_location(const Metadata& metadata) {
  if (const auto* table = metadata.find("table")) {
    std::string where = "table " + table->as_text();
    if (const auto* database = metadata.find("database")) where += " in " + database->to_display_string();
    return where;
  }
  for (const char* key : {"path", "uri"}) {
    if (const auto* value = metadata.find(key)) return value->to_display_string();
  }
  return "(no location recorded)";
}

const char* run_outcome(const RunResult& run) {
  return run.success() ? "SUCCESS" : run.canceled() ? "CANCELED" : "FAILURE";
}

void report_failure(CliSession& session, const RunResult& run) {
  if (run.canceled()) {
    print_error(session.err, "canceled", "run " + run.run_id() + " was canceled: " + run.failure_message());
  } else if (!run.success()) {
    print_error(session.err, "run_failed", "run " + run.run_id() + " failed: " + run.failure_message());
  }
}

void print_summary(CliSession& session, const RunResult& result) {
  std::ostream& out = session.out;
  int64_t total_us = static_cast<int64_t>(result.duration_ms() * 1000.0);
  out << fmt::format("\nRun {} {} in {} ({} steps)\n", result.run_id(), run_outcome(result),
                     format_duration_us(total_us), result.steps().size());
  TextTable steps({"STEP", "STATUS", "TIME"});
  for (const auto& step : result.steps()) {
    bool ran = step.status == StepStatus::kSuccess || step.status == StepStatus::kFailure;
    steps.add({step.key, step_status_name(step.status), ran ? format_duration_us(step.end_us - step.start_us) : "-"});
  }
  steps.print(out, "  ");
  auto materializations = result.materializations();
  if (!materializations.empty()) {
    out << "Materialized\n";
    TextTable stored;
    for (const auto& m : materializations) {
      std::string key = m.asset_key.to_string() + (m.partition ? "[" + *m.partition + "]" : "");
      stored.add({key, stored_location(m.metadata)});
    }
    stored.print(out, "  ");
  }
  report_failure(session, result);
}

// In a detached run's process: tells its launcher, once, that the run has started.
void report_started_once(CliSession& session, const Event& event) {
  if (event.type == EventType::kRunStart && session.detached_report_fd >= 0) {
    report_detached_started(session.detached_report_fd);
    ::close(session.detached_report_fd);
    session.detached_report_fd = -1;
  }
}

struct RunSetup {
  RunOptions options;
  std::unique_ptr<ProgressDisplay> display;
  std::unique_ptr<InterruptWatcher> interrupts;  // Ctrl-C cancels the run
  std::string config_file;
};

// Refuses, before anything runs, an `ops:` section that names no step of the plan or gives a step
// config that does not fit its config struct.
void check_step_config(const ExecutionPlan& plan, const RunSetup& setup) {
  try {
    (void)configure_steps(plan, setup.options.run_config);
  } catch (const ConfigError& e) {
    throw UsageError((setup.config_file.empty() ? "" : "config file '" + setup.config_file + "': ") + e.what(),
                     "'asset show KEY' lists an asset's config fields; ops.<step>.config sets them");
  }
}

RunSetup prepare_run(CliSession& session, const RunCommandOptions& options, const JobDefinition* job) {
  RunSetup setup;
  setup.options.cancellation = std::make_shared<RunCancellation>();
  setup.interrupts = std::make_unique<InterruptWatcher>(setup.options.cancellation);
  LogLevel level = parse_log_level(options.log_level);
  setup.options.run_config = load_run_config(options.config_file, session.defs.resources_for(job));
  setup.config_file = options.config_file;
  setup.options.tags = parse_tags(options.tags);
  setup.options.max_concurrency = options.max_concurrency;
  setup.options.keep_outputs = false;
  if (options.max_concurrency < 0) throw UsageError("--max-concurrency must be 0 (all cores) or more");
  setup.options.instance = session.shared_instance();
  setup.display =
      std::make_unique<ProgressDisplay>(session.live_out ? *session.live_out : session.out, session.terminal, level);
  setup.options.on_event = [display = setup.display.get()](const Event& event) { display->on_event(event); };
  if (!options.executor.empty()) {
    auto kind = executor_kind_from_name(options.executor);
    if (!kind) {
      throw UsageError(
          "unknown executor '" + options.executor + "'" + did_you_mean(options.executor, executor_kind_names()),
          "--executor takes in_process (threads of this process), multiprocess (a process per step) or slurm (a Slurm "
          "job per step)");
    }
    setup.options.executor = kind;
  }
  if (!session.detached_run_id.empty()) {
    // A detached run's process: tells its launcher once the run is recorded.
    setup.options.run_id = session.detached_run_id;
    setup.options.on_event = [&session, display = setup.display.get()](const Event& event) {
      report_started_once(session, event);
      display->on_event(event);
    };
  }
  return setup;
}

// `materialize ... --detach`, `job execute ... --detach`: the same command line, less --detach and
// --home, run by a background process (execution/run_launcher.hpp).
int launch_detached(CliSession& session) {
  DetachedRunRequest request;
  for (size_t i = 0; i < session.args.size(); ++i) {
    const std::string& arg = session.args[i];
    if (arg == "--detach" || arg.rfind("--home=", 0) == 0) continue;
    if (arg == "--home") {
      ++i;
      continue;
    }
    request.command.push_back(arg);
  }
  request.home = session.instance().home();
  DetachedRun run;
  try {
    run = launch_run_detached(request);
  } catch (const DetachedRunError& e) {
    session.err << e.what() << "\n";  // what the run's process said (its error: and hint: lines)
    return e.exit_code();
  }
  session.out << fmt::format("Run {} started in the background (pid {})\n", run.run_id, run.pid);
  session.out << "  log:    " << run.log_file.string() << "\n";
  session.out << fmt::format("  follow: {} logs {} --follow\n", session.program, run.run_id);
  return kExitSuccess;
}

void check_partition_flags(const RunCommandOptions& options) {
  if (!options.partition.empty() && (!options.from.empty() || !options.to.empty())) {
    throw UsageError("--partition cannot be combined with --from/--to", "give one partition, or a range");
  }
  if (options.from.empty() != options.to.empty()) {
    throw UsageError(options.from.empty() ? "--to needs --from" : "--from needs --to",
                     "a range is --from FIRST --to LAST (both inclusive)");
  }
}

// Runs one plan; partition errors (missing, unknown or malformed keys) are refused before the run
// is recorded, so they are usage errors.
int run_plan(CliSession& session, const ExecutionPlan& plan, RunSetup& setup) {
  check_step_config(plan, setup);
  setup.display->expect_run(plan.steps().size());
  RunResult result = [&] {
    try {
      return execute_plan(plan, setup.options);
    } catch (const PartitionError& e) {
      setup.display->finish();
      throw UsageError(e.what(), "'list assets' shows each asset's partitions");
    }
  }();
  setup.display->finish();
  print_summary(session, result);
  return result.success() ? kExitSuccess : kExitFailure;
}

int run_backfill(CliSession& session, const ParsedSelection& parsed, const BackfillPlan& plan, RunSetup& setup) {
  ExecutionPlan execution = ExecutionPlan::for_assets(session.defs, parsed.keys);
  check_step_config(execution, setup);
  size_t steps = execution.steps().size();
  session.out << fmt::format("Backfill {}: {} partition(s) of {} asset(s) in {} run(s)\n", plan.backfill_id,
                             plan.partitions.size(), plan.assets.size(), plan.runs.size());
  size_t run_number = 0;
  auto display = setup.display.get();
  setup.options.on_event = [&, display](const Event& event) {
    if (event.type == EventType::kRunStart) {
      display->expect_run(steps, fmt::format("run {}/{}", ++run_number, plan.runs.size()));
    }
    display->on_event(event);
  };
  BackfillResult result = launch_backfill(session.defs, plan, setup.options);
  display->finish();
  session.out << fmt::format("\nBackfill {} {}: {} run(s) succeeded, {} failed\n", result.backfill_id,
                             result.success() ? "COMPLETED" : "FAILED", result.succeeded, result.failed);
  TextTable runs({"RUN", "STATUS", "TIME", "PARTITIONS"});
  for (size_t i = 0; i < result.runs.size(); ++i) {
    const RunResult& run = result.runs[i];
    const auto& keys = plan.runs[i];
    std::string partitions = keys.size() == 1 ? keys.front() : keys.front() + " .. " + keys.back();
    runs.add({run.run_id(), run_outcome(run), format_duration_us(static_cast<int64_t>(run.duration_ms() * 1000.0)),
              partitions});
    report_failure(session, run);
  }
  runs.print(session.out, "  ");
  return result.success() ? kExitSuccess : kExitFailure;
}

BackfillPlan plan_partitions(CliSession& session, const ParsedSelection& parsed, const RunCommandOptions& options) {
  try {
    if (!options.from.empty()) {
      return plan_backfill_range(session.defs, parsed.selection, options.from, options.to,
                                 &session.instance().storage());
    }
    return plan_backfill(session.defs, parsed.selection, options.partitions, &session.instance().storage());
  } catch (const PartitionError& e) {
    throw UsageError(e.what(), "'list assets' shows each asset's partitions");
  } catch (const DefinitionError& e) {
    throw UsageError(e.what(), "backfills need partitioned assets");
  }
}

// --queue: records the run as QUEUED for `runs dequeue` and prints its id.
int submit_to_queue(CliSession& session, const RunCommandOptions& options, const RunSetup& setup) {
  RunRequest request;
  request.job_name = options.job;
  request.selection = options.select;
  request.partition_keys = setup.options.partition_keys;
  request.run_config = setup.options.run_config;
  request.tags = setup.options.tags;
  request.max_concurrency = setup.options.max_concurrency;
  std::string run_id = submit_run(session.defs, session.instance(), request);
  session.out << run_id << "\n";
  return kExitSuccess;
}

// backfill --queue: records the backfill as REQUESTED for the daemon and prints its id.
int submit_backfill_to_daemon(CliSession& session, const BackfillPlan& plan, const RunSetup& setup) {
  BackfillSubmission submission{setup.options.run_config, setup.options.tags, setup.options.max_concurrency};
  std::string id = [&] {
    try {
      return submit_backfill(session.defs, session.instance(), plan, submission);
    } catch (const ConfigError& e) {
      throw UsageError((setup.config_file.empty() ? "" : "config file '" + setup.config_file + "': ") + e.what(),
                       "a queued backfill keeps its run config in the instance; secrets come from {env: NAME}");
    }
  }();
  session.out << id << "\n";
  return kExitSuccess;
}

}  // namespace

int execute_claimed_run(CliSession& session, const QueuedRun& run) {
  ProgressDisplay display(session.live_out ? *session.live_out : session.out, session.terminal, LogLevel::kInfo);
  try {
    display.expect_run(plan_for_request(session.defs, queued_run_request(run)).steps().size());
  } catch (const std::exception&) {
    // execute_queued_run below fails the run with the reason.
  }
  RunOptions options;
  options.instance = session.shared_instance();
  options.keep_outputs = false;
  // The daemon starts queued runs as `runs dequeue RUN_ID` in a detached process: it waits for RUN_START.
  options.on_event = [&session, &display](const Event& event) {
    report_started_once(session, event);
    display.on_event(event);
  };
  RunResult result = [&] {
    try {
      return execute_queued_run(session.defs, run, std::move(options));
    } catch (...) {
      display.finish();
      throw;
    }
  }();
  display.finish();
  print_summary(session, result);
  return result.success() ? kExitSuccess : kExitFailure;
}

int materialize_command(CliSession& session, const RunCommandOptions& options) {
  check_partition_flags(options);
  ParsedSelection parsed = parse_selection(session.defs, options.select);
  RunSetup setup = prepare_run(session, options, nullptr);
  if (options.queue && options.detach) {
    throw UsageError("--queue and --detach cannot be combined",
                     "--queue leaves starting the run to 'runs dequeue'; --detach starts it now in the background");
  }
  if (options.queue && !options.from.empty()) {
    throw UsageError("--queue takes one run; --from/--to may split into several",
                     "queue one partition with --partition, or give the range to the daemon: backfill --select ... "
                     "--from A --to B --queue");
  }
  if (options.detach) {
    if (!options.from.empty()) {
      throw UsageError("--detach starts one run; --from/--to is a backfill of several runs",
                       "give one partition with --partition, or run the range attached");
    }
    return launch_detached(session);
  }
  if (!options.from.empty()) {
    // A range goes through the backfill machinery: the assets' BackfillPolicy splits it into runs.
    return run_backfill(session, parsed, plan_partitions(session, parsed, options), setup);
  }
  if (!options.partition.empty()) setup.options.partition_keys = {options.partition};
  if (options.queue) return submit_to_queue(session, options, setup);
  ExecutionPlan plan = ExecutionPlan::for_assets(session.defs, parsed.keys);
  return run_plan(session, plan, setup);
}

int job_execute_command(CliSession& session, const RunCommandOptions& options) {
  const JobDefinition& job = [&]() -> const JobDefinition& {
    try {
      return session.defs.job(options.job);
    } catch (const DefinitionError& e) {
      throw UsageError(e.what(), "'" + session.program + " list jobs' shows the jobs");
    }
  }();
  RunSetup setup = prepare_run(session, options, &job);
  if (options.detach) return launch_detached(session);
  if (!options.partition.empty()) setup.options.partition_keys = {options.partition};
  if (options.queue) return submit_to_queue(session, options, setup);
  ExecutionPlan plan = ExecutionPlan::for_job(session.defs, job);
  return run_plan(session, plan, setup);
}

int backfill_command(CliSession& session, const RunCommandOptions& options) {
  if (options.select.empty()) {
    throw UsageError("backfill needs --select (the assets to backfill)",
                     "'" + session.program + " backfill --help' shows the usage; 'backfill list' the backfills");
  }
  check_partition_flags(options);
  int given =
      (!options.from.empty() ? 1 : 0) + (!options.partitions.empty() ? 1 : 0) + (options.all_partitions ? 1 : 0);
  if (given != 1) {
    throw UsageError(given == 0 ? "backfill needs partitions" : "give partitions one way only",
                     "use --from FIRST --to LAST, --partitions A,B,C, or --all");
  }
  ParsedSelection parsed = parse_selection(session.defs, options.select);
  RunSetup setup = prepare_run(session, options, nullptr);
  RunCommandOptions resolved = options;
  if (options.all_partitions) {
    // Every partition of the selection's partitions definition (plan_backfill checks the others share it).
    const AssetGraph& graph = session.defs.asset_graph();
    const NodeDef* node = graph.entry(graph.find(parsed.keys.front())).node.get();
    if (!node->partitions) {
      throw UsageError("asset '" + parsed.keys.front().to_string() + "' is not partitioned",
                       "backfills need partitioned assets");
    }
    resolved.partitions = node->partitions->keys(&session.instance().storage());
    if (resolved.partitions.empty()) throw UsageError("the selection has no partitions yet");
  }
  BackfillPlan plan = plan_partitions(session, parsed, resolved);
  if (options.queue) return submit_backfill_to_daemon(session, plan, setup);
  return run_backfill(session, parsed, plan, setup);
}

int reexecute_command(CliSession& session, const std::string& run_id, const ReexecuteCommandOptions& options) {
  if (options.from_failure && !options.steps.empty()) {
    throw UsageError("--from-failure cannot be combined with --steps", "give one of them, or neither to run it all");
  }
  Storage& storage = session.instance().storage();
  std::string parent_id = find_run(session, run_id).run_id;  // an id, or a unique prefix of one
  RunSetup setup = prepare_run(session, options.run, nullptr);
  ReexecutionRequest request{.from_failure = options.from_failure, .steps = options.steps, .run_config = {}};
  if (!options.run.config_file.empty()) request.run_config = setup.options.run_config;
  ReexecutionPlan plan = [&] {
    try {
      return plan_reexecution(session.defs, storage, parent_id, request);
    } catch (const StorageError&) {
      throw;  // the instance or a damaged record, not the command line
    } catch (const Error& e) {
      throw UsageError(e.what(), "'" + session.program + " runs reexecute --help' shows the usage");
    }
  }();
  for (const auto& [key, value] : plan.options.tags) setup.options.tags.emplace(key, value);
  setup.options.partition_keys = plan.options.partition_keys;
  setup.options.run_config = plan.options.run_config;
  std::vector<std::string> keys;
  for (const auto& step : plan.plan.steps()) keys.push_back(step.key);
  std::string listed;
  for (const auto& key : keys) listed += (listed.empty() ? "" : ", ") + key;
  session.out << "Re-executing run " << parent_id << ": " << keys.size() << " step(s): " << shorten(listed, 200)
              << "\n";
  return run_plan(session, plan.plan, setup);
}

}  // namespace strata::cli
