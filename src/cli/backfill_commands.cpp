#include "backfill_commands.hpp"

#include <fmt/format.h>

#include "strata/core/util/nearest_name.hpp"
#include "strata/daemon/daemon_backfill.hpp"
#include "text_table.hpp"

namespace strata::cli {
namespace {

std::string partitions_text(const std::vector<std::string>& keys) {
  if (keys.empty()) return "-";
  if (keys.size() == 1) return keys.front();
  return keys.front() + " .. " + keys.back() + " (" + std::to_string(keys.size()) + ")";
}

// The backfill as it stands, with the progress of a daemon-driven one read from its runs now.
BackfillRecord current(Storage& storage, const BackfillRecord& backfill) {
  if (backfill.launch.empty() || backfill_finished(backfill.status)) return backfill;
  return backfill_progress(backfill, storage.backfill_runs(backfill.backfill_id), now_unix_us());
}

std::string progress_text(const BackfillRecord& b) {
  int64_t done = b.runs_succeeded + b.runs_failed + b.runs_canceled;
  std::string text = fmt::format("{}/{} runs done", done, b.num_runs);
  if (b.runs_failed) text += fmt::format(", {} failed", b.runs_failed);
  if (b.runs_canceled) text += fmt::format(", {} canceled", b.runs_canceled);
  return text;
}

BackfillRecord find_backfill(CliSession& session, const std::string& id) {
  Storage& storage = session.instance().storage();
  if (auto backfill = storage.get_backfill(id)) return *backfill;
  std::vector<std::string> ids;
  for (const auto& backfill : storage.backfills(1000)) ids.push_back(backfill.backfill_id);
  throw UsageError("no backfill '" + id + "' in " + storage.describe() + did_you_mean(id, ids),
                   "'" + session.program + " backfill list' lists the backfills");
}

}  // namespace

int backfill_list_command(CliSession& session, int limit) {
  if (limit <= 0) throw UsageError("--limit must be positive");
  Storage& storage = session.instance().storage();
  auto backfills = storage.backfills(limit);
  if (backfills.empty()) {
    session.out << "No backfills in " << storage.describe() << "\n";
    return kExitSuccess;
  }
  TextTable table({"BACKFILL", "STATUS", "PROGRESS", "PARTITIONS", "ASSETS", "CREATED", "BY"});
  for (const auto& recorded : backfills) {
    BackfillRecord b = current(storage, recorded);
    table.add({b.backfill_id, b.status, progress_text(b), partitions_text(b.partitions), shorten(b.selection, 40),
               format_time(b.create_time_us), b.launch.empty() ? "command" : "daemon"});
  }
  table.print(session.out);
  return kExitSuccess;
}

int backfill_show_command(CliSession& session, const std::string& backfill_id) {
  Storage& storage = session.instance().storage();
  BackfillRecord b = current(storage, find_backfill(session, backfill_id));
  std::ostream& out = session.out;
  out << "Backfill " << b.backfill_id << "\n";
  out << "  status:     " << b.status << " (" << progress_text(b) << ")\n";
  out << "  assets:     " << b.selection << "\n";
  out << "  partitions: " << partitions_text(b.partitions) << "\n";
  out << "  driven by:  " << (b.launch.empty() ? "the command that started it" : "the daemon") << "\n";
  out << "  created:    " << format_time(b.create_time_us) << "\n";
  if (b.end_time_us) out << "  ended:      " << format_time(b.end_time_us) << "\n";
  if (!b.error.empty()) out << "  error:      " << b.error << "\n";
  if (b.launch.empty()) return kExitSuccess;
  BackfillLaunch launch = BackfillLaunch::from_json(b.backfill_id, b.launch);
  TextTable runs({"CHUNK", "PARTITIONS", "RUN", "STATUS"});
  auto entries = storage.backfill_runs(b.backfill_id);
  size_t next = 0;
  for (size_t chunk = 0; chunk < launch.chunks.size(); ++chunk) {
    std::string run_id = "-", status = "NOT CREATED";
    if (next < entries.size() && entries[next].chunk == static_cast<int64_t>(chunk)) {
      const auto& entry = entries[next++];
      run_id = entry.run_id.empty() ? "-" : entry.run_id;
      status = entry.status ? run_status_name(*entry.status) : "NO RUN: " + entry.error;
    }
    runs.add({std::to_string(chunk + 1), partitions_text(launch.chunks[chunk]), run_id, shorten(status, 80)});
  }
  runs.print(out, "  ");
  return kExitSuccess;
}

int backfill_cancel_command(CliSession& session, const std::string& backfill_id) {
  BackfillRecord b = find_backfill(session, backfill_id);
  BackfillCancellation canceled = [&] {
    try {
      return cancel_backfill(session.instance(), b.backfill_id,
                             "requested with '" + session.program + " backfill cancel'");
    } catch (const StorageError&) {
      throw;
    } catch (const Error& e) {
      throw UsageError(e.what(), "'" + session.program + " backfill list' shows each backfill's status");
    }
  }();
  session.out << fmt::format(
      "Backfill {} {}: no new runs; {} queued run(s) canceled, {} running run(s) asked to stop\n", b.backfill_id,
      canceled.backfill.status, canceled.queued_canceled, canceled.running_asked);
  return kExitSuccess;
}

}  // namespace strata::cli
