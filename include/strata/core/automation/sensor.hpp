// SensorDefinition: a function the daemon calls every minimum_interval, returning runs to request
// (each with a run key for de-duplication, a partition key, config, tags) or a reason to skip, and
// a cursor it gets back next time (persisted in the instance, so it survives a daemon restart).
// Three kinds:
//   sensor(...)             custom: the function decides from whatever it looks at
//   asset_sensor(...)       called with the new materializations of the monitored assets
//   run_status_sensor(...)  called with the runs of a job that ended with the monitored status
// An exception from the function is recorded on the tick (FAILURE) and never stops the daemon.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "strata/core/automation/tick_result.hpp"
#include "strata/core/definitions/asset_key.hpp"
#include "strata/core/types/event.hpp"

namespace strata {

// What a sensor's function is given.
struct SensorContext {
  std::string sensor_name{};
  std::chrono::system_clock::time_point evaluation_time{};
  std::string cursor{};  // custom sensors: what the last evaluation returned as its cursor ("" at first)
  // Asset sensors: the new ASSET_MATERIALIZATION events of the monitored assets, oldest first.
  // Run-status sensors: the RUN_SUCCESS / RUN_FAILURE events of the runs that ended, oldest first.
  std::vector<Event> events{};
};

struct SensorDefinition {
  enum class Kind { kCustom, kAsset, kRunStatus };
  std::string name{};
  std::string job_name{};  // the job its run requests run (may be empty when it requests none)
  std::function<TickResult(const SensorContext&)> evaluate{};
  std::chrono::milliseconds minimum_interval{std::chrono::seconds(30)};
  InstigatorStatus default_status = InstigatorStatus::kStopped;
  Kind kind = Kind::kCustom;
  std::vector<AssetKey> monitored_assets{};  // kAsset
  std::string monitored_job{};               // kRunStatus: "" for any job
  bool monitor_failure = false;              // kRunStatus: runs that failed instead of succeeded
};

struct SensorOptions {
  std::string job_name{};
  std::chrono::milliseconds minimum_interval{std::chrono::seconds(30)};
  InstigatorStatus default_status = InstigatorStatus::kStopped;
};

SensorDefinition sensor(std::string name, SensorOptions options, std::function<TickResult(const SensorContext&)> fn);
SensorDefinition asset_sensor(std::string name, std::vector<AssetKey> assets, SensorOptions options,
                              std::function<TickResult(const SensorContext&)> fn);
// on_failure false: runs of `job` (any job when "") that succeeded; true: that failed.
SensorDefinition run_status_sensor(std::string name, std::string job, bool on_failure, SensorOptions options,
                                   std::function<TickResult(const SensorContext&)> fn);

}  // namespace strata
