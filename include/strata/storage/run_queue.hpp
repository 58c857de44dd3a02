// The run queue's data and its rule: runs submitted to the queue wait as QUEUED (storage holds them
// with what is needed to start them), and a dequeuer starts them in submission order while the
// instance's limits allow (strata.yaml `run_queue:`):
//
//   run_queue:
//     max_concurrent_runs: 10          # runs STARTED or CANCELING at once (absent: unlimited)
//     tag_concurrency_limits:
//       - {key: database, value: duckdb, limit: 1}   # runs tagged database=duckdb
//       - {key: team, limit: 4}                      # runs with a `team` tag, whatever its value
//
// runs_that_may_start() is the decision alone: a pure function, thread-safe, that never throws but
// for std::bad_alloc. Storage::dequeue_runs applies it and claims its choice in one transaction.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/types/event.hpp"
#include "strata/storage/run_record.hpp"

namespace strata {

struct TagConcurrencyLimit {
  std::string key{};
  std::optional<std::string> value{};  // absent: every run having the tag `key`, whatever its value
  int64_t limit = 0;

  bool matches(const std::map<std::string, std::string>& tags) const;
};

struct RunQueueConfig {
  std::optional<int64_t> max_concurrent_runs{};  // absent: unlimited; 0 holds every queued run
  std::vector<TagConcurrencyLimit> tag_concurrency_limits{};
};

// A queued run: its record (status QUEUED) and its launch document (JSON: what to run; see
// execution/run_queue_coordinator.hpp), in submission order (`position` increases).
struct QueuedRun {
  int64_t position = 0;
  RunRecord run{};
  std::string launch{};
};

// The process that claims (starts) a run.
struct RunOwner {
  std::string host{};
  int64_t pid = 0;
  int64_t start_ticks = 0;

  static RunOwner this_process();
};

// Which of `queued` (in submission order) may start now, given the runs in progress (STARTED or
// CANCELING): indexes into `queued`, ascending. A run blocked by a tag limit does not hold back
// later runs without that tag; max_concurrent_runs stops the choice.
std::vector<size_t> runs_that_may_start(const RunQueueConfig& config, const std::vector<QueuedRun>& queued,
                                        const std::vector<RunRecord>& in_progress);

// Why queued run `run` cannot start now (the first limit it would exceed), or "" when it may.
std::string why_run_waits(const RunQueueConfig& config, const RunRecord& run,
                          const std::vector<RunRecord>& in_progress);

// Storage::dequeue_runs calls it inside its transaction: the indexes of `queued` to claim.
using DequeueDecision =
    std::function<std::vector<size_t>(const std::vector<QueuedRun>& queued, const std::vector<RunRecord>& in_progress)>;

// The RUN_ENQUEUED / RUN_DEQUEUED events of a run.
Event run_enqueued_event(const std::string& run_id, int64_t time_us);
Event run_dequeued_event(const std::string& run_id, const RunOwner& owner, int64_t time_us);

}  // namespace strata
