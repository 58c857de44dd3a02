// Partitions: an asset stored and computed in slices. A PartitionsDefinition lists the keys:
//
//   strata::static_partitions({"us", "eu", "apac"})
//   strata::daily_partitions("2024-01-01", {.timezone = "America/New_York"})   // keys "2024-01-01", ...
//   strata::hourly_partitions("2024-01-01-00:00")                               // keys "2024-01-01-00:00", ...
//   strata::weekly_partitions("2024-01-07")   strata::monthly_partitions("2024-01-01")
//   strata::dynamic_partitions("customers")     // keys added and removed at run time, kept in the instance
//   strata::multi_partitions({{"date", daily}, {"region", regions}})            // keys "2024-01-01|us"
//
// Time windows follow the wall clock of their time zone: a daily partition runs from local midnight
// to local midnight (23 or 25 hours on DST days); an hourly partition whose local hour does not exist
// (spring forward) is absent, and the repeated hour (fall back) is one partition two hours long.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strata/core/partitions/partition_scope.hpp"

namespace strata {

// Where dynamic partition keys live; the instance's storage implements it.
class DynamicPartitionsStore {
 public:
  virtual ~DynamicPartitionsStore() = default;
  // Keys of the dynamic partitions definition `name`, in the order they were added.
  virtual std::vector<std::string> dynamic_partitions(const std::string& name) = 0;
  // Adds keys that are not there yet (idempotent). Throws PartitionError, adding nothing, when a key
  // cannot be a storage location component (core/resources/storage_location.hpp: "../x", ".hidden", ...).
  virtual void add_dynamic_partitions(const std::string& name, const std::vector<std::string>& keys) = 0;
  virtual void delete_dynamic_partition(const std::string& name, const std::string& key) = 0;
};

class PartitionsDefinition {
 public:
  enum class Kind { kStatic, kTimeWindow, kDynamic, kMulti };
  virtual ~PartitionsDefinition() = default;

  virtual Kind kind() const = 0;
  // Every key, in partition order. Dynamic definitions read `store` (PartitionError without one).
  virtual std::vector<std::string> keys(DynamicPartitionsStore* store = nullptr) const = 0;
  // Throws PartitionError naming `owner` (an asset), the expected format and an example.
  virtual void validate_key(const std::string& key, const std::string& owner, DynamicPartitionsStore* store) const;
  // The keys from `first` to `last` inclusive, in order (both validated).
  virtual std::vector<std::string> key_range(const std::string& first, const std::string& last,
                                             const std::string& owner, DynamicPartitionsStore* store) const;
  // For time windows: the window of `key`.
  virtual std::optional<TimeWindow> time_window(const std::string& key) const;
  // What a key looks like: "YYYY-MM-DD, e.g. 2024-01-01" or "one of: us, eu".
  virtual std::string format_hint(DynamicPartitionsStore* store) const = 0;
  // A description that also identifies the definition ("daily from 2024-01-01 in UTC").
  virtual std::string describe() const = 0;

  bool same_as(const PartitionsDefinition& other) const { return describe() == other.describe(); }
};

using PartitionsPtr = std::shared_ptr<const PartitionsDefinition>;

PartitionsPtr static_partitions(std::vector<std::string> keys);

enum class TimeGranularity { kHourly, kDaily, kWeekly, kMonthly };

struct TimeWindowOptions {
  std::string end{};             // last boundary (exclusive), same format as start; empty: up to now
  std::string timezone = "UTC";  // an IANA name, e.g. "Europe/Berlin"
  std::string format{};          // key format (%Y %m %d %H %M); empty: the granularity's default
  int end_offset = 0;            // without `end`: 1 also includes the window in progress
};

// `start` uses the key format: "2024-01-01" (daily, weekly, monthly) or "2024-01-01-00:00" (hourly).
// Weekly windows start on Sundays, monthly ones on the 1st (a start in between rounds up).
PartitionsPtr time_window_partitions(TimeGranularity granularity, const std::string& start,
                                     TimeWindowOptions options = {});
PartitionsPtr hourly_partitions(const std::string& start, TimeWindowOptions options = {});
PartitionsPtr daily_partitions(const std::string& start, TimeWindowOptions options = {});
PartitionsPtr weekly_partitions(const std::string& start, TimeWindowOptions options = {});
PartitionsPtr monthly_partitions(const std::string& start, TimeWindowOptions options = {});

PartitionsPtr dynamic_partitions(std::string name);

// Two dimensions; keys are "<first>|<second>", first dimension outermost.
PartitionsPtr multi_partitions(std::vector<std::pair<std::string, PartitionsPtr>> dimensions);

// For multi-partitions: the dimensions; empty for other kinds.
std::vector<std::pair<std::string, PartitionsPtr>> partition_dimensions(const PartitionsDefinition& definition);
// Splits a multi-partition key into its dimension keys.
std::vector<std::string> split_multi_key(const std::string& key);
std::string join_multi_key(const std::vector<std::string>& parts);

// A scope over `keys` of `definition`, with the time window covering them for time windows.
PartitionScope make_partition_scope(const PartitionsDefinition& definition, std::vector<std::string> keys);

// The keys of a time-window definition whose windows overlap `window`, in order; PartitionError for
// other kinds.
std::vector<std::string> time_keys_overlapping(const PartitionsDefinition& definition, const TimeWindow& window);

}  // namespace strata
