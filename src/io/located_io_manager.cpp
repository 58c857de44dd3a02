#include "strata/io/located_io_manager.hpp"

#include "strata/core/util/error.hpp"

namespace strata {
namespace {

// The one partition of a scope (null: unpartitioned); throws when there are several.
const std::string* single_partition(const PartitionScope& scope, const std::string& what, const char* manager,
                                    const char* place) {
  if (scope.keys.size() > 1) {
    throw StorageError(what + ": the " + manager + " stores one partition per " + place + "; " +
                       std::to_string(scope.keys.size()) + " partitions were given to one " + place +
                       "; return strata::PerPartition<T> (one value per partition)");
  }
  return scope.keys.empty() ? nullptr : &scope.keys.front();
}

}  // namespace

std::string LocatedIOManager::describe(const OutputContext& context) {
  return context.has_asset_key() ? "asset '" + context.asset_key().to_string() + "'"
                                 : "output '" + context.step_key() + "." + context.name() + "'";
}

std::string LocatedIOManager::describe(const InputContext& context) {
  std::string what = context.has_asset_key() ? "asset '" + context.asset_key().to_string() + "'"
                                             : "input '" + context.name() + "' of step '" + context.step_key() + "'";
  if (context.has_partition_key()) what += " partition '" + context.partition_key() + "'";
  return what;
}

bool LocatedIOManager::stages(const OutputContext& context) {
  return context.publish_deferred() && context.has_asset_key();
}

StorageLocation LocatedIOManager::output_location(const OutputContext& context, OnePartitionPer one) {
  if (!context.has_asset_key()) return op_output_location(context.run_id(), context.step_key(), context.name());
  return asset_location(context.asset_key(),
                        single_partition(context.partition_scope(), describe(context), one.manager, one.place));
}

StorageLocation LocatedIOManager::input_location(const InputContext& context, OnePartitionPer one) {
  if (context.has_asset_key()) {
    return asset_location(context.asset_key(),
                          single_partition(context.partition_scope(), describe(context), one.manager, one.place));
  }
  if (const OutputContext* upstream = context.upstream_output()) return output_location(*upstream, one);
  throw StorageError("input '" + context.name() + "' of step '" + context.step_key() +
                     "' has neither an asset key nor an upstream output to load from");
}

std::string LocatedIOManager::path_under(const std::string& root, const StorageLocation& location,
                                         const std::string& suffix) {
  return root + "/" + location.relative_path() + suffix;
}

}  // namespace strata
