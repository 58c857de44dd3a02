// Backfills run by the daemon. `backfill ... --queue` plans the backfill as usual (partitions
// checked, runs split by the assets' BackfillPolicy) and records it as REQUESTED with what its runs
// need (submit_backfill); the daemon's backfill loop (backfill_daemon_loop.hpp) then creates its runs
// on the run queue, a few at a time, and records its progress; the run-queue loop starts them.
// Everything lives in the instance, so a daemon killed at any point resumes where it was: each chunk
// (the partitions of one run) gets at most one run (Storage::add_backfill_run).
//
//   std::string id = strata::submit_backfill(defs, *instance, strata::plan_backfill(defs, selection, keys));
//   strata::cancel_backfill(*instance, id);   // no new runs; queued ones canceled, running ones asked to stop
//
// Free functions; thread-safe as far as the instance's storage is.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "strata/core/config/run_config.hpp"
#include "strata/core/definitions/definitions.hpp"
#include "strata/execution/backfill.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

// What every run of a daemon-driven backfill gets, besides its partitions.
struct BackfillSubmission {
  // Kept in the instance as a queued run's is: a secret must come from the environment ({env: NAME}).
  RunConfig run_config{};
  std::map<std::string, std::string> tags{};
  int max_concurrency = 0;  // steps at once in each run (0: all cores)
};

// A backfill's launch document (BackfillRecord::launch): its chunks and what each run gets.
struct BackfillLaunch {
  std::vector<std::vector<std::string>> chunks{};  // partition keys of each run, in order
  BackfillSubmission submission{};

  std::string to_json() const;
  // Throws StorageError naming the backfill when `text` is not a launch document.
  static BackfillLaunch from_json(const std::string& backfill_id, const std::string& text);
};

// The tag every run of a backfill carries.
inline constexpr const char* kBackfillIdTag = "strata/backfill_id";

// Checks what the runs will need (step config, no literal secret, partitions — as submit_run does
// for the first chunk) and records the backfill as REQUESTED; returns its id. Throws ConfigError,
// PartitionError, DefinitionError (nothing recorded), StorageError.
std::string submit_backfill(const Definitions& defs, Instance& instance, const BackfillPlan& plan,
                            const BackfillSubmission& submission = {});

// The progress of `backfill` from the current status of its chunks' runs: the counts, and its
// status (COMPLETED or FAILED once every chunk has a finished run, CANCELED once a CANCELING
// backfill has no run in progress; end time `now_us` then).
BackfillRecord backfill_progress(const BackfillRecord& backfill, const std::vector<BackfillRunRecord>& runs,
                                 int64_t now_us);

// Records backfill_progress of `backfill` when its status is still the one read; returns the
// record as it stands afterwards.
BackfillRecord refresh_backfill(Storage& storage, const BackfillRecord& backfill, int64_t now_us);

struct BackfillCancellation {
  BackfillRecord backfill{};  // as it stands afterwards (CANCELING, or CANCELED when nothing ran)
  int queued_canceled = 0;    // queued runs canceled
  int running_asked = 0;      // running runs asked to stop
};

// Cancels a daemon-driven backfill: CANCELING at once (no new run is created), its queued runs
// CANCELED, its running runs asked to stop (Instance::cancel_run); CANCELED once none runs. Throws
// Error naming the backfill when it is unknown, already finished (saying how), or run by the
// command line that started it rather than by the daemon.
BackfillCancellation cancel_backfill(Instance& instance, const std::string& backfill_id,
                                     const std::string& reason = "");

// Cancels those of `runs` still QUEUED (they end CANCELED) or STARTED (asked to stop); returns how
// many of each. A run that finished meanwhile is left alone. Throws StorageError.
std::pair<int, int> cancel_backfill_runs(Instance& instance, const std::vector<BackfillRunRecord>& runs,
                                         const std::string& reason);

// Whether a backfill's status is final (COMPLETED, FAILED, CANCELED).
bool backfill_finished(const std::string& status);

}  // namespace strata
