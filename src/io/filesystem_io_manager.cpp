#include "strata/io/filesystem_io_manager.hpp"

#include <cstdlib>

#include "strata/core/error.hpp"
#include "strata/core/partition_loading.hpp"
#include "strata/core/system_metadata.hpp"
#include "strata/io/stored_object.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;

// A partition key becomes a path component: it must not be able to leave the asset's directory.
const std::string& checked_partition(const std::string& partition, const std::string& owner) {
  if (partition.empty() || partition == "." || partition == ".." || partition.find('/') != std::string::npos ||
      partition.find('\\') != std::string::npos || partition.find('\0') != std::string::npos) {
    throw PartitionError("'" + owner + "': partition key '" + partition + "' cannot be used as a file name");
  }
  return partition;
}

fs::path asset_path(const fs::path& base, const AssetKey& key, const PartitionScope& partitions) {
  key.validate_components();
  fs::path path = base;
  for (const auto& component : key.path()) path /= component;
  if (partitions.keys.size() == 1) path /= checked_partition(partitions.keys.front(), key.to_string());
  if (partitions.keys.size() > 1) {
    throw StorageError("asset '" + key.to_string() + "': the filesystem I/O manager stores one partition per file; " +
                       std::to_string(partitions.keys.size()) + " partitions were given to one object");
  }
  return path;
}

void check_component(const std::string& text, const std::string& what) {
  if (text.empty() || text == "." || text == ".." || text.find('/') != std::string::npos ||
      text.find('\0') != std::string::npos) {
    throw StorageError(what + " '" + text + "' cannot be used as a path component");
  }
}

fs::path op_output_path(const fs::path& base, const OutputContext& output) {
  check_component(output.run_id(), "run id");
  check_component(output.step_key(), "step key");
  check_component(output.name(), "output name");
  return base / output.run_id() / output.step_key() / output.name();
}

std::string describe(const OutputContext& context) {
  return context.has_asset_key() ? "asset '" + context.asset_key().to_string() + "'"
                                 : "output '" + context.step_key() + "." + context.name() + "'";
}

}  // namespace

void FilesystemIOManager::setup(InitContext& context) {
  resolved_base_ = base_dir.empty() ? context.storage_dir() : fs::path(base_dir);
}

fs::path FilesystemIOManager::base() const {
  if (!resolved_base_.empty()) return resolved_base_;
  if (!base_dir.empty()) return base_dir;
  // Used outside a run (a test calling the manager directly) without a base_dir.
  const char* home = std::getenv("STRATA_HOME");
  return fs::path(home && *home ? home : ".strata") / "storage";
}

fs::path FilesystemIOManager::path_for(const OutputContext& context) const {
  if (context.has_asset_key()) return asset_path(base(), context.asset_key(), context.partition_scope());
  return op_output_path(base(), context);
}

fs::path FilesystemIOManager::path_for(const InputContext& context) const {
  if (context.has_asset_key()) return asset_path(base(), context.asset_key(), context.partition_scope());
  if (const OutputContext* upstream = context.upstream_output()) return op_output_path(base(), *upstream);
  throw StorageError("input '" + context.name() + "' of step '" + context.step_key() +
                     "' has neither an asset key nor an upstream output to load from");
}

void FilesystemIOManager::handle_output(OutputContext& context, const Value& value) {
  const TypeInfo& type = value.type();
  if (type.codec == nullptr) {
    throw StorageError(describe(context) + ": the filesystem I/O manager cannot store " + type.name +
                       " (no codec; declare it with STRATA_SERIALIZABLE)");
  }
  fs::path path = path_for(context);
  uint64_t bytes = io::write_stored_object(path, {type.codec->format, type.name, 1},
                                           [&](std::ostream& out) { type.codec->encode(value.raw(), out); });
  context.add_output_metadata(
      {{"path", MetadataValue::path(path.string())}, {kMetadataBytesWritten, static_cast<int64_t>(bytes)}});
}

Value FilesystemIOManager::load_input(InputContext& context) {
  if (loads_partition_map(context)) {
    fs::path asset_dir = asset_path(base(), context.asset_key(), PartitionScope{});
    return load_partition_map(context, [&](const std::string& partition, const TypeInfo& value_type) {
      return load_file(asset_dir / checked_partition(partition, context.asset_key().to_string()), value_type,
                       "asset '" + context.asset_key().to_string() + "' partition '" + partition + "'");
    });
  }
  if (context.partition_scope().keys.size() > 1) throw_needs_partition_map(context, "filesystem I/O manager");
  const TypeInfo& type = context.type();
  if (type.codec == nullptr) {
    throw StorageError("input '" + context.name() + "': the filesystem I/O manager cannot load " + type.name +
                       " (no codec)");
  }
  std::string what = context.has_asset_key() ? "asset '" + context.asset_key().to_string() + "'"
                                             : "input '" + context.name() + "' of step '" + context.step_key() + "'";
  if (context.has_partition_key()) what += " partition '" + context.partition_key() + "'";
  return load_file(path_for(context), type, what);
}

Value FilesystemIOManager::load_file(const fs::path& path, const TypeInfo& type, const std::string& what) const {
  if (type.codec == nullptr)
    throw StorageError(what + ": the filesystem I/O manager cannot load " + type.name + " (no codec)");
  std::shared_ptr<const void> object;
  io::read_stored_object(path, {type.codec->format, type.name, 1}, what,
                         [&](std::istream& in) { object = type.codec->decode(in); });
  return Value(std::move(object), type);
}

}  // namespace strata
