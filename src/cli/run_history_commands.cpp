#include "run_history_commands.hpp"

#include <chrono>
#include <thread>

#include "progress_display.hpp"
#include "strata/core/util/nearest_name.hpp"
#include "text_table.hpp"

namespace strata::cli {
namespace {

std::string run_label(const RunRecord& run) {
  return run.job_name == "__ASSET_JOB" ? "materialize " + run.selection : run.job_name;
}

std::string run_duration(const RunRecord& run) {
  if (run.start_time_us == 0) return "-";
  int64_t end = run.end_time_us != 0 ? run.end_time_us : now_unix_us();
  return format_duration_us(end - run.start_time_us) + (run.end_time_us == 0 ? " (running)" : "");
}

}  // namespace

RunRecord find_run(CliSession& session, const std::string& text) {
  Storage& storage = session.instance().storage();
  if (auto run = storage.get_run(text)) return *run;
  RunFilter filter;
  filter.limit = 10000;
  std::vector<RunRecord> matches;
  std::vector<std::string> ids;
  for (auto& run : storage.runs(filter)) {
    ids.push_back(run.run_id);
    if (!text.empty() && run.run_id.rfind(text, 0) == 0) matches.push_back(run);
  }
  if (matches.size() == 1) return matches.front();
  std::string hint = "'" + session.program + " runs' lists the recorded runs";
  if (matches.size() > 1)
    throw UsageError("run id prefix '" + text + "' is ambiguous (" + std::to_string(matches.size()) + " runs)", hint);
  throw UsageError("no run '" + text + "' in " + storage.describe() + did_you_mean(text, ids), hint);
}

int runs_command(CliSession& session, const RunsCommandOptions& options) {
  RunFilter filter;
  if (options.limit <= 0) throw UsageError("--limit must be positive");
  filter.limit = options.limit;
  if (!options.status.empty()) {
    filter.status = run_status_from_name(upper_case(options.status));
    if (!filter.status) {
      throw UsageError("unknown run status '" + options.status + "'",
                       "use one of: queued, started, success, failure, canceled");
    }
  }
  if (!options.job.empty()) filter.job_name = options.job;
  if (!options.asset.empty()) filter.asset_key = known_asset_key(session.defs, options.asset);
  Storage& storage = session.instance().storage();
  auto runs = storage.runs(filter);
  if (runs.empty()) {
    session.out << "No runs" << (options.status.empty() ? "" : " with status " + options.status) << " in "
                << storage.describe() << "\n";
    return kExitSuccess;
  }
  TextTable table({"RUN", "STATUS", "JOB", "CREATED", "DURATION"});
  for (const auto& run : runs) {
    table.add({run.run_id, run_status_name(run.status), shorten(run_label(run), 48), format_time(run.create_time_us),
               run_duration(run)});
  }
  table.print(session.out);
  return kExitSuccess;
}

int logs_command(CliSession& session, const std::string& run_text, bool follow) {
  RunRecord run = find_run(session, run_text);
  Instance& instance = session.instance();
  Storage& storage = instance.storage();
  int64_t after = 0;
  auto print_new = [&] {
    auto records = storage.events_for_run(run.run_id, after);
    for (const auto& record : records) {
      session.out << ProgressDisplay::format_line(record.event) << '\n';
      after = record.id;
    }
    session.out.flush();
    return !records.empty();
  };
  print_new();
  if (!follow) return kExitSuccess;
  // Poll the event log until the run ends (checking now and then whether its process died).
  int idle_polls = 0;
  while (true) {
    if (print_new()) {
      idle_polls = 0;
      continue;
    }
    auto current = storage.get_run(run.run_id);
    if (!current || is_finished(current->status)) {
      print_new();
      break;
    }
    if (++idle_polls % 20 == 0) instance.reap_dead_runs();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto final_state = storage.get_run(run.run_id);
  return final_state && final_state->status == RunStatus::kSuccess ? kExitSuccess : kExitFailure;
}

int cancel_command(CliSession& session, const std::string& run_text, bool wait) {
  RunRecord run = find_run(session, run_text);
  Instance& instance = session.instance();
  RunStatus status;
  try {
    status = instance.cancel_run(run.run_id, "requested with '" + session.program + " runs cancel'");
  } catch (const Error& e) {
    throw UsageError(e.what(), "'" + session.program + " runs --status started' lists the runs that can be canceled");
  }
  if (status == RunStatus::kCanceled) {
    session.out << "Run " << run.run_id << " canceled (it was queued and never started)\n";
    return kExitSuccess;
  }
  session.out << "Run " << run.run_id << ": cancel requested (CANCELING); its steps stop, then it ends CANCELED\n";
  if (!wait) return kExitSuccess;
  // Poll the record until the run ends (checking now and then whether its process died).
  for (int polls = 1;; ++polls) {
    auto current = instance.storage().get_run(run.run_id);
    if (!current || is_finished(current->status)) {
      std::string ended = current ? run_status_name(current->status) : "gone";
      session.out << "Run " << run.run_id << " ended " << ended << "\n";
      return current && current->status == RunStatus::kCanceled ? kExitSuccess : kExitFailure;
    }
    if (polls % 50 == 0) instance.reap_dead_runs();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

}  // namespace strata::cli
