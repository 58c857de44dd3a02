// ScheduleLoop: the daemon loop ("schedules") that fires the running schedules of a Definitions.
// Each pass reads every schedule's state from the instance, computes the ticks due since the last
// one handled (core/automation/cron.hpp, in the schedule's time zone), applies the catch-up policy to ticks
// missed while no daemon ran, evaluates each tick (its run requests, or a skip), and records all
// ticks with their runs in one transaction (Storage::commit_ticks): the runs are queued (the run
// queue loop starts them under the instance's limits), each under the run key "<schedule>@<tick
// time>" unless the request names one, so that a tick queues its run at most once, whatever the
// number of daemons or crashes between queuing and recording. A schedule seen running for the first
// time (or started again) starts ticking from the time it is first evaluated.
//
// Holds the definitions and the instance; run_once from one thread at a time. Errors of one
// schedule (its function threw, its partition is unknown) are recorded on its tick as FAILURE;
// run_once throws only StorageError (nothing recorded then; the same ticks come again next pass).
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/automation/cron.hpp"
#include "strata/core/definitions/definitions.hpp"
#include "strata/daemon/definitions_loop.hpp"
#include "strata/storage/instance.hpp"

namespace strata {

class ScheduleLoop final : public DefinitionsLoop {
 public:
  ScheduleLoop(std::shared_ptr<const Definitions> defs, std::shared_ptr<Instance> instance,
               std::chrono::milliseconds interval = std::chrono::seconds(1));

  std::string name() const override { return "schedules"; }
  void run_once(Clock::time_point now) override;

 private:
  struct Entry {
    const ScheduleDefinition* schedule;
    CronSchedule cron;
    PartitionsPtr partitions;  // of the job's assets when time-window partitioned, else null
  };

  std::vector<Entry> entries_;
};

// The tick times of `schedule` after `after`, at most `count` (for `schedule preview`).
std::vector<std::chrono::system_clock::time_point> upcoming_ticks(const ScheduleDefinition& schedule,
                                                                  std::chrono::system_clock::time_point after,
                                                                  size_t count);

// The partition of a time-window `partitions` that is the latest complete at `at` (its window
// ended at or before `at`); nullopt when none is (before the first partition ends).
std::optional<std::string> latest_complete_partition(const PartitionsDefinition& partitions,
                                                     std::chrono::system_clock::time_point at);

}  // namespace strata
