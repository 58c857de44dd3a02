#include "strata/storage/run_queue.hpp"

#include <unistd.h>

#include "strata/storage/instance.hpp"

namespace strata {

bool TagConcurrencyLimit::matches(const std::map<std::string, std::string>& tags) const {
  auto it = tags.find(key);
  return it != tags.end() && (!value || it->second == *value);
}

RunOwner RunOwner::this_process() {
  RunOwner owner;
  owner.host = Instance::host_name();
  owner.pid = ::getpid();
  owner.start_ticks = Instance::process_start_ticks(owner.pid);
  return owner;
}

namespace {

// How many runs in progress count against each limit, and in all.
struct Occupancy {
  explicit Occupancy(const RunQueueConfig& config, const std::vector<RunRecord>& in_progress)
      : config(config), per_limit(config.tag_concurrency_limits.size(), 0), total(in_progress.size()) {
    for (const RunRecord& run : in_progress) add(run);
  }

  void add(const RunRecord& run) {
    for (size_t i = 0; i < per_limit.size(); ++i) {
      if (config.tag_concurrency_limits[i].matches(run.tags)) ++per_limit[i];
    }
  }

  // The limit `run` would exceed: -1 for max_concurrent_runs, the index of a tag limit, or -2.
  int blocking(const RunRecord& run) const {
    if (config.max_concurrent_runs && static_cast<int64_t>(total) >= *config.max_concurrent_runs) return -1;
    for (size_t i = 0; i < per_limit.size(); ++i) {
      const TagConcurrencyLimit& limit = config.tag_concurrency_limits[i];
      if (per_limit[i] >= limit.limit && limit.matches(run.tags)) return static_cast<int>(i);
    }
    return -2;
  }

  const RunQueueConfig& config;
  std::vector<int64_t> per_limit;
  size_t total;
};

}  // namespace

std::vector<size_t> runs_that_may_start(const RunQueueConfig& config, const std::vector<QueuedRun>& queued,
                                        const std::vector<RunRecord>& in_progress) {
  Occupancy occupancy(config, in_progress);
  std::vector<size_t> chosen;
  for (size_t i = 0; i < queued.size(); ++i) {
    int blocking = occupancy.blocking(queued[i].run);
    if (blocking == -1) break;  // the whole queue waits
    if (blocking >= 0) continue;
    chosen.push_back(i);
    occupancy.add(queued[i].run);
    ++occupancy.total;
  }
  return chosen;
}

std::string why_run_waits(const RunQueueConfig& config, const RunRecord& run,
                          const std::vector<RunRecord>& in_progress) {
  Occupancy occupancy(config, in_progress);
  int blocking = occupancy.blocking(run);
  if (blocking == -2) return "";
  if (blocking == -1) {
    return "max_concurrent_runs (" + std::to_string(*config.max_concurrent_runs) + ") runs are in progress";
  }
  const TagConcurrencyLimit& limit = config.tag_concurrency_limits[static_cast<size_t>(blocking)];
  return "tag limit " + limit.key + (limit.value ? "=" + *limit.value : std::string()) + " (" +
         std::to_string(limit.limit) + ") is reached";
}

Event run_enqueued_event(const std::string& run_id, int64_t time_us) {
  Event event;
  event.type = EventType::kRunEnqueued;
  event.run_id = run_id;
  event.timestamp_us = time_us;
  event.message = "Run " + run_id + " queued";
  return event;
}

Event run_dequeued_event(const std::string& run_id, const RunOwner& owner, int64_t time_us) {
  Event event;
  event.type = EventType::kRunDequeued;
  event.run_id = run_id;
  event.timestamp_us = time_us;
  event.message = "Run " + run_id + " dequeued: started by pid " + std::to_string(owner.pid) + " on " + owner.host;
  return event;
}

}  // namespace strata
