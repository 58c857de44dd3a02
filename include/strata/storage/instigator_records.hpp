// What the instance keeps for the daemon (schema version 4): the state of every schedule and
// sensor (status set from the command line, sensor cursor, the last tick evaluated), their ticks,
// the run keys already used (so that a tick launches at most once), each daemon loop's heartbeat,
// and the daemon lease (one active daemon per instance). Plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/automation/tick_result.hpp"
#include "strata/storage/run_record.hpp"

namespace strata {

struct InstigatorState {
  std::string name{};
  std::string kind{};                        // "schedule" or "sensor"
  std::optional<InstigatorStatus> status{};  // set by start/stop; absent: the definition's default
  std::string cursor{};                      // sensors: the cursor of the last evaluation
  int64_t last_tick_time_us = 0;             // schedules: the newest tick time handled; sensors: last evaluation
};

// One evaluation of a schedule (at its tick time) or a sensor (at its evaluation time).
struct TickRecord {
  std::string instigator{};
  std::string kind{};  // "schedule" or "sensor"
  int64_t tick_time_us = 0;
  std::string status{};  // "SUCCESS" (runs requested), "SKIPPED", "FAILURE"
  std::vector<std::string> run_ids{};
  std::string skip_reason{};
  std::string error{};
  std::string cursor{};      // sensors: the cursor after this tick
  int64_t timestamp_us = 0;  // when it was recorded
};

// A run a tick requests, queued under its key: of the runs with one (instigator, run key), only the
// first is ever created; later ones are dropped and the tick records the first one's id.
struct KeyedRun {
  std::string run_key{};  // "": no de-duplication
  RunRecord run{};
  std::string launch{};  // the run queue's launch document (storage/run_queue.hpp)
};

// A tick to record with its runs and the instigator's state after it, all in one transaction.
struct TickCommit {
  TickRecord tick{};
  std::vector<KeyedRun> runs{};
  std::optional<std::string> cursor{};  // the new cursor (absent: unchanged)
  int64_t last_tick_time_us = 0;        // the state's last_tick_time_us moves forward to it
};

struct DaemonHeartbeat {
  std::string loop{};  // DaemonLoop::name()
  std::string daemon_id{};
  int64_t time_us = 0;       // the end of the loop's last pass
  std::string last_error{};  // of the last pass that failed ("" when none ever did)
  int64_t last_error_time_us = 0;
};

struct DaemonLease {
  std::string holder{};  // daemon id: "host:pid:start-ticks"
  int64_t acquired_us = 0;
  int64_t expires_us = 0;
};

}  // namespace strata
