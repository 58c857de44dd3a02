#include "strata/core/types/event.hpp"

#include <chrono>
#include <cstring>

#include "strata/core/detail/enum_names.hpp"

namespace strata {
namespace {

constexpr std::pair<EventType, const char*> kEventNames[] = {
    {EventType::kRunStart, "RUN_START"},
    {EventType::kRunSuccess, "RUN_SUCCESS"},
    {EventType::kRunFailure, "RUN_FAILURE"},
    {EventType::kRunEnqueued, "RUN_ENQUEUED"},
    {EventType::kRunDequeued, "RUN_DEQUEUED"},
    {EventType::kRunCanceling, "RUN_CANCELING"},
    {EventType::kRunCanceled, "RUN_CANCELED"},
    {EventType::kStepStart, "STEP_START"},
    {EventType::kStepSuccess, "STEP_SUCCESS"},
    {EventType::kStepFailure, "STEP_FAILURE"},
    {EventType::kStepSkipped, "STEP_SKIPPED"},
    {EventType::kStepUpForRetry, "STEP_UP_FOR_RETRY"},
    {EventType::kStepRestarted, "STEP_RESTARTED"},
    {EventType::kLoadedInput, "LOADED_INPUT"},
    {EventType::kHandledOutput, "HANDLED_OUTPUT"},
    {EventType::kMaterialization, "ASSET_MATERIALIZATION"},
    {EventType::kMaterializationFailed, "ASSET_FAILED_TO_MATERIALIZE"},
    {EventType::kObservation, "ASSET_OBSERVATION"},
    {EventType::kLog, "LOG"},
};

constexpr std::pair<LogLevel, const char*> kLevelNames[] = {{LogLevel::kDebug, "DEBUG"},
                                                            {LogLevel::kInfo, "INFO"},
                                                            {LogLevel::kWarning, "WARNING"},
                                                            {LogLevel::kError, "ERROR"}};

}  // namespace

const char* event_type_name(EventType type) { return detail::name_of(kEventNames, type, "UNKNOWN"); }

std::optional<EventType> event_type_from_name(const std::string& name) { return detail::value_of(kEventNames, name); }

const char* log_level_name(LogLevel level) { return detail::name_of(kLevelNames, level, "INFO"); }

std::optional<LogLevel> log_level_from_name(const std::string& name) { return detail::value_of(kLevelNames, name); }

int64_t now_unix_us() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace strata
