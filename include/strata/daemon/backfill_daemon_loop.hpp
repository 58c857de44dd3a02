// BackfillDaemonLoop: the daemon's loop that drives the backfills submitted with `backfill --queue`
// (daemon/daemon_backfill.hpp). Each pass, for every REQUESTED or RUNNING backfill, oldest first, it
// creates the runs of its next chunks on the run queue while fewer than `max_queued_runs` of the
// backfill's runs wait there (the run-queue loop starts them under the queue's limits), records a
// chunk whose partitions no longer exist as failed with the reason, and updates the progress from
// the runs' outcomes; for a CANCELING backfill it cancels what is still queued or running and ends
// it CANCELED once nothing runs. All state is in the instance: a daemon killed (kill -9) between two
// steps resumes on its next pass, and a chunk never gets a second run.
//
// Holds the Definitions by reference (they outlive the loop) and the instance; run_once from one
// thread at a time. run_once throws StorageError when the instance cannot be read or written; a
// backfill that cannot be driven (its launch document unreadable) fails alone with the reason.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "strata/core/definitions/definitions.hpp"
#include "strata/daemon/daemon_backfill.hpp"
#include "strata/daemon/daemon_loop.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

struct BackfillLoopOptions {
  std::chrono::milliseconds interval{1000};
  // How many runs of one backfill may wait in the run queue at once; 0: the instance's
  // run_queue.max_concurrent_runs when it sets one, else 10.
  int max_queued_runs = 0;
  // Called after each run the loop created (backfill id, chunk, run id); for logs and tests.
  std::function<void(const std::string& backfill_id, int64_t chunk, const std::string& run_id)> on_run_created{};
};

class BackfillDaemonLoop final : public DaemonLoop {
 public:
  BackfillDaemonLoop(const Definitions& defs, std::shared_ptr<Instance> instance, BackfillLoopOptions options = {});

  std::string name() const override { return "backfills"; }
  std::chrono::milliseconds interval() const override { return options_.interval; }
  void run_once(Clock::time_point now) override;

 private:
  void drive(const BackfillRecord& backfill, int64_t now_us);
  void create_runs(const BackfillRecord& backfill, const BackfillLaunch& launch,
                   const std::vector<BackfillRunRecord>& entries);
  int max_queued_runs() const;

  const Definitions& defs_;
  std::shared_ptr<Instance> instance_;
  BackfillLoopOptions options_;
};

}  // namespace strata
