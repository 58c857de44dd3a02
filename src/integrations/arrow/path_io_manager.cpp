#include "strata/arrow/path_io_manager.hpp"

#include <arrow/filesystem/s3fs.h>

#include <cstdlib>
#include <mutex>

#include "file_checksum.hpp"
#include "filesystem_connection.hpp"
#include "strata/core/contexts/shutdown.hpp"
#include "strata/core/partitions/partition_loading.hpp"
#include "strata/core/resources/staged_files.hpp"
#include "strata/core/resources/storage_location.hpp"
#include "strata/core/types/system_metadata.hpp"
#include "strata/core/util/error.hpp"

namespace strata {
void ensure_s3_initialized() {
  static std::mutex mutex;
  std::lock_guard lock(mutex);
  if (arrow::fs::IsS3Finalized()) throw StorageError("S3 support was already shut down in this process");
  check_arrow(arrow::fs::EnsureS3Initialized(), "initializing S3 support");
  register_shutdown_hook("arrow-s3", finalize_s3);
}

void finalize_s3() {
  if (arrow::fs::IsS3Initialized()) (void)arrow::fs::EnsureS3Finalized();
}

namespace {

std::string table_type_names() { return type_of<ArrowTable>().name + " or " + type_of<ArrowReader>().name; }

}  // namespace

ArrowPathIOManager::ArrowPathIOManager(ArrowPathOptions options, std::string ext)
    : S3Fields(options), base_uri(std::move(options.base_uri)), extension(std::move(ext)) {}

bool ArrowPathIOManager::can_handle(const TypeInfo& type) const {
  return type == type_of<ArrowTable>() || type == type_of<ArrowReader>();
}

bool ArrowPathIOManager::can_load(const TypeInfo& type) const {
  return type == type_of<ArrowTable>() || type == type_of<std::map<std::string, ArrowTable>>();
}

void ArrowPathIOManager::setup(InitContext& context) {
  if (base_uri.empty()) base_uri = (context.storage_dir() / "tables").string();
  connect();
}

void ArrowPathIOManager::connect() {
  if (fs_) return;
  if (base_uri.empty()) base_uri = ".strata/storage/tables";
  auto connection = arrow_detail::connect_filesystem(base_uri, *this, "ArrowPathOptions");
  fs_ = std::move(connection.fs);
  root_ = std::move(connection.root);
  local_ = connection.local;
  uri_prefix_ = std::move(connection.uri_prefix);
}

std::string ArrowPathIOManager::path_for(const AssetKey& key, const std::string* partition) const {
  return path_under(root_, asset_location(key, partition), extension);
}

std::string ArrowPathIOManager::output_path_for(const OutputContext& context) const {
  return path_under(root_, output_location(context, {"table manager", "file"}), extension);
}

std::string ArrowPathIOManager::staged_path_for(const OutputContext& context) const {
  return staged_file_for(output_path_for(context), context.run_id()).string();
}

std::string ArrowPathIOManager::uri_for(const std::string& path) const { return uri_prefix_ + path; }

bool ArrowPathIOManager::exists(const AssetKey& key, const std::string* partition) {
  connect();
  std::string path = path_for(key, partition);
  auto info = check_arrow(fs_->GetFileInfo(path), "checking " + uri_for(path));
  return info.type() == arrow::fs::FileType::File;
}

ArrowPathIOManager::StreamSummary ArrowPathIOManager::dump_stream_to_path(OutputContext& context,
                                                                          arrow::RecordBatchReader& stream,
                                                                          arrow::fs::FileSystem& fs,
                                                                          const std::string& path) {
  ArrowTable table = check_arrow(stream.ToTable(), "reading the record batch stream");
  dump_to_path(context, *table, fs, path);
  return {table->num_rows(), table->schema(), table->Slice(0, 5)};
}

void ArrowPathIOManager::handle_output(OutputContext& context, const Value& value) {
  connect();
  std::string owner = "asset '" + context.asset_key().to_string() + "'";
  ArrowTable table;
  ArrowReader stream;
  if (value.holds<ArrowTable>()) {
    table = value.get<ArrowTable>();
    if (!table) throw StorageError(owner + ": the asset returned a null table");
  } else if (value.holds<ArrowReader>()) {
    stream = value.get<ArrowReader>();
    if (!stream) throw StorageError(owner + ": the asset returned a null record batch reader");
  } else {
    throw StorageError(owner + ": a table manager stores " + table_type_names() + ", not " + value.type().name);
  }
  const auto& keys = context.partition_scope().keys;
  if (keys.size() > 1) {
    throw StorageError(owner + ": one table cannot be stored as " + std::to_string(keys.size()) +
                       " partition files; return strata::PerPartition<ArrowTable> (one table per partition), "
                       "materialize one partition per run (BackfillPolicy::multi_run(1)), or use a manager that "
                       "writes ranges");
  }
  std::string path = output_path_for(context);
  std::string uri = uri_for(path);
  auto parent = path.substr(0, path.rfind('/'));
  check_arrow(fs_->CreateDir(parent, true), owner + ": creating " + uri_for(parent));
  StreamSummary written;
  auto dump = [&](const std::string& target) {
    if (table) {
      dump_to_path(context, *table, *fs_, target);
    } else {
      written = dump_stream_to_path(context, *stream, *fs_, target);
    }
  };
  // Staged: published after the run recorded the materialization (publish_output). Otherwise local
  // files go through a temporary name and an atomic rename, and an object store gets one PUT (an
  // object appears whole or not at all).
  bool staged = context.publish_deferred();
  std::string target = staged ? staged_path_for(context) : local_ ? temporary_file_for(path).string() : path;
  // Formats without checksums of their own get a checksum file, written and published with the data.
  bool checksummed = local_ && !has_own_checksums();
  std::string checksum = checksum_file_for(path).string();
  std::string checksum_target =
      staged ? staged_file_for(checksum, context.run_id()).string() : temporary_file_for(checksum).string();
  try {
    if (local_) sweep_abandoned_files(parent);
    try {
      dump(target);
      if (local_) sync_file(target);  // as durable as the instance's record of it
      if (checksummed) arrow_detail::write_checksum_file(checksum_target, arrow_detail::checksum_of(target));
      if (local_ && !staged) {
        if (checksummed) publish_staged_file(checksum_target, checksum);
        publish_staged_file(target, path);
      }
    } catch (...) {
      if (target != path) (void)fs_->DeleteFile(target);
      if (checksummed) (void)fs_->DeleteFile(checksum_target);
      throw;
    }
  } catch (const StorageError& e) {
    throw StorageError(owner + ": writing " + uri + " failed: " + e.what());
  }
  Metadata metadata = table ? table_metadata(*table) : table_metadata(*written.head);
  if (!table) metadata.set("num_rows", written.rows);
  metadata.set("uri", MetadataValue::path(uri));
  if (staged && local_) metadata.set(kMetadataPublishedPath, MetadataValue::path(path));
  std::string written_at = local_ && !staged ? path : target;  // a temporary file was renamed onto path
  if (auto info = fs_->GetFileInfo(written_at); info.ok() && info->size() >= 0) {
    metadata.set(kMetadataBytesWritten, info->size());
  }
  context.add_output_metadata(metadata);
}

void ArrowPathIOManager::publish_output(OutputContext& context) {
  if (!context.publish_deferred()) return;
  connect();
  std::string path = output_path_for(context);
  std::string staged = staged_path_for(context);
  try {
    if (local_) {
      std::string checksum = checksum_file_for(path).string();
      std::string staged_checksum = staged_file_for(checksum, context.run_id()).string();
      if (!has_own_checksums()) publish_staged_file(staged_checksum, checksum);
      publish_staged_file(staged, path);
    } else {
      check_arrow(fs_->Move(staged, path), "moving " + uri_for(staged) + " onto it");
    }
  } catch (const StorageError& e) {
    throw StorageError(describe(context) + ": publishing " + uri_for(path) + " failed: " + e.what());
  }
}

void ArrowPathIOManager::discard_output(OutputContext& context) noexcept {
  if (!context.publish_deferred() || !fs_) return;
  try {
    std::string staged = staged_path_for(context);
    (void)fs_->DeleteFile(staged);
    if (local_ && !has_own_checksums()) {
      (void)fs_->DeleteFile(staged_file_for(checksum_file_for(output_path_for(context)), context.run_id()).string());
    }
  } catch (const std::exception&) {
  }
}

ArrowTable ArrowPathIOManager::load_one(InputContext& context, const std::string& path, const std::string& what) {
  auto info = fs_->GetFileInfo(path);
  if (info.ok() && info->type() == arrow::fs::FileType::NotFound) {
    throw MissingDataError(what + ": no object at " + uri_for(path) + " (has it been materialized?)");
  }
  check_arrow(info.status(), what + ": cannot reach " + uri_for(path));
  // A damaged file is refused before its format's reader parses it.
  if (local_ && !has_own_checksums()) arrow_detail::verify_checksum(path, what);
  try {
    return load_from_path(context, *fs_, path);
  } catch (const std::exception& e) {
    throw StorageError(what + ": reading " + uri_for(path) + " failed: " + e.what());
  }
}

Value ArrowPathIOManager::load_input(InputContext& context) {
  connect();
  std::string owner = "asset '" + context.asset_key().to_string() + "'";
  const auto& keys = context.partition_scope().keys;
  if (loads_partition_map(context)) {
    return load_partition_map(context, [&](const std::string& partition, const TypeInfo&) {
      return Value::of(
          load_one(context, path_for(context.asset_key(), &partition), owner + " partition '" + partition + "'"));
    });
  }
  if (keys.size() <= 1) {
    std::string what = owner + (keys.empty() ? "" : " partition '" + keys.front() + "'");
    return Value::of(load_one(context, path_for(context.asset_key(), keys.empty() ? nullptr : &keys.front()), what));
  }
  // Several partitions into one table: they must share a schema.
  std::vector<ArrowTable> tables;
  std::vector<std::string> missing;
  for (const auto& key : keys) {
    try {
      tables.push_back(load_one(context, path_for(context.asset_key(), &key), owner + " partition '" + key + "'"));
    } catch (const MissingDataError&) {
      missing.push_back(key);
    }
  }
  if (!missing.empty()) {
    std::string list;
    for (size_t i = 0; i < missing.size() && i < 20; ++i) list += (i ? ", " : "") + missing[i];
    throw MissingDataError(owner + ": " + std::to_string(missing.size()) + " of " + std::to_string(keys.size()) +
                           " partitions are not materialized: " + list);
  }
  for (size_t i = 1; i < tables.size(); ++i) {
    std::string difference = schema_difference(*tables.front()->schema(), *tables[i]->schema());
    if (!difference.empty()) {
      throw StorageError(owner + ": partition '" + keys[i] + "' has a different schema than '" + keys.front() + "' (" +
                         difference + ")");
    }
  }
  return Value::of(check_arrow(arrow::ConcatenateTables(tables), owner + ": concatenating partitions"));
}

}  // namespace strata
