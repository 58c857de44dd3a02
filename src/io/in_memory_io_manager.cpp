#include "strata/io/in_memory_io_manager.hpp"

#include "strata/core/partitions/partition_loading.hpp"
#include "strata/core/util/error.hpp"

namespace strata {
namespace {

std::string asset_storage_key(const AssetKey& key, const PartitionScope& partitions) {
  std::string out = "asset:" + key.to_string();
  for (const auto& partition : partitions.keys) out += "|" + partition;
  return out;
}

std::string op_storage_key(const OutputContext& output) {
  return "op:" + output.run_id() + "/" + output.step_key() + "/" + output.name();
}

}  // namespace

InMemoryIOManager::InMemoryIOManager(const InMemoryIOManager& other) : IOManager(other) {
  std::lock_guard lock(other.mutex_);
  values_ = other.values_;
}

std::string InMemoryIOManager::key_for(const OutputContext& context) {
  return context.has_asset_key() ? asset_storage_key(context.asset_key(), context.partition_scope())
                                 : op_storage_key(context);
}

std::string InMemoryIOManager::key_for(const InputContext& context) {
  if (context.has_asset_key()) return asset_storage_key(context.asset_key(), context.partition_scope());
  if (const OutputContext* upstream = context.upstream_output()) return op_storage_key(*upstream);
  throw StorageError("input '" + context.name() + "' has neither an asset key nor an upstream output");
}

void InMemoryIOManager::handle_output(OutputContext& context, const Value& value) {
  std::string key = key_for(context);
  std::lock_guard lock(mutex_);
  values_.insert_or_assign(std::move(key), value);
}

Value InMemoryIOManager::load_input(InputContext& context) {
  if (loads_partition_map(context)) {
    return load_partition_map(context, [&](const std::string& partition, const TypeInfo&) {
      std::string key = asset_storage_key(context.asset_key(), PartitionScope{.keys = {partition}, .window = {}});
      std::lock_guard lock(mutex_);
      auto it = values_.find(key);
      if (it == values_.end()) throw MissingDataError("nothing stored in memory under '" + key + "'");
      return it->second;
    });
  }
  if (context.partition_scope().keys.size() > 1) throw_needs_partition_map(context, "in-memory I/O manager");
  std::string key = key_for(context);
  std::lock_guard lock(mutex_);
  auto it = values_.find(key);
  if (it == values_.end()) {
    throw MissingDataError("input '" + context.name() + "': nothing stored in memory under '" + key + "'");
  }
  return it->second;
}

size_t InMemoryIOManager::size() const {
  std::lock_guard lock(mutex_);
  return values_.size();
}

bool InMemoryIOManager::contains(const std::string& key) const {
  std::lock_guard lock(mutex_);
  return values_.count(key) != 0;
}

}  // namespace strata
