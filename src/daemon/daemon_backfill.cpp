#include "strata/daemon/daemon_backfill.hpp"

#include <nlohmann/json.hpp>

#include "strata/execution/plan.hpp"
#include "strata/execution/run_queue_coordinator.hpp"
#include "strata/execution/step_config.hpp"

namespace strata {
namespace {

using json = nlohmann::json;

std::string joined_selection(const std::vector<AssetKey>& assets) {
  std::string selection;
  for (const auto& key : assets) selection += (selection.empty() ? "" : ",") + key.to_string();
  return selection;
}

bool in_progress(const BackfillRunRecord& entry) { return entry.status && !is_finished(*entry.status); }

}  // namespace

std::string BackfillLaunch::to_json() const {
  return json{{"chunks", chunks},
              {"run_config", submission.run_config.document()},
              {"tags", submission.tags},
              {"max_concurrency", submission.max_concurrency}}
      .dump();
}

BackfillLaunch BackfillLaunch::from_json(const std::string& backfill_id, const std::string& text) {
  try {
    json doc = json::parse(text);
    BackfillLaunch launch;
    launch.chunks = doc.at("chunks").get<std::vector<std::vector<std::string>>>();
    launch.submission.run_config = RunConfig::from_json(doc.value("run_config", json::object()).dump());
    launch.submission.tags = doc.value("tags", std::map<std::string, std::string>{});
    launch.submission.max_concurrency = doc.value("max_concurrency", 0);
    return launch;
  } catch (const std::exception& e) {
    throw StorageError("backfill " + backfill_id + " has no usable launch document: " + e.what());
  }
}

bool backfill_finished(const std::string& status) {
  return status == "COMPLETED" || status == "FAILED" || status == "CANCELED";
}

std::string submit_backfill(const Definitions& defs, Instance& instance, const BackfillPlan& plan,
                            const BackfillSubmission& submission) {
  if (plan.runs.empty()) throw PartitionError("a backfill needs at least one partition key");
  ExecutionPlan execution = ExecutionPlan::for_assets(defs, plan.assets);
  (void)configure_steps(execution, submission.run_config);  // bad step config: refused, nothing recorded
  RunRequest first;
  first.selection = joined_selection(plan.assets);
  first.partition_keys = plan.runs.front();
  first.run_config = submission.run_config;
  first.tags = submission.tags;
  first.max_concurrency = submission.max_concurrency;
  (void)prepare_queued_run(defs, &instance.storage(), first);  // secrets, max_concurrency, partitions
  BackfillLaunch launch{plan.runs, submission};
  BackfillRecord record{plan.backfill_id,
                        first.selection,
                        plan.partitions,
                        "REQUESTED",
                        static_cast<int64_t>(plan.runs.size()),
                        0,
                        0,
                        now_unix_us(),
                        0};
  record.launch = launch.to_json();
  instance.storage().add_backfill(record);
  return record.backfill_id;
}

BackfillRecord backfill_progress(const BackfillRecord& backfill, const std::vector<BackfillRunRecord>& runs,
                                 int64_t now_us) {
  BackfillRecord out = backfill;
  out.runs_succeeded = out.runs_failed = out.runs_canceled = 0;
  out.error.clear();
  int64_t running = 0;
  for (const auto& entry : runs) {
    if (!entry.error.empty() && out.error.empty()) out.error = entry.error;
    if (!entry.status) {
      out.runs_failed += 1;  // no run could be created for the chunk
    } else if (*entry.status == RunStatus::kSuccess) {
      out.runs_succeeded += 1;
    } else if (*entry.status == RunStatus::kFailure) {
      out.runs_failed += 1;
    } else if (*entry.status == RunStatus::kCanceled) {
      out.runs_canceled += 1;
    } else {
      running += 1;
    }
  }
  if (backfill.status == "CANCELING") {
    if (running == 0) out.status = "CANCELED";
  } else if (!backfill_finished(backfill.status)) {
    bool all_created = static_cast<int64_t>(runs.size()) >= backfill.num_runs;
    if (all_created && running == 0) {
      out.status = out.runs_failed == 0 && out.runs_canceled == 0 ? "COMPLETED" : "FAILED";
    } else if (!runs.empty()) {
      out.status = "RUNNING";
    }
  }
  out.end_time_us = backfill_finished(out.status) ? (backfill.end_time_us ? backfill.end_time_us : now_us) : 0;
  return out;
}

BackfillRecord refresh_backfill(Storage& storage, const BackfillRecord& backfill, int64_t now_us) {
  if (backfill_finished(backfill.status) || backfill.launch.empty()) return backfill;
  BackfillRecord next = backfill_progress(backfill, storage.backfill_runs(backfill.backfill_id), now_us);
  bool changed = next.status != backfill.status || next.runs_succeeded != backfill.runs_succeeded ||
                 next.runs_failed != backfill.runs_failed || next.runs_canceled != backfill.runs_canceled ||
                 next.error != backfill.error;
  if (!changed) return next;
  if (storage.update_backfill_if(backfill.backfill_id, backfill.status, next)) return next;
  // Changed meanwhile (canceled): what is stored now.
  return storage.get_backfill(backfill.backfill_id).value_or(next);
}

std::pair<int, int> cancel_backfill_runs(Instance& instance, const std::vector<BackfillRunRecord>& runs,
                                         const std::string& reason) {
  std::pair<int, int> counts{0, 0};
  for (const auto& entry : runs) {
    if (!in_progress(entry) || *entry.status == RunStatus::kCanceling) continue;
    try {
      RunStatus now = instance.cancel_run(entry.run_id, reason);
      (now == RunStatus::kCanceled ? counts.first : counts.second) += 1;
    } catch (const StorageError&) {
      throw;
    } catch (const Error&) {
      // Finished meanwhile: nothing to cancel.
    }
  }
  return counts;
}

BackfillCancellation cancel_backfill(Instance& instance, const std::string& backfill_id, const std::string& reason) {
  Storage& storage = instance.storage();
  BackfillCancellation out;
  for (;;) {
    auto backfill = storage.get_backfill(backfill_id);
    if (!backfill) throw Error("no backfill '" + backfill_id + "' in " + storage.describe());
    if (backfill_finished(backfill->status)) {
      throw Error("backfill " + backfill_id + " already finished (" + backfill->status + "); nothing to cancel");
    }
    if (backfill->launch.empty()) {
      throw Error("backfill " + backfill_id +
                  " is run by the command that started it, not by the daemon; stop that command (Ctrl-C)");
    }
    if (backfill->status == "CANCELING") {
      out.backfill = *backfill;
      break;
    }
    BackfillRecord canceling = *backfill;
    canceling.status = "CANCELING";
    if (storage.update_backfill_if(backfill_id, backfill->status, canceling)) {
      out.backfill = canceling;
      break;
    }
  }
  std::string why = "backfill " + backfill_id + " canceled" + (reason.empty() ? "" : ": " + reason);
  auto [queued, running] = cancel_backfill_runs(instance, storage.backfill_runs(backfill_id), why);
  out.queued_canceled = queued;
  out.running_asked = running;
  out.backfill = refresh_backfill(storage, out.backfill, now_unix_us());
  return out;
}

}  // namespace strata
