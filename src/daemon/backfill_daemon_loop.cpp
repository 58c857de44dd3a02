#include "strata/daemon/backfill_daemon_loop.hpp"

#include <set>

#include "strata/daemon/daemon_backfill.hpp"
#include "strata/execution/run_queue_coordinator.hpp"

namespace strata {
namespace {

constexpr int kDefaultMaxQueuedRuns = 10;

std::string describe_chunk(const std::vector<std::string>& keys) {
  if (keys.empty()) return "no partitions";
  return keys.size() == 1 ? "partition " + keys.front() : "partitions " + keys.front() + ".." + keys.back();
}

}  // namespace

BackfillDaemonLoop::BackfillDaemonLoop(const Definitions& defs, std::shared_ptr<Instance> instance,
                                       BackfillLoopOptions options)
    : defs_(defs), instance_(std::move(instance)), options_(std::move(options)) {}

int BackfillDaemonLoop::max_queued_runs() const {
  if (options_.max_queued_runs > 0) return options_.max_queued_runs;
  const auto& limit = instance_->config().run_queue.max_concurrent_runs;
  return limit && *limit > 0 ? static_cast<int>(*limit) : kDefaultMaxQueuedRuns;
}

void BackfillDaemonLoop::run_once(Clock::time_point now) {
  int64_t now_us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
  for (const BackfillRecord& backfill : instance_->storage().active_backfills()) {
    if (backfill.launch.empty()) continue;  // run by the command line that started it
    drive(backfill, now_us);
  }
}

void BackfillDaemonLoop::drive(const BackfillRecord& backfill, int64_t now_us) {
  Storage& storage = instance_->storage();
  std::vector<BackfillRunRecord> entries = storage.backfill_runs(backfill.backfill_id);
  if (backfill.status == "CANCELING") {
    // Runs created while the cancel was being recorded, or not yet stopped.
    cancel_backfill_runs(*instance_, entries, "backfill " + backfill.backfill_id + " canceled");
  } else {
    BackfillLaunch launch;
    try {
      launch = BackfillLaunch::from_json(backfill.backfill_id, backfill.launch);
    } catch (const StorageError& e) {
      // Fails this backfill alone.
      BackfillRecord failed = backfill;
      failed.status = "FAILED";
      failed.error = e.what();
      failed.end_time_us = now_us;
      storage.update_backfill_if(backfill.backfill_id, backfill.status, failed);
      return;
    }
    create_runs(backfill, launch, entries);
  }
  auto current = storage.get_backfill(backfill.backfill_id);
  if (current) refresh_backfill(storage, *current, now_us);
}

void BackfillDaemonLoop::create_runs(const BackfillRecord& backfill, const BackfillLaunch& launch,
                                     const std::vector<BackfillRunRecord>& entries) {
  Storage& storage = instance_->storage();
  std::set<int64_t> created;
  int queued = 0;
  for (const auto& entry : entries) {
    created.insert(entry.chunk);
    if (entry.status == RunStatus::kQueued) ++queued;
  }
  int64_t chunks = static_cast<int64_t>(launch.chunks.size());
  for (int64_t chunk = 0; chunk < chunks && queued < max_queued_runs(); ++chunk) {
    if (created.count(chunk)) continue;
    const auto& keys = launch.chunks[static_cast<size_t>(chunk)];
    RunRequest request;
    request.selection = backfill.selection;
    request.partition_keys = keys;
    request.run_config = launch.submission.run_config;
    request.tags = launch.submission.tags;
    request.tags[kBackfillIdTag] = backfill.backfill_id;
    request.max_concurrency = launch.submission.max_concurrency;
    QueuedRun run;
    try {
      PreparedRun prepared = prepare_queued_run(defs_, &storage, request);
      run.run = std::move(prepared.record);
      run.launch = std::move(prepared.launch);
    } catch (const StorageError&) {
      throw;
    } catch (const Error& e) {
      // The partitions (or assets) are gone from the definitions or the instance since submission.
      if (!storage.add_backfill_chunk_error(backfill.backfill_id, chunk, describe_chunk(keys) + ": " + e.what())) {
        return;
      }
      continue;
    }
    if (!storage.add_backfill_run(backfill.backfill_id, chunk, run)) return;  // canceled meanwhile, or created
    ++queued;
    if (options_.on_run_created) options_.on_run_created(backfill.backfill_id, chunk, run.run.run_id);
  }
}

}  // namespace strata
