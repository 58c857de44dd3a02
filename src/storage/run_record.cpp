#include "strata/storage/run_record.hpp"

#include "strata/core/detail/enum_names.hpp"

namespace strata {
namespace {

constexpr std::pair<RunStatus, const char*> kNames[] = {
    {RunStatus::kQueued, "QUEUED"},   {RunStatus::kStarted, "STARTED"}, {RunStatus::kCanceling, "CANCELING"},
    {RunStatus::kSuccess, "SUCCESS"}, {RunStatus::kFailure, "FAILURE"}, {RunStatus::kCanceled, "CANCELED"}};

}  // namespace

const char* run_status_name(RunStatus status) { return detail::name_of(kNames, status, "UNKNOWN"); }

std::optional<RunStatus> run_status_from_name(const std::string& name) { return detail::value_of(kNames, name); }

bool is_finished(RunStatus status) {
  return status == RunStatus::kSuccess || status == RunStatus::kFailure || status == RunStatus::kCanceled;
}

}  // namespace strata
