// PartitionScope: which partition(s) of an asset a step writes or reads. Contexts expose it through
// Dagster's accessors (has_partition_key, partition_key, asset_partition_keys, ...). An empty scope
// means "not partitioned"; asking it for a key is an error that names the asset.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace strata {

// A half-open interval [start, end) of UTC time.
struct TimeWindow {
  std::chrono::sys_seconds start{};
  std::chrono::sys_seconds end{};
  bool operator==(const TimeWindow&) const = default;
};

struct PartitionKeyRange {
  std::string start{};
  std::string end{};
  bool operator==(const PartitionKeyRange&) const = default;
};

struct PartitionScope {
  std::vector<std::string> keys{};     // in partition order; one key for a single-partition step
  std::optional<TimeWindow> window{};  // for time-window partitions: the window covering `keys`

  bool empty() const { return keys.empty(); }
};

// The accessors shared by every context; `owner` names the asset or step in error messages.
class PartitionAccessors {
 public:
  bool has_partition_key() const { return scope_.keys.size() == 1; }
  // The single partition key; throws PartitionError when the step is not for exactly one partition.
  const std::string& partition_key() const;
  const std::string& asset_partition_key() const { return partition_key(); }
  // All partition keys in scope (empty when not partitioned).
  const std::vector<std::string>& asset_partition_keys() const { return scope_.keys; }
  // First and last key; throws PartitionError when not partitioned.
  PartitionKeyRange asset_partition_key_range() const;
  // The time window covering the keys; throws PartitionError for non-time partitions.
  TimeWindow asset_partitions_time_window() const;
  const PartitionScope& partition_scope() const { return scope_; }

 protected:
  PartitionAccessors() = default;
  PartitionAccessors(PartitionScope scope, std::string owner) : scope_(std::move(scope)), owner_(std::move(owner)) {}

  PartitionScope scope_;
  std::string owner_;
};

}  // namespace strata
