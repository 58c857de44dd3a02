// ObjectStoreIOManager: stores any storable value (core/types/codec.hpp) as a checksummed object on any
// arrow::fs filesystem — a local path, a file:// URI, s3://bucket/prefix (endpoint, region and
// credentials configurable, credentials usually from EnvVar), or another filesystem Arrow offers by
// URI (gs://, abfs://, hdfs://, configured by the URI and the environment as Arrow documents) — at
// the locations of FilesystemIOManager:
//   assets:      <base_uri>/<key component>/.../<last component>[/<partition key>]
//   op outputs:  <base_uri>/.runs/<run id>/<step key>/<output name>
// Objects have the formats of io/stored_value.hpp ("binary" by default, or "json"), so one written
// here loads through FilesystemIOManager from the same directory and the other way round.
//
// Locally it is a FilesystemIOManager (atomic writes, staged and published after the materialization
// is durable, abandoned files swept). On S3 (and the other object stores) an object is written whole in one request: in
// a run recorded by an instance, under a hidden staged key beside the final one, moved onto the final key by
// publish_output() once the materialization is durable and deleted by discard_output(); so a failed run never changes
// what readers load. Elsewhere (op outputs, unrecorded runs) the final key is written directly, and appears whole or
// not at all. Loads verify framing, checksum and type before decoding. A missing bucket is created when
// allow_bucket_creation is set, and otherwise refused with an error naming it. Stateless after setup(): may be called
// from several threads. Failures throw StorageError naming the asset (or output) and the URI.
#pragma once

#include <arrow/filesystem/api.h>

#include <memory>
#include <string>

#include "strata/arrow/s3_fields.hpp"
#include "strata/core/config/config_field.hpp"
#include "strata/io/filesystem_io_manager.hpp"

namespace strata {

struct ObjectStoreOptions {
  std::string base_uri{};  // "/data/objects", "file:///data/objects", "s3://bucket/prefix"; empty: $STRATA_HOME/storage
  std::string format = "binary";  // or "json" (io/stored_value.hpp)
  std::string s3_endpoint{};      // host:port of an S3-compatible server, e.g. "127.0.0.1:9000"
  std::string s3_scheme = "https";
  std::string s3_region = "us-east-1";
  Setting<std::string> s3_access_key{};  // e.g. EnvVar{"AWS_ACCESS_KEY_ID"}; empty: anonymous/default chain
  Setting<std::string> s3_secret_key{};
  bool allow_bucket_creation = false;  // S3: create the bucket when it does not exist
  bool shared_filesystem = false;      // a local base_uri is on a filesystem every cluster node mounts
};

class ObjectStoreIOManager : public LocatedIOManager, public S3Fields {
 public:
  explicit ObjectStoreIOManager(ObjectStoreOptions options = {});

  std::string base_uri;
  std::string format;
  STRATA_CONFIG_FIELDS(base_uri, format, s3_endpoint, s3_scheme, s3_region, s3_access_key, s3_secret_key,
                       allow_bucket_creation)

  // Refuses a format other than "binary" and "json", and a URI scheme Arrow has no filesystem for.
  void validate_config() const override;
  void setup(InitContext& context) override;
  void handle_output(OutputContext& context, const Value& value) override;
  void publish_output(OutputContext& context) override;
  void discard_output(OutputContext& context) noexcept override;
  Value load_input(InputContext& context) override;
  bool can_handle(const TypeInfo& type) const override { return type.codec != nullptr; }
  std::string local_to_this_machine() const override {
    return local_location_reason(base_uri.empty() ? "$STRATA_HOME/storage" : base_uri, shared_filesystem);
  }

  // The URI an output is (or would be) stored at: "s3://bucket/prefix/a/b" or "/data/objects/a/b".
  std::string uri_for(const OutputContext& context);

 private:
  void connect();
  std::string path_for(const OutputContext& context) const;
  std::string staged_path_for(const OutputContext& context) const;
  Value load_object(const std::string& path, const TypeInfo& type, const std::string& what);

  std::shared_ptr<arrow::fs::FileSystem> fs_;   // object stores only
  std::string root_;                            // "bucket/prefix"
  std::string uri_prefix_;                      // "s3://"
  std::shared_ptr<FilesystemIOManager> local_;  // local paths and file:// URIs
};

}  // namespace strata
