#include "strata/core/partitions/per_partition.hpp"

#include "strata/core/definitions/node.hpp"
#include "strata/core/resources/io_manager.hpp"

namespace strata {

std::string partition_range_problem(const OutputDef& out, const std::string& manager_key, const Resource* manager) {
  if (!out.asset_key || !out.has_value() || out.per_partition) return "";
  if (manager != nullptr) {
    const auto* io = dynamic_cast<const IOManager*>(manager);
    if (io == nullptr || io->stores_partition_ranges()) return "";
  }
  return "asset '" + out.asset_key->to_string() + "' is stored by I/O manager '" + manager_key +
         "', which stores one object per partition, so a run of several partitions cannot store the one value it "
         "returns; return strata::PerPartition<" +
         out.type->name + "> (one value per partition) or use BackfillPolicy::multi_run(1)";
}

}  // namespace strata
