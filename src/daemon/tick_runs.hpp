// What the schedule and sensor loops share: turning a tick's result into the commit that records it
// (its runs prepared for the queue, the tick's status), and the time conversions.
#pragma once

#include <chrono>
#include <map>
#include <string>

#include "strata/core/definitions/definitions.hpp"
#include "strata/daemon/clock.hpp"
#include "strata/storage/storage.hpp"

namespace strata::daemon_detail {

int64_t to_us(Clock::time_point t);
Clock::time_point from_us(int64_t us);

struct TickSource {
  std::string name{};
  std::string kind{};         // "schedule" or "sensor"
  std::string default_job{};  // for requests that name none
  std::string default_partition{};
  std::map<std::string, std::string> tags{};  // added to every run (strata/schedule_name...)
  std::string default_run_key{};              // for requests without one ("" : none)
};

// The commit of a tick at `tick_time` from `result`: SUCCESS with its runs prepared for the queue,
// or SKIPPED with the reason; a request that cannot run (no job, bad partition...) makes the tick
// FAILURE naming it, with no run queued.
TickCommit commit_from_result(const Definitions& defs, Storage& storage, const TickSource& source,
                              Clock::time_point tick_time, const TickResult& result);

// A FAILURE tick carrying `error`.
TickCommit failed_commit(const TickSource& source, Clock::time_point tick_time, const std::string& error);

}  // namespace strata::daemon_detail
