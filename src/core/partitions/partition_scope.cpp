#include "strata/core/partitions/partition_scope.hpp"

#include "strata/core/util/error.hpp"

namespace strata {

const std::string& PartitionAccessors::partition_key() const {
  if (scope_.keys.size() == 1) return scope_.keys.front();
  if (scope_.keys.empty()) throw PartitionError("'" + owner_ + "' is not partitioned: it has no partition key");
  throw PartitionError("'" + owner_ + "' covers " + std::to_string(scope_.keys.size()) +
                       " partitions; use asset_partition_keys() or asset_partition_key_range()");
}

PartitionKeyRange PartitionAccessors::asset_partition_key_range() const {
  if (scope_.keys.empty()) throw PartitionError("'" + owner_ + "' is not partitioned: it has no partition key range");
  return {scope_.keys.front(), scope_.keys.back()};
}

TimeWindow PartitionAccessors::asset_partitions_time_window() const {
  if (!scope_.window) {
    throw PartitionError("'" + owner_ + "' has no time window: it is not partitioned by time");
  }
  return *scope_.window;
}

}  // namespace strata
