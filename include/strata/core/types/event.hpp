// Event: one thing that happened in a run. Events are the source of truth for results, the
// instance's event log, the command line and (later) the UI. Each carries the run id, the step key
// (empty for run-level events) and a wall-clock timestamp.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "strata/core/definitions/asset_key.hpp"
#include "strata/core/types/metadata.hpp"

namespace strata {

enum class EventType {
  kRunStart,
  kRunSuccess,
  kRunFailure,
  kRunEnqueued,   // submitted to the instance's run queue
  kRunDequeued,   // taken from the queue to be started
  kRunCanceling,  // asked to stop
  kRunCanceled,   // stopped before finishing
  kStepStart,
  kStepSuccess,
  kStepFailure,
  kStepSkipped,
  kStepUpForRetry,  // a step attempt failed and will be retried (metadata: attempt, delay)
  kStepRestarted,   // a step's next attempt started (metadata: attempt)
  kLoadedInput,
  kHandledOutput,
  kMaterialization,
  kMaterializationFailed,  // a step that should have materialized the asset (partition) failed
  kObservation,
  kLog,
};

enum class LogLevel { kDebug, kInfo, kWarning, kError };

// "RUN_START", "STEP_FAILURE", ... (stable names, used in storage and output).
const char* event_type_name(EventType type);
std::optional<EventType> event_type_from_name(const std::string& name);
const char* log_level_name(LogLevel level);
std::optional<LogLevel> log_level_from_name(const std::string& name);

struct Event {
  EventType type = EventType::kLog;
  std::string run_id{};
  std::string step_key{};
  int64_t timestamp_us = 0;  // microseconds since the Unix epoch
  LogLevel level = LogLevel::kInfo;
  std::string message{};
  std::optional<AssetKey> asset_key{};     // materialization, observation, handled output, loaded input
  std::string name{};                      // output name (handled output, materialization) or input name
  std::optional<std::string> partition{};  // the partition key, when partitioned
  Metadata metadata{};
  // For failures: a Strata error's stable code (Error::code(): "config_error", "storage_error",
  // "missing_data", "canceled", ...), or the C++ type of another exception the user's code threw.
  std::string error_type{};
};

// Receives every event of a run as it happens, from any worker thread (calls are serialized).
using EventListener = std::function<void(const Event&)>;

int64_t now_unix_us();

}  // namespace strata
