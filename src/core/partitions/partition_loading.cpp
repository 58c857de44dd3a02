#include "strata/core/partitions/partition_loading.hpp"

#include "strata/core/util/error.hpp"

namespace strata {

bool loads_partition_map(const InputContext& context) {
  return context.has_type() && context.type().partition_map_value != nullptr && !context.partition_scope().empty();
}

Value load_partition_map(
    const InputContext& context,
    const std::function<Value(const std::string& partition, const TypeInfo& value_type)>& load_one) {
  const TypeInfo& map_type = context.type();
  const TypeInfo& value_type = *map_type.partition_map_value;
  std::vector<std::pair<std::string, std::shared_ptr<const void>>> parts;
  std::vector<std::string> missing;
  for (const auto& key : context.partition_scope().keys) {
    try {
      Value value = load_one(key, value_type);
      parts.emplace_back(key, value.shared());
    } catch (const MissingDataError&) {
      missing.push_back(key);
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 20; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 20) list += ", ... (" + std::to_string(missing.size()) + " in all)";
    std::string owner = context.has_asset_key() ? "asset '" + context.asset_key().to_string() + "'" : "input";
    throw MissingDataError(owner + ": " + std::to_string(missing.size()) + " of " +
                           std::to_string(context.partition_scope().keys.size()) +
                           " upstream partitions are not materialized: " + list);
  }
  return Value(map_type.make_partition_map(parts), map_type);
}

void throw_needs_partition_map(const InputContext& context, const std::string& manager) {
  std::string owner = context.has_asset_key() ? "asset '" + context.asset_key().to_string() + "'" : "the upstream";
  throw StorageError("input '" + context.name() + "' of step '" + context.step_key() + "' reads " +
                     std::to_string(context.partition_scope().keys.size()) + " partitions of " + owner + "; the " +
                     manager + " loads several partitions only as std::map<std::string, " +
                     (context.has_type() ? context.type().name : std::string("T")) +
                     "> (one value per partition), or use a manager that reads the time window in one go");
}

}  // namespace strata
