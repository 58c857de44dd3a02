#include "filesystem_connection.hpp"

#include <arrow/filesystem/s3fs.h>

#include <filesystem>

#include "strata/arrow/path_io_manager.hpp"
#include "strata/core/util/error.hpp"

namespace strata::arrow_detail {
namespace {

// Creates the bucket when it is missing and creation is allowed; refuses it otherwise. Other
// answers (e.g. access denied) are left to the requests that follow, which name bucket and key.
void ensure_bucket(arrow::fs::FileSystem& fs, const std::string& bucket, const S3Fields& s3,
                   const std::string& options_name) {
  auto info = fs.GetFileInfo(bucket);
  if (!info.ok() || info->type() != arrow::fs::FileType::NotFound) return;
  std::string where = "S3 bucket '" + bucket + "'" + (s3.s3_endpoint.empty() ? "" : " at " + s3.s3_endpoint);
  if (!s3.allow_bucket_creation) {
    throw StorageError(where + " does not exist; create it, or set allow_bucket_creation = true (" + options_name +
                       " or run config) to let Strata create it");
  }
  check_arrow(fs.CreateDir(bucket, false), "creating " + where);
}

}  // namespace

FilesystemConnection connect_filesystem(const std::string& base_uri, const S3Fields& s3,
                                        const std::string& options_name) {
  FilesystemConnection connection;
  if (base_uri.rfind("s3://", 0) == 0) {
    ensure_s3_initialized();
    std::string rest = base_uri.substr(5);
    while (!rest.empty() && rest.back() == '/') rest.pop_back();
    auto options = arrow::fs::S3Options::Defaults();
    if (!s3.s3_access_key.value().empty())
      options.ConfigureAccessKey(s3.s3_access_key.value(), s3.s3_secret_key.value());
    options.region = s3.s3_region;
    options.scheme = s3.s3_scheme;
    if (!s3.s3_endpoint.empty()) options.endpoint_override = s3.s3_endpoint;
    options.force_virtual_addressing = false;
    options.allow_bucket_creation = s3.allow_bucket_creation;
    connection.fs = check_arrow(arrow::fs::S3FileSystem::Make(options), "connecting to S3 at " + base_uri);
    connection.root = rest;
    connection.local = false;
    connection.uri_prefix = "s3://";
    std::string bucket = rest.substr(0, rest.find('/'));
    if (bucket.empty()) throw StorageError("'" + base_uri + "' names no bucket (use s3://bucket/prefix)");
    ensure_bucket(*connection.fs, bucket, s3, options_name);
  } else if (size_t scheme = base_uri.find("://"); scheme != std::string::npos && base_uri.rfind("file://", 0) != 0) {
    std::string path;
    connection.fs = check_arrow(arrow::fs::FileSystemFromUri(base_uri, &path), "opening " + base_uri);
    while (!path.empty() && path.back() == '/') path.pop_back();
    connection.root = path;
    connection.local = false;
    connection.uri_prefix = base_uri.substr(0, scheme + 3);
  } else {
    std::string path = base_uri.rfind("file://", 0) == 0 ? base_uri.substr(7) : base_uri;
    connection.fs = std::make_shared<arrow::fs::LocalFileSystem>();
    connection.root = std::filesystem::absolute(path).lexically_normal().string();
    while (connection.root.size() > 1 && connection.root.back() == '/') connection.root.pop_back();
  }
  return connection;
}

}  // namespace strata::arrow_detail
