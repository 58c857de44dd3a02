#include "strata/storage/run_record.hpp"

namespace strata {
namespace {

constexpr std::pair<RunStatus, const char*> kNames[] = {{RunStatus::kQueued, "QUEUED"},
                                                        {RunStatus::kStarted, "STARTED"},
                                                        {RunStatus::kSuccess, "SUCCESS"},
                                                        {RunStatus::kFailure, "FAILURE"},
                                                        {RunStatus::kCanceled, "CANCELED"}};

}  // namespace

const char* run_status_name(RunStatus status) {
  for (const auto& [s, name] : kNames) {
    if (s == status) return name;
  }
  return "UNKNOWN";
}

std::optional<RunStatus> run_status_from_name(const std::string& name) {
  for (const auto& [s, n] : kNames) {
    if (name == n) return s;
  }
  return std::nullopt;
}

bool is_finished(RunStatus status) {
  return status == RunStatus::kSuccess || status == RunStatus::kFailure || status == RunStatus::kCanceled;
}

}  // namespace strata
