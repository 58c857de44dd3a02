// S3Fields: the S3 configuration fields shared by the managers on arrow::fs filesystems
// (ArrowPathIOManager, ObjectStoreIOManager), taken from their options structs, which name the same
// fields. A plain value type (copyable, no thread-safety of its own); the managers list these
// fields in STRATA_CONFIG_FIELDS so run config can set them (all but shared_filesystem).
#pragma once

#include <string>
#include <utility>

#include "strata/core/config/config_field.hpp"

namespace strata {

struct S3Fields {
  template <class Options>
  explicit S3Fields(Options& options)
      : s3_endpoint(std::move(options.s3_endpoint)),
        s3_scheme(std::move(options.s3_scheme)),
        s3_region(std::move(options.s3_region)),
        s3_access_key(std::move(options.s3_access_key)),
        s3_secret_key(std::move(options.s3_secret_key)),
        allow_bucket_creation(options.allow_bucket_creation),
        shared_filesystem(options.shared_filesystem) {}

  std::string s3_endpoint;  // host:port of an S3-compatible server; empty: AWS
  std::string s3_scheme;    // "https" or "http"
  std::string s3_region;
  Setting<std::string> s3_access_key;  // empty: anonymous/default credential chain
  Setting<std::string> s3_secret_key;
  bool allow_bucket_creation;  // create a missing bucket; false: a missing bucket is an error naming it
  bool shared_filesystem;      // a local base is on a filesystem every cluster node mounts (in code only)
};

}  // namespace strata
