// RunRecord: what the instance knows about one run: identity, job or selection, status, tags,
// run config (secrets redacted), times, and the process that owns it (to find runs whose process
// died).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/definitions/asset_key.hpp"

namespace strata {

// QUEUED: submitted, waiting for the queue to start it; STARTED: running; CANCELING: asked to stop,
// still stopping; then one of SUCCESS, FAILURE, CANCELED (finished).
enum class RunStatus { kQueued, kStarted, kCanceling, kSuccess, kFailure, kCanceled };
const char* run_status_name(RunStatus status);  // "QUEUED", "STARTED", ...
std::optional<RunStatus> run_status_from_name(const std::string& name);
bool is_finished(RunStatus status);

struct RunRecord {
  std::string run_id{};
  std::string job_name{};
  std::string selection{};  // the asset selection, as text, for asset runs
  RunStatus status = RunStatus::kQueued;
  std::map<std::string, std::string> tags{};
  std::string run_config{};  // JSON, with EnvVar-backed values never included
  std::string owner_host{};
  int64_t owner_pid = 0;
  int64_t owner_start_ticks = 0;  // the owner's start time (/proc/<pid>/stat), to detect pid reuse
  int64_t create_time_us = 0;
  int64_t start_time_us = 0;
  int64_t end_time_us = 0;
};

// A new random run id (UUID version 4 text), unique also across forked processes.
std::string new_run_id();

// `tags` plus the tags naming the partitions of a run over `partition_keys` (strata/partition, or
// strata/partition_range FIRST..LAST for several).
std::map<std::string, std::string> run_tags(std::map<std::string, std::string> tags,
                                            const std::vector<std::string>& partition_keys);

struct RunFilter {
  std::optional<RunStatus> status{};
  std::optional<std::string> job_name{};
  std::optional<AssetKey> asset_key{};  // runs that materialized this asset
  std::optional<int64_t> created_after_us{};
  std::optional<int64_t> created_before_us{};
  int limit = 100;  // newest first
};

}  // namespace strata
