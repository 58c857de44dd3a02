// PartitionMapping: which upstream partitions a downstream partition reads.
//
//   identity_mapping()                 the same key (the default between equal definitions)
//   time_window_mapping(start, end)    every upstream window overlapping the downstream window, shifted
//                                      by whole downstream windows (default between time windows:
//                                      a daily asset reads its 24 hourly parents, a weekly one 7 days)
//   all_partitions_mapping()           every upstream partition (the default for an unpartitioned
//                                      downstream asset)
//   last_partition_mapping()           the newest upstream partition
//   static_mapping({{"us", {"na"}}})   upstream key → downstream keys, as listed
//   dimension_mapping("date")          between a multi-partitioned asset and one partitioned like one of
//                                      its dimensions (the default when exactly one dimension fits)
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "strata/core/partitions/partitions.hpp"

namespace strata {

class PartitionMapping {
 public:
  virtual ~PartitionMapping() = default;
  // The upstream keys needed by `downstream_keys` (of `downstream`, null when the downstream asset is
  // not partitioned), in upstream partition order. Throws PartitionError when they cannot be mapped.
  virtual std::vector<std::string> upstream_keys(const std::vector<std::string>& downstream_keys,
                                                 const PartitionsDefinition* downstream,
                                                 const PartitionsDefinition& upstream,
                                                 DynamicPartitionsStore* store) const = 0;
  virtual std::string describe() const = 0;
};

using PartitionMappingPtr = std::shared_ptr<const PartitionMapping>;

PartitionMappingPtr identity_mapping();
PartitionMappingPtr time_window_mapping(int start_offset = 0, int end_offset = 0);
PartitionMappingPtr all_partitions_mapping();
PartitionMappingPtr last_partition_mapping();
PartitionMappingPtr static_mapping(std::map<std::string, std::vector<std::string>> upstream_to_downstream);
PartitionMappingPtr dimension_mapping(std::string dimension);

// The mapping used when an input names none; throws DefinitionError (naming `owner`) when none fits.
PartitionMappingPtr default_partition_mapping(const PartitionsDefinition* downstream,
                                              const PartitionsDefinition& upstream, const std::string& owner);

}  // namespace strata
