// The arrow::fs filesystem behind a base URI, shared by the managers of strata::arrow: a local path or
// file:// URI (LocalFileSystem), s3://bucket/prefix (S3FileSystem with endpoint, scheme, region and
// credentials), or any other URI Arrow's FileSystemFromUri takes (gs://, abfs://, hdfs://, mock://). On S3 the bucket
// is checked once: a missing bucket is created when allowed, else a one-line StorageError names it and the option that
// lets Strata create it. Internal to strata::arrow; a free function, thread-safe.
#pragma once

#include <arrow/filesystem/api.h>

#include <memory>
#include <string>

#include "strata/arrow/s3_fields.hpp"

namespace strata::arrow_detail {

struct FilesystemConnection {
  std::shared_ptr<arrow::fs::FileSystem> fs{};
  std::string root{};  // the base path within fs: "/abs/dir" locally, "bucket/prefix" on S3
  bool local = true;
  std::string uri_prefix{};  // what makes a path of fs a URI: "s3://"; "" locally
};

// `options_name` names where allow_bucket_creation is set, e.g. "ObjectStoreOptions".
FilesystemConnection connect_filesystem(const std::string& base_uri, const S3Fields& s3,
                                        const std::string& options_name);

}  // namespace strata::arrow_detail
