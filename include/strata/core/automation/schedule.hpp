// ScheduleDefinition: a job to run on a cron schedule ("0 * * * *" = hourly) in a time zone. The
// daemon (strata::Daemon, `daemon` command) evaluates running schedules: at each tick it requests
// one run of the job (with the schedule's run config and tags), or what `evaluate` returns. Ticks
// of a job whose assets are time-window partitioned request the latest partition complete at the
// tick (a daily job scheduled at 00:05 runs yesterday's partition). Validated by Definitions: job
// exists, cron parses (core/automation/cron.hpp), time zone known.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>

#include "strata/core/automation/tick_result.hpp"
#include "strata/core/config/run_config.hpp"

namespace strata {

// What the daemon does with ticks it missed while it was down.
struct CatchUpPolicy {
  enum class Kind {
    kLatest,  // only the newest missed tick runs; the others are recorded SKIPPED
    kAll,     // every missed tick runs, oldest first, up to max_ticks (older ones SKIPPED)
  };
  Kind kind = Kind::kLatest;
  size_t max_ticks = 25;

  static CatchUpPolicy latest() { return {}; }
  static CatchUpPolicy all(size_t max_ticks = 25) { return {Kind::kAll, max_ticks}; }
};

// What a schedule's evaluate function is given.
struct ScheduleContext {
  std::string schedule_name{};
  std::chrono::system_clock::time_point scheduled_time{};  // the tick's time
  std::string timezone{};
  std::string partition_key{};  // the latest complete partition of a time-partitioned job, else ""
};

struct ScheduleDefinition {
  std::string name{};
  std::string job_name{};
  std::string cron_schedule{};
  std::string timezone = "UTC";
  RunConfig run_config{};                     // of every run it requests (unless evaluate says otherwise)
  std::map<std::string, std::string> tags{};  // likewise
  // Optional: decides per tick (run requests or a skip). Default: one run of the job.
  std::function<TickResult(const ScheduleContext&)> evaluate{};
  InstigatorStatus default_status = InstigatorStatus::kStopped;
  CatchUpPolicy catch_up{};
};

// Throws DefinitionError naming the schedule and the bad field of `cron`.
void validate_cron(const std::string& schedule_name, const std::string& cron);

}  // namespace strata
