// The command tree (CLI11) and the mapping of outcomes to exit codes. The commands themselves live
// in run_commands, catalog_commands and run_history_commands.
#include "strata/cli/run_cli.hpp"

#include <cxxabi.h>
#include <fcntl.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>

#include "asset_value_command.hpp"
#include "backfill_commands.hpp"
#include "catalog_commands.hpp"
#include "cli_session.hpp"
#include "daemon_commands.hpp"
#include "daemon_loops_command.hpp"
#include "error_report.hpp"
#include "k8s_manifest_command.hpp"
#include "queue_commands.hpp"
#include "run_commands.hpp"
#include "run_history_commands.hpp"
#include "slurm_commands.hpp"
#include "strata/core/contexts/shutdown.hpp"
#include "strata/core/util/nearest_name.hpp"
#include "strata/core/util/utf8.hpp"
#include "strata/daemon/run_launch_server.hpp"
#include "strata/execution/executor.hpp"
#include "strata/execution/program_command.hpp"
#include "strata/execution/run_launcher.hpp"
#include "terminal_text.hpp"
#include "ui_command.hpp"

#ifndef STRATA_VERSION
#define STRATA_VERSION "unknown"
#endif

namespace strata {
namespace {

using cli::kExitFailure;
using cli::kExitUsage;

constexpr const char* kStepWorkerCommand = "__step-worker";
constexpr const char* kDetachedRunCommand = "__detached-run";
constexpr const char* kLaunchServerCommand = "__launch-server";
constexpr int kLaunchFd = 3;  // the step worker's socket, the detached run's report pipe

const std::vector<std::string> kCommands = {"materialize", "job", "backfill", "list",     "asset",  "runs", "logs",
                                            "wipe",        "ui",  "daemon",   "schedule", "sensor", "dev",  "k8s"};

// Commands that take a sub-command, and the sub-commands they know.
const std::map<std::string, std::vector<std::string>> kSubcommands = {
    {"job", {"execute"}},
    {"asset", {"show", "value"}},
    {"runs", {"cancel", "dequeue", "reexecute", "reconcile"}},
    {"backfill", {"list", "show", "cancel"}},
    {"daemon", {"status"}},
    {"schedule", {"list", "start", "stop", "preview", "ticks"}},
    {"sensor", {"list", "start", "stop", "preview", "ticks"}},
    {"k8s", {"manifest"}}};

// The command the user meant: the first argument that is not an option (nor --home's value), and
// the argument right after it when that is not an option either (a sub-command; `runs --status
// failure` has none).
std::vector<std::string> command_words(const std::vector<std::string>& args) {
  std::vector<std::string> words;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "--home") {
      ++i;
      continue;
    }
    if (arg.empty() || arg[0] == '-') continue;
    words.push_back(arg);
    if (i + 1 < args.size() && !args[i + 1].empty() && args[i + 1][0] != '-') words.push_back(args[i + 1]);
    break;
  }
  return words;
}

// "unknown command" with the nearest known one, before CLI11 would say something vaguer.
std::optional<std::string> unknown_command(const std::vector<std::string>& words) {
  if (words.empty() || words[0] == cli::kDaemonLoopsCommand) return std::nullopt;
  if (std::find(kCommands.begin(), kCommands.end(), words[0]) == kCommands.end()) {
    return "unknown command '" + words[0] + "'" + did_you_mean(words[0], kCommands);
  }
  auto nested = kSubcommands.find(words[0]);
  if (nested == kSubcommands.end() || words.size() < 2) return std::nullopt;
  const auto& known = nested->second;
  if (std::find(known.begin(), known.end(), words[1]) != known.end()) return std::nullopt;
  std::vector<std::string> full;
  for (const auto& name : known) full.push_back(words[0] + " " + name);
  std::string given = words[0] + " " + words[1];
  std::string suggestion = did_you_mean(given, full);
  if (suggestion.empty()) suggestion = "; did you mean '" + full.front() + "'?";
  return "unknown command '" + given + "'" + suggestion;
}

// One `error[usage_error]:` line and at most one `hint:` line, whatever the message holds (user
// input included).
int usage_error(std::ostream& err, const std::string& message, const std::string& hint) {
  cli::print_error(err, cli::UsageError("").code(), message);
  if (!hint.empty()) err << "hint: " << cli::terminal_line(hint) << "\n";
  return kExitUsage;
}

// An error that escaped a command: its `error[code]:` line, a `hint:` line when `hint` is not
// empty, and the exit code of its class.
int report_escaped(std::ostream& err, const std::exception& e, const std::string& hint = "") {
  int code = cli::report_error(err, e);
  if (!hint.empty()) err << "hint: " << cli::terminal_line(hint) << "\n";
  return code;
}

// The first argument that is not well-formed UTF-8 (it could not be stored, nor shown), named by
// the option it belongs to.
std::optional<std::string> invalid_utf8_argument(const std::vector<std::string>& args) {
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (utf8::is_valid(arg)) continue;
    size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      return "option " + arg.substr(0, eq) + ": value '" + arg.substr(eq + 1) + "' is not valid UTF-8";
    }
    const std::string& previous = args[i - 1];
    if (i > 1 && previous.size() > 1 && previous[0] == '-' && previous.find('=') == std::string::npos) {
      return "option " + previous + ": value '" + arg + "' is not valid UTF-8";
    }
    return "argument '" + arg + "' is not valid UTF-8";
  }
  return std::nullopt;
}

void add_run_options(CLI::App* command, cli::RunCommandOptions& run) {
  command->add_option("--config", run.config_file,
                      "Run config file (YAML or JSON) with 'resources:' and 'ops:' sections");
  command->add_option("--tag", run.tags, "Tag the run: KEY=VALUE (repeatable)");
  command->add_option("--max-concurrency", run.max_concurrency, "Steps run at once (default: all cores)");
  command->add_option("--log-level", run.log_level, "Lowest level printed: debug, info, warning, error")
      ->capture_default_str();
  command->add_option(
      "--executor", run.executor,
      "Where steps run: in_process (threads), multiprocess (a process per step) or slurm (a Slurm job per step)");
}

void add_detach_option(CLI::App* command, cli::RunCommandOptions& run) {
  command->add_flag("--detach", run.detach,
                    "Start the run as a background process, print its id and return (log: HOME/logs/RUN_ID.log)");
}

void add_range_options(CLI::App* command, cli::RunCommandOptions& run) {
  command->add_option("--from", run.from, "First partition of a range (inclusive)");
  command->add_option("--to", run.to, "Last partition of a range (inclusive)");
}

// The deepest command that was parsed, as the user would type it ("job execute").
std::string parsed_command_path(const CLI::App& app) {
  std::string path;
  const CLI::App* current = &app;
  while (true) {
    auto subcommands = current->get_subcommands();
    if (subcommands.empty()) break;
    current = subcommands.front();
    path += (path.empty() ? "" : " ") + current->get_name();
  }
  return path;
}

// `streams` write terminal-safe text; `live_out` is the raw stdout the progress line draws on.
int run(const Definitions& defs, const std::vector<std::string>& args, CliStreams& streams, std::ostream& live_out,
        const std::string& detached_run_id, int& report_fd) {
  std::string program = args.empty() ? "strata" : std::filesystem::path(args[0]).filename().string();
  cli::CliSession session(defs, streams.out, streams.err, program);
  session.terminal = streams.out_is_terminal;
  session.live_out = &live_out;
  session.detached_run_id = detached_run_id;
  struct ReportFd {  // hands the descriptor to the session and back (-1 once the run was recorded)
    int& outer;
    cli::CliSession& session;
    ~ReportFd() { outer = session.detached_report_fd; }
  } report{report_fd, session};
  session.detached_report_fd = report_fd;

  if (auto invalid = invalid_utf8_argument(args)) {
    return usage_error(streams.err, *invalid, "arguments (selections, keys, tags, names, paths) must be UTF-8 text");
  }
  if (auto unknown = unknown_command(command_words(args))) {
    return usage_error(streams.err, *unknown, "'" + program + " --help' lists the commands");
  }

  CLI::App app{"Materialize and inspect the assets of this program (a Strata code location).", program};
  app.require_subcommand(1);
  app.fallthrough();
  std::string home;
  bool plain = false;
  app.add_option("--home", home, "Instance directory (default: $STRATA_HOME, else ./.strata)");
  app.add_flag("--plain", plain, "Plain log lines only, no live progress line");
  app.set_version_flag("--version", std::string("strata ") + STRATA_VERSION);

  cli::RunCommandOptions run;
  auto* materialize = app.add_subcommand("materialize", "Materialize a selection of assets in one run");
  materialize->add_option("-s,--select", run.select, "Assets: KEY, +KEY, KEY+, group:NAME, '*', A,B")->required();
  materialize->add_option("-p,--partition", run.partition, "The partition to materialize");
  add_range_options(materialize, run);
  add_run_options(materialize, run);
  materialize->add_flag("--queue", run.queue, "Submit the run to the instance's run queue; prints its id");
  add_detach_option(materialize, run);

  auto* job = app.add_subcommand("job", "Run jobs");
  job->require_subcommand(1);
  auto* job_execute = job->add_subcommand("execute", "Run a job");
  job_execute->add_option("name", run.job, "The job's name ('list jobs' shows them)")->required();
  job_execute->add_option("-p,--partition", run.partition, "The partition to run");
  add_run_options(job_execute, run);
  job_execute->add_flag("--queue", run.queue, "Submit the run to the instance's run queue; prints its id");
  add_detach_option(job_execute, run);

  auto* backfill = app.add_subcommand("backfill", "Materialize many partitions, split into runs by backfill policy");
  backfill->add_option("-s,--select", run.select, "Assets (selection syntax as for materialize); required");
  add_range_options(backfill, run);
  backfill->add_option("--partitions", run.partitions, "These partitions (comma-separated)")->delimiter(',');
  backfill->add_flag("--all", run.all_partitions, "Every partition");
  add_run_options(backfill, run);
  backfill->add_flag("--queue", run.queue,
                     "Submit the backfill for the daemon (REQUESTED) and print its id; the daemon creates its runs");
  backfill->require_subcommand(0, 1);
  int backfill_limit = 20;
  std::string backfill_id;
  auto* backfill_list = backfill->add_subcommand("list", "List recorded backfills with their progress, newest first");
  backfill_list->add_option("--limit", backfill_limit, "At most this many backfills")->capture_default_str();
  auto* backfill_show = backfill->add_subcommand("show", "A backfill's progress and the run of each of its chunks");
  backfill_show->add_option("backfill_id", backfill_id, "The backfill id ('backfill list' shows them)")->required();
  auto* backfill_cancel = backfill->add_subcommand(
      "cancel", "Cancel a backfill the daemon runs: no new runs, queued and running ones stop");
  backfill_cancel->add_option("backfill_id", backfill_id, "The backfill id ('backfill list' shows them)")->required();

  int loops_interval_ms = 1000;
  auto* daemon_loops = app.add_subcommand(cli::kDaemonLoopsCommand, "")->group("");
  daemon_loops->add_option("--interval-ms", loops_interval_ms, "Time between two passes");

  std::string list_what;
  auto* list = app.add_subcommand("list", "List the definitions: assets, jobs, schedules or resources");
  list->add_option("what", list_what, "assets, jobs, schedules or resources")->required();
  bool list_dot = false;
  list->add_flag("--dot", list_dot, "assets: print the graph in Graphviz's language (pipe to `dot -Tsvg`)");

  std::string asset_key;
  int history_limit = 10;
  auto* asset = app.add_subcommand("asset", "Inspect an asset");
  asset->require_subcommand(1);
  auto* asset_show = asset->add_subcommand("show", "An asset's definition, latest materialization and history");
  asset_show->add_option("key", asset_key, "The asset key (a/b for a path)")->required();
  asset_show->add_option("--history", history_limit, "Materializations listed")->capture_default_str();
  std::optional<std::string> value_partition;
  auto* asset_value = asset->add_subcommand("value", "Print an asset's latest stored value (JSON, or a table preview)");
  asset_value->add_option("key", asset_key, "The asset key (a/b for a path)")->required();
  asset_value->add_option("-p,--partition", value_partition, "The partition (required for a partitioned asset)");

  cli::RunsCommandOptions runs;
  auto* runs_command = app.add_subcommand("runs", "List recorded runs, newest first");
  runs_command->add_option("--status", runs.status, "Only runs with this status (success, failure, started, ...)");
  runs_command->add_option("--job", runs.job, "Only runs of this job");
  runs_command->add_option("--asset", runs.asset, "Only runs that materialized this asset");
  runs_command->add_option("--limit", runs.limit, "At most this many runs")->capture_default_str();
  runs_command->require_subcommand(0, 1);

  std::string control_run_id;
  bool wait = false;
  auto* runs_cancel = runs_command->add_subcommand("cancel", "Stop a running run (it ends CANCELED)");
  runs_cancel->add_option("run_id", control_run_id, "The run id, or a unique prefix of it")->required();
  runs_cancel->add_flag("-w,--wait", wait, "Wait until the run has stopped");

  cli::ReexecuteCommandOptions reexecute;
  auto* runs_reexecute =
      runs_command->add_subcommand("reexecute", "Run a finished run again, or its failed part, as a new run");
  runs_reexecute->add_option("run_id", control_run_id, "The run id, or a unique prefix of it")->required();
  runs_reexecute->add_flag("--from-failure", reexecute.from_failure,
                           "Only the steps that did not succeed (their upstream is read from the run)");
  runs_reexecute->add_option("--steps", reexecute.steps, "Only these steps or assets (comma-separated)")
      ->delimiter(',');
  add_run_options(runs_reexecute, reexecute.run);
  cli::DequeueOptions dequeue;
  auto* runs_dequeue =
      runs_command->add_subcommand("dequeue", "Start the queued runs that the run_queue limits allow now");
  runs_dequeue->add_option("run_id", dequeue.run_id, "Only this queued run (an id or unique prefix)");
  runs_dequeue->add_flag("--drain", dequeue.drain, "Dequeue again when the started runs end, until none starts");

  cli::ReconcileOptions reconcile;
  auto* runs_reconcile = runs_command->add_subcommand(
      "reconcile", "Settle a Slurm run whose coordinating process is gone, from Slurm's job states");
  runs_reconcile->add_option("run_id", control_run_id, "The run id, or a unique prefix of it")->required();
  runs_reconcile->add_flag("--force", reconcile.force,
                           "The run's coordinator was on another host and is known to be gone");

  cli::K8sManifestOptions k8s_options;
  auto* k8s = app.add_subcommand("k8s", "Kubernetes manifests for running steps on a cluster");
  k8s->require_subcommand(1);
  auto* k8s_manifest =
      k8s->add_subcommand("manifest", "Print a ConfigMap and one Kubernetes Job per step of a job (YAML)");
  k8s_manifest->add_option("--job", k8s_options.job, "The job ('list jobs' shows them)")->required();
  k8s_manifest->add_option("--image", k8s_options.image, "The container image holding this program")
      ->capture_default_str();
  k8s_manifest->add_option("--program", k8s_options.program,
                           "The program's path in the image (default: /app/<program name>)");
  k8s_manifest
      ->add_option("--coordinator", k8s_options.coordinator,
                   "HOST:PORT the step workers connect to (the coordinator's Service)")
      ->capture_default_str();

  std::string run_id;
  bool follow = false;
  auto* logs = app.add_subcommand("logs", "Print a run's events");
  logs->add_option("run_id", run_id, "The run id, or a unique prefix of it")->required();
  logs->add_flag("-f,--follow", follow, "Keep printing new events until the run ends");

  std::vector<std::string> wipe_keys;
  bool yes = false;
  auto* wipe = app.add_subcommand("wipe", "Forget assets' materialization history (stored data is kept)");
  wipe->add_option("keys", wipe_keys, "Asset keys")->required();
  wipe->add_flag("-y,--yes", yes, "Do not ask for confirmation");

  cli::UiCommandOptions ui_options;
  auto* ui = app.add_subcommand("ui", "Serve the web UI (lineage graph, assets, runs, launching) until Ctrl-C");
  ui->add_option("--host", ui_options.host, "Address to listen on (beyond loopback needs an access token)")
      ->capture_default_str();
  ui->add_option("--port", ui_options.port, "Port to listen on (0: a free port)")->capture_default_str();
  auto* dev = app.add_subcommand("dev", "Run the web UI and the daemon together in this process until Ctrl-C");
  dev->add_option("--host", ui_options.host, "Address to listen on (beyond loopback needs an access token)")
      ->capture_default_str();
  dev->add_option("--port", ui_options.port, "Port to listen on (0: a free port)")->capture_default_str();

  auto* daemon = app.add_subcommand(
      "daemon", "Run the daemon until Ctrl-C: fires schedules, evaluates sensors, starts queued runs");
  daemon->require_subcommand(0, 1);
  auto* daemon_status = daemon->add_subcommand("status", "The active daemon and each loop's last heartbeat and error");

  // schedule|sensor list|start|stop|preview|ticks
  std::vector<std::pair<CLI::App*, cli::InstigatorCommand>> instigator_commands;
  instigator_commands.reserve(10);
  for (const std::string kind : {"schedule", "sensor"}) {
    auto* group = app.add_subcommand(kind, kind == "schedule" ? "Schedules: list, start, stop, preview, ticks"
                                                              : "Sensors: list, start, stop, preview, ticks");
    group->require_subcommand(1);
    const std::vector<std::pair<std::string, std::string>> actions = {
        {"list", "List the " + kind + "s with their status, last tick" +
                     (kind == "schedule" ? std::string(" and next tick") : std::string(" and cursor"))},
        {"start", "Start the " + kind + " (the status is kept in the instance)"},
        {"stop", "Stop the " + kind},
        {"preview", kind == "schedule" ? std::string("Print the next tick times")
                                       : std::string("Evaluate the sensor now and print what it would request "
                                                     "(nothing recorded or launched)")},
        {"ticks", "The " + kind + "'s recorded ticks, newest first"}};
    for (const auto& [action, help] : actions) {
      auto* sub = group->add_subcommand(action, help);
      instigator_commands.push_back({sub, {kind, action, "", action == "ticks" ? 20 : 5}});
      auto& command = instigator_commands.back().second;
      if (action != "list") sub->add_option("name", command.name, "The " + kind + "'s name")->required();
      if (action == "preview" && kind == "schedule") {
        sub->add_option("-n,--count", command.count, "How many tick times")->capture_default_str();
      }
      if (action == "ticks") sub->add_option("-n,--limit", command.count, "How many ticks")->capture_default_str();
    }
  }

  std::vector<const char*> argv;
  argv.reserve(args.size() + 1);
  for (const auto& arg : args) argv.push_back(arg.c_str());
  if (argv.empty()) argv.push_back("strata");
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == static_cast<int>(CLI::ExitCodes::Success)) return app.exit(e, streams.out, streams.err);
    std::string path = parsed_command_path(app);
    return usage_error(streams.err, e.what(),
                       "'" + program + (path.empty() ? "" : " " + path) + " --help' shows the usage");
  }

  session.home = home;
  session.args.assign(args.begin() + 1, args.end());
  if (plain) session.terminal = false;
  if (materialize->parsed()) return cli::materialize_command(session, run);
  if (job_execute->parsed()) return cli::job_execute_command(session, run);
  if (backfill_list->parsed()) return cli::backfill_list_command(session, backfill_limit);
  if (backfill_show->parsed()) return cli::backfill_show_command(session, backfill_id);
  if (backfill_cancel->parsed()) return cli::backfill_cancel_command(session, backfill_id);
  if (backfill->parsed()) return cli::backfill_command(session, run);
  if (daemon_loops->parsed()) {
    return cli::daemon_loops_command(session, std::chrono::milliseconds(loops_interval_ms));
  }
  if (list->parsed()) return cli::list_command(session, list_what, list_dot);
  if (asset_show->parsed()) return cli::asset_show_command(session, asset_key, history_limit);
  if (runs_cancel->parsed()) return cli::cancel_command(session, control_run_id, wait);
  if (runs_reexecute->parsed()) return cli::reexecute_command(session, control_run_id, reexecute);
  if (asset_value->parsed()) return cli::asset_value_command(session, asset_key, value_partition);
  if (runs_dequeue->parsed()) return cli::runs_dequeue_command(session, dequeue);
  if (runs_reconcile->parsed()) return cli::reconcile_command(session, control_run_id, reconcile);
  if (k8s_manifest->parsed()) return cli::k8s_manifest_command(session, k8s_options);
  if (runs_command->parsed()) return cli::runs_command(session, runs);
  if (logs->parsed()) return cli::logs_command(session, run_id, follow);
  if (ui->parsed()) return cli::ui_command(session, ui_options);
  if (dev->parsed()) return cli::dev_command(session, ui_options);
  if (wipe->parsed()) return cli::wipe_command(session, wipe_keys, yes, streams.in, streams.in_is_terminal);
  if (daemon_status->parsed()) return cli::daemon_status_command(session);
  if (daemon->parsed()) return cli::daemon_command(session);
  for (const auto& [command, options] : instigator_commands) {
    if (command->parsed()) return cli::instigator_command(session, options);
  }
  return usage_error(streams.err, "no command given", "'" + program + " --help' lists the commands");
}

// run_cli after the program's own command line is known: a detached run, or a command.
int run_command_line(const Definitions& defs, const std::vector<std::string>& given_args, CliStreams raw) {
  std::vector<std::string> args = given_args;
  std::string detached_run_id;
  if (args.size() >= 3 && args[1] == kDetachedRunCommand) {
    detached_run_id = args[2];
    args.erase(args.begin() + 1, args.begin() + 3);
    ::fcntl(kLaunchFd, F_SETFD, FD_CLOEXEC);  // not inherited by the run's step processes
  }
  // Everything the commands print goes through terminal-safe streams; only the progress line's own
  // escape sequences go to raw stdout.
  cli::TerminalSafeStream out(raw.out), err(raw.err);
  CliStreams streams{raw.in, out, err, raw.out_is_terminal, raw.in_is_terminal};
  int code = kExitFailure;
  int report_fd = detached_run_id.empty() ? -1 : kLaunchFd;
  try {
    code = run(defs, args, streams, raw.out, detached_run_id, report_fd);
  } catch (const cli::UsageError& e) {
    code = report_escaped(streams.err, e, e.hint());
  } catch (const PartitionError& e) {
    code = report_escaped(streams.err, e, "'list assets' shows each asset's partitions");
  } catch (const ConfigError& e) {
    code = report_escaped(streams.err, e, "check strata.yaml in the instance directory (--home)");
  } catch (const std::exception& e) {
    code = report_escaped(streams.err, e);  // a std::out_of_range from anywhere is error[internal]
  } catch (const abi::__forced_unwind&) {
    throw;  // thread cancellation must unwind on
  } catch (...) {
    code = cli::report_unknown_exception(streams.err);
  }
  out.finish();
  err.finish();
  raw.out.flush();
  if (report_fd >= 0) {
    report_detached_exit(report_fd, code);  // the run was never recorded: the launcher reports why
    ::close(report_fd);
  }
  run_shutdown_hooks();
  return code;
}

// run_cli's work: the hidden commands (step workers, the launch server) or a command line.
int serve_command_line(const Definitions& defs, const std::vector<std::string>& given_args, CliStreams raw) {
  // The hidden commands this program serves for itself: a step of a multi-process run
  // (multiprocess_executor.cpp), a detached run (run_launcher.hpp), and the daemon's launch server
  // (daemon/run_launch_server.hpp), whose forks run detached runs. A step worker given --connect is a
  // step of the Slurm executor, reaching its coordinator over the network.
  if (given_args.size() >= 4 && given_args[1] == kStepWorkerCommand && given_args[2] == "--connect") {
    int code = detail::run_slurm_step_worker(defs, given_args[3]);
    run_shutdown_hooks();
    return code;
  }
  if (given_args.size() >= 2 && given_args[1] == kStepWorkerCommand) return detail::run_step_worker(defs, kLaunchFd);
  set_program_command(program_command_before(given_args));
  if (given_args.size() >= 2 && given_args[1] == kLaunchServerCommand) {
    return serve_run_launches(kLaunchFd, [&](const std::vector<std::string>& args) {
      std::vector<std::string> full{given_args[0]};
      full.insert(full.end(), args.begin(), args.end());
      CliStreams streams{raw.in, raw.out, raw.err, false, false};  // the run's log file, /dev/null
      return run_command_line(defs, full, streams);
    });
  }
  return run_command_line(defs, given_args, raw);
}

// Whatever escapes (building the Definitions, the hidden commands' own setup included) is one error
// line and an exit code, never std::terminate. `definitions` is called once.
int guarded_cli(const std::function<const Definitions&()>& definitions, const std::vector<std::string>& given_args,
                CliStreams raw) {
  try {
    return serve_command_line(definitions(), given_args, raw);
  } catch (const std::exception& e) {
    return cli::report_error(raw.err, e);
  } catch (const abi::__forced_unwind&) {
    throw;  // thread cancellation must unwind on
  } catch (...) {
    return cli::report_unknown_exception(raw.err);
  }
}

CliStreams process_streams() {
  const char* term = std::getenv("TERM");
  bool terminal = isatty(STDOUT_FILENO) != 0 && !(term && std::string(term) == "dumb");
  return CliStreams{std::cin, std::cout, std::cerr, terminal, isatty(STDIN_FILENO) != 0};
}

}  // namespace

int run_cli(const Definitions& defs, const std::vector<std::string>& given_args, CliStreams raw) {
  return guarded_cli([&defs]() -> const Definitions& { return defs; }, given_args, raw);
}

int run_cli(const std::function<Definitions()>& make, const std::vector<std::string>& given_args, CliStreams raw) {
  std::optional<Definitions> defs;
  return guarded_cli([&]() -> const Definitions& { return defs.emplace(make()); }, given_args, raw);
}

int run_cli(const Definitions& defs, int argc, char** argv) {
  return run_cli(defs, std::vector<std::string>(argv, argv + argc), process_streams());
}

int run_cli(const std::function<Definitions()>& make, int argc, char** argv) {
  return run_cli(make, std::vector<std::string>(argv, argv + argc), process_streams());
}

}  // namespace strata
