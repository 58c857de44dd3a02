// PerPartition<T>: what a partitioned asset returns to store one value per partition of its run.
//
//   auto daily = strata::asset("daily_counts", {.partitions = strata::daily_partitions("2024-01-01"),
//                                                .backfill_policy = strata::BackfillPolicy::single_run()},
//       [](strata::AssetContext& ctx) {
//         strata::PerPartition<int64_t> counts;
//         for (const auto& day : ctx.asset_partition_keys()) counts[day] = count_for(day);
//         return counts;
//       });
//
// A run over a range of partitions (a single-run backfill) then stores each partition as its own
// object through the asset's I/O manager, exactly as a run of that one partition would: every I/O
// manager works, including those that store one partition per file. The asset's type, as
// downstream assets and I/O managers see it, is T. The keys must be exactly the run's partitions;
// anything else fails the step before anything is stored. A plain value type: not thread-safe.
#pragma once

#include <map>
#include <string>
#include <type_traits>
#include <utility>

namespace strata {

template <class T>
class PerPartition {
 public:
  using value_type = T;

  PerPartition() = default;
  PerPartition(std::map<std::string, T> values) : values_(std::move(values)) {}

  // The value of one partition (default-constructed when not set yet).
  T& operator[](const std::string& partition) { return values_[partition]; }
  void insert(std::string partition, T value) { values_.insert_or_assign(std::move(partition), std::move(value)); }
  const std::map<std::string, T>& values() const { return values_; }
  std::map<std::string, T>& values() { return values_; }

 private:
  std::map<std::string, T> values_;
};

class Resource;
struct OutputDef;

// Why asset output `out` cannot be stored for a run covering several partitions by `manager` (the
// resource under its I/O manager key; null for the built-in filesystem manager): it returns one
// value for the whole range and the manager stores one object per partition. "" when it can.
std::string partition_range_problem(const OutputDef& out, const std::string& manager_key, const Resource* manager);

template <class T>
struct is_per_partition : std::false_type {};
template <class T>
struct is_per_partition<PerPartition<T>> : std::true_type {};

}  // namespace strata
