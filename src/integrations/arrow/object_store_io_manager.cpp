#include "strata/arrow/object_store_io_manager.hpp"

#include "filesystem_connection.hpp"
#include "strata/arrow/table.hpp"
#include "strata/core/partitions/partition_loading.hpp"
#include "strata/core/resources/staged_files.hpp"
#include "strata/core/resources/storage_location.hpp"
#include "strata/core/types/system_metadata.hpp"
#include "strata/core/util/error.hpp"
#include "strata/io/stored_value.hpp"

namespace strata {
namespace {

bool is_local(const std::string& uri) { return uri.find("://") == std::string::npos || uri.rfind("file://", 0) == 0; }

// The URI schemes of the filesystems Arrow offers (S3, Google Cloud Storage, Azure, HDFS, in-memory).
bool arrow_scheme(const std::string& scheme) {
  for (const char* known : {"s3", "gs", "gcs", "abfs", "abfss", "hdfs", "viewfs", "mock"}) {
    if (scheme == known) return true;
  }
  return false;
}

constexpr LocatedIOManager::OnePartitionPer kOnePartitionPerObject{"object store I/O manager", "object"};

}  // namespace

ObjectStoreIOManager::ObjectStoreIOManager(ObjectStoreOptions options)
    : S3Fields(options), base_uri(std::move(options.base_uri)), format(std::move(options.format)) {}

void ObjectStoreIOManager::validate_config() const {
  io::parse_stored_format(format, "format");
  if (is_local(base_uri)) return;
  std::string scheme = base_uri.substr(0, base_uri.find("://"));
  if (!arrow_scheme(scheme)) {
    throw ConfigError("field 'base_uri': '" + scheme +
                      "://' is not a filesystem Arrow offers (use a local path, file://, s3://, gs://, abfs:// or "
                      "hdfs://)");
  }
}

void ObjectStoreIOManager::setup(InitContext& context) {
  validate_config();  // run config may have changed a field
  connect();
  if (local_) local_->setup(context);
}

void ObjectStoreIOManager::connect() {
  if (fs_ || local_) return;
  if (is_local(base_uri)) {
    local_ =
        std::make_shared<FilesystemIOManager>(FilesystemIOManager::Options{.base_dir = base_uri, .format = format});
    local_->validate_config();
    return;
  }
  auto connection = arrow_detail::connect_filesystem(base_uri, *this, "ObjectStoreOptions");
  fs_ = std::move(connection.fs);
  root_ = std::move(connection.root);
  uri_prefix_ = std::move(connection.uri_prefix);
}

std::string ObjectStoreIOManager::path_for(const OutputContext& context) const {
  return path_under(root_, output_location(context, kOnePartitionPerObject));
}

std::string ObjectStoreIOManager::staged_path_for(const OutputContext& context) const {
  return staged_file_for(path_for(context), context.run_id()).string();
}

std::string ObjectStoreIOManager::uri_for(const OutputContext& context) {
  connect();
  return local_ ? local_->path_for(context).string() : uri_prefix_ + path_for(context);
}

void ObjectStoreIOManager::handle_output(OutputContext& context, const Value& value) {
  connect();
  if (local_) return local_->handle_output(context, value);
  std::string what = describe(context);
  std::string path = path_for(context);
  std::string bytes = io::encode_value(value, io::parse_stored_format(format, "format"), what);
  std::string target = stages(context) ? staged_path_for(context) : path;
  try {
    // One object, written whole: object stores make it visible only when the upload completes.
    // Filesystems with real directories (HDFS) need the parent; on object stores it is a no-op marker.
    std::string parent = target.substr(0, target.rfind('/'));
    check_arrow(fs_->CreateDir(parent, true), "creating " + uri_prefix_ + parent);
    auto stream = check_arrow(fs_->OpenOutputStream(target), "opening " + uri_prefix_ + target);
    check_arrow(stream->Write(bytes.data(), static_cast<int64_t>(bytes.size())), "writing " + uri_prefix_ + target);
    check_arrow(stream->Close(), "completing " + uri_prefix_ + target);
  } catch (const StorageError& e) {
    if (target != path) (void)fs_->DeleteFile(target);
    throw StorageError(what + ": writing " + uri_prefix_ + path + " failed: " + e.what());
  }
  context.add_output_metadata(
      {{"uri", MetadataValue::path(uri_prefix_ + path)}, {kMetadataBytesWritten, static_cast<int64_t>(bytes.size())}});
}

void ObjectStoreIOManager::publish_output(OutputContext& context) {
  if (local_) return local_->publish_output(context);
  if (!stages(context)) return;
  connect();
  std::string path = path_for(context);
  std::string staged = staged_path_for(context);
  try {
    // Copy onto the final key, then delete the staged one: readers see the old or the new object whole.
    check_arrow(fs_->Move(staged, path), "moving " + uri_prefix_ + staged + " onto it");
  } catch (const StorageError& e) {
    throw StorageError(describe(context) + ": publishing " + uri_prefix_ + path + " failed: " + e.what());
  }
}

void ObjectStoreIOManager::discard_output(OutputContext& context) noexcept {
  if (local_) return local_->discard_output(context);
  if (!stages(context) || !fs_) return;
  try {
    (void)fs_->DeleteFile(staged_path_for(context));
  } catch (const std::exception&) {
  }
}

Value ObjectStoreIOManager::load_object(const std::string& path, const TypeInfo& type, const std::string& what) {
  std::string uri = uri_prefix_ + path;
  auto info = fs_->GetFileInfo(path);
  if (info.ok() && info->type() == arrow::fs::FileType::NotFound) {
    throw MissingDataError(what + ": no stored object at " + uri + " (has it been materialized?)");
  }
  check_arrow(info.status(), what + ": cannot reach " + uri);
  auto file = check_arrow(fs_->OpenInputFile(*info), what + ": opening " + uri);
  int64_t size = check_arrow(file->GetSize(), what + ": sizing " + uri);
  auto buffer = check_arrow(file->ReadAt(0, size), what + ": reading " + uri);
  return io::decode_value(std::string_view(reinterpret_cast<const char*>(buffer->data()), buffer->size()), type, uri,
                          what);
}

Value ObjectStoreIOManager::load_input(InputContext& context) {
  connect();
  if (local_) return local_->load_input(context);
  if (loads_partition_map(context)) {
    return load_partition_map(context, [&](const std::string& partition, const TypeInfo& value_type) {
      return load_object(path_under(root_, asset_location(context.asset_key(), &partition)), value_type,
                         "asset '" + context.asset_key().to_string() + "' partition '" + partition + "'");
    });
  }
  if (context.partition_scope().keys.size() > 1) throw_needs_partition_map(context, "object store I/O manager");
  return load_object(path_under(root_, input_location(context, kOnePartitionPerObject)), context.type(),
                     describe(context));
}

}  // namespace strata
