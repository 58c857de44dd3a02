#include "strata/io/filesystem_io_manager.hpp"

#include <cstdlib>

#include "strata/core/partitions/partition_loading.hpp"
#include "strata/core/resources/staged_files.hpp"
#include "strata/core/resources/storage_location.hpp"
#include "strata/core/types/system_metadata.hpp"
#include "strata/core/util/error.hpp"
#include "strata/io/stored_value.hpp"

namespace strata {
namespace {

namespace fs = std::filesystem;

constexpr LocatedIOManager::OnePartitionPer kOnePartitionPerFile{"filesystem I/O manager", "file"};

}  // namespace

namespace {

// base_dir as a local path: a file:// URI names one.
fs::path local_path(const std::string& base_dir) {
  return fs::path(base_dir.rfind("file://", 0) == 0 ? base_dir.substr(7) : base_dir);
}

}  // namespace

void FilesystemIOManager::validate_config() const {
  size_t scheme = base_dir.find("://");
  if (scheme != std::string::npos && base_dir.rfind("file://", 0) != 0) {
    throw ConfigError("field 'base_dir': '" + base_dir.substr(0, scheme + 3) +
                      "' is not a local directory; the filesystem I/O manager writes local files (use a path, or "
                      "ObjectStoreIOManager from strata/arrow/object_store_io_manager.hpp for objects on S3)");
  }
  io::parse_stored_format(format, "format");
}

void FilesystemIOManager::setup(InitContext& context) {
  validate_config();  // run config may have changed base_dir
  resolved_base_ = base_dir.empty() ? context.storage_dir() : local_path(base_dir);
}

fs::path FilesystemIOManager::base() const {
  if (!resolved_base_.empty()) return resolved_base_;
  if (!base_dir.empty()) return local_path(base_dir);
  // Used outside a run (a test calling the manager directly) without a base_dir.
  const char* home = std::getenv("STRATA_HOME");
  return fs::path(home && *home ? home : ".strata") / "storage";
}

fs::path FilesystemIOManager::path_for(const OutputContext& context) const {
  return base() / output_location(context, kOnePartitionPerFile).relative_path();
}

fs::path FilesystemIOManager::path_for(const InputContext& context) const {
  return base() / input_location(context, kOnePartitionPerFile).relative_path();
}

void FilesystemIOManager::handle_output(OutputContext& context, const Value& value) {
  const TypeInfo& type = value.type();
  if (type.codec == nullptr) {
    throw StorageError(describe(context) + ": the filesystem I/O manager cannot store " + type.name +
                       " (no codec; declare it with STRATA_SERIALIZABLE)");
  }
  fs::path path = path_for(context);
  sweep_abandoned_files(path.parent_path());
  io::StoredFormat stored_format = io::parse_stored_format(format, "format");
  uint64_t bytes = 0;
  if (stages(context)) {
    bytes = io::write_value_file(staged_file_for(path, context.run_id()), value, stored_format, describe(context));
    // Absolute: the process that may complete the publish (core/resources/staged_files.hpp) has its own cwd.
    context.add_output_metadata({{kMetadataPublishedPath, MetadataValue::path(fs::absolute(path).string())}});
  } else {
    fs::path temporary = temporary_file_for(path);
    bytes = io::write_value_file(temporary, value, stored_format, describe(context));
    try {
      publish_staged_file(temporary, path);
    } catch (...) {
      std::error_code ignored;
      fs::remove(temporary, ignored);
      throw;
    }
  }
  context.add_output_metadata(
      {{"path", MetadataValue::path(path.string())}, {kMetadataBytesWritten, static_cast<int64_t>(bytes)}});
}

void FilesystemIOManager::publish_output(OutputContext& context) {
  if (!stages(context)) return;
  fs::path path = path_for(context);
  try {
    publish_staged_file(staged_file_for(path, context.run_id()), path);
  } catch (const StorageError& e) {
    throw StorageError(describe(context) + ": publishing the written object failed: " + e.what());
  }
}

void FilesystemIOManager::discard_output(OutputContext& context) noexcept {
  if (!stages(context)) return;
  try {
    std::error_code ignored;
    fs::remove(staged_file_for(path_for(context), context.run_id()), ignored);
  } catch (const std::exception&) {
  }
}

Value FilesystemIOManager::load_input(InputContext& context) {
  if (loads_partition_map(context)) {
    return load_partition_map(context, [&](const std::string& partition, const TypeInfo& value_type) {
      return load_file(base() / asset_location(context.asset_key(), &partition).relative_path(), value_type,
                       "asset '" + context.asset_key().to_string() + "' partition '" + partition + "'");
    });
  }
  if (context.partition_scope().keys.size() > 1) throw_needs_partition_map(context, "filesystem I/O manager");
  const TypeInfo& type = context.type();
  if (type.codec == nullptr) {
    throw StorageError("input '" + context.name() + "': the filesystem I/O manager cannot load " + type.name +
                       " (no codec)");
  }
  return load_file(path_for(context), type, describe(context));
}

Value FilesystemIOManager::load_file(const fs::path& path, const TypeInfo& type, const std::string& what) const {
  if (type.codec == nullptr)
    throw StorageError(what + ": the filesystem I/O manager cannot load " + type.name + " (no codec)");
  return io::read_value_file(path, type, what);
}

}  // namespace strata
