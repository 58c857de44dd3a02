// ArrowPathIOManager: stores tables as files on any arrow::fs filesystem — local paths, file://
// URIs, or s3://bucket/prefix (endpoint override, region and credentials configurable, credentials
// usually from EnvVar) — one object per asset, or per partition under the asset's directory:
//
//   <base_uri>/<key>/<path><extension>            unpartitioned
//   <base_uri>/<key>/<path>/<partition><extension> partitioned
//
// Subclasses supply the file format through two hooks, dump_to_path and load_from_path (the seed's
// UPathIOManager shape). Locations follow core/resources/storage_location.hpp. Local writes go to a
// temporary file that is fsynced and renamed into place; object stores write each object in one
// request. In a run recorded by an instance the write is staged (core/resources/staged_files.hpp) and published
// only once the materialization is durable, so a failed run never changes what readers load. Several partitions load as
// std::map<partition, table> when the input is declared so, else concatenated into one table (schemas must agree; a
// difference names the columns). Threads: the filesystem connection is made in setup(); after it,
// handle_output/load_input/publish_output of one manager may run on several threads at once.
#pragma once

#include <arrow/filesystem/api.h>

#include <memory>
#include <string>

#include "strata/arrow/s3_fields.hpp"
#include "strata/arrow/table.hpp"
#include "strata/core/config/config_field.hpp"
#include "strata/io/located_io_manager.hpp"

namespace strata {

// Arrow's S3 support is process-wide: initialized on first use (call ensure_s3_initialized() before
// using arrow::fs::S3FileSystem directly). A program that used S3 must call finalize_s3() before
// main returns — Arrow cannot shut S3 down safely from exit handlers or static destructors.
// Initializing registers finalize_s3 as a shutdown hook (core/contexts/shutdown.hpp), so strata::run_cli and
// strata::run_shutdown_hooks() do it. S3 cannot be used again in the process afterwards.
void ensure_s3_initialized();
void finalize_s3();

struct ArrowPathOptions {
  std::string base_uri{};     // "/data/tables", "file:///data/tables", "s3://bucket/prefix"
  std::string s3_endpoint{};  // host:port of an S3-compatible server, e.g. "127.0.0.1:9000"
  std::string s3_scheme = "https";
  std::string s3_region = "us-east-1";
  Setting<std::string> s3_access_key{};  // e.g. EnvVar{"AWS_ACCESS_KEY_ID"}; empty: anonymous/default chain
  Setting<std::string> s3_secret_key{};
  // S3: create the bucket when it does not exist. false: a missing bucket is an error naming it.
  bool allow_bucket_creation = false;
  // A local base_uri is on a filesystem every node of a cluster mounts at the same path.
  bool shared_filesystem = false;
};

class ArrowPathIOManager : public LocatedIOManager, public S3Fields {
 public:
  explicit ArrowPathIOManager(ArrowPathOptions options, std::string extension);

  std::string base_uri;
  std::string extension;

  void setup(InitContext& context) override;
  void handle_output(OutputContext& context, const Value& value) override;
  void publish_output(OutputContext& context) override;
  void discard_output(OutputContext& context) noexcept override;
  Value load_input(InputContext& context) override;
  bool can_handle(const TypeInfo& type) const override;  // ArrowTable or ArrowReader
  bool can_load(const TypeInfo& type) const override;    // ArrowTable or std::map<std::string, ArrowTable>
  std::string local_to_this_machine() const override { return local_location_reason(base_uri, shared_filesystem); }

  // The filesystem path (within the filesystem) of an asset or one of its partitions.
  std::string path_for(const AssetKey& key, const std::string* partition) const;
  // The URI shown in metadata and errors: "s3://bucket/prefix/key.parquet" or "/data/key.parquet".
  std::string uri_for(const std::string& path) const;
  // Whether the object of an asset (partition) exists; throws StorageError when the store is unreachable.
  bool exists(const AssetKey& key, const std::string* partition = nullptr);

 protected:
  // Write `table` to `path` (a complete file; the caller handles temporary names and renames).
  virtual void dump_to_path(OutputContext& context, const arrow::Table& table, arrow::fs::FileSystem& fs,
                            const std::string& path) = 0;
  // Read the table at `path`.
  virtual ArrowTable load_from_path(InputContext& context, arrow::fs::FileSystem& fs, const std::string& path) = 0;
  // Whether the format detects damage itself (Parquet's page checksums). Otherwise local files get a
  // whole-file checksum beside them (.<name>.xxh3), verified before each load.
  virtual bool has_own_checksums() const { return false; }

  // Write a stream of record batches to `path` and return what was written: the row count and the
  // first batch (for metadata). The default collects the stream into a table and calls dump_to_path;
  // formats that can append batch by batch override it so a stream never sits in memory whole.
  struct StreamSummary {
    int64_t rows = 0;
    std::shared_ptr<arrow::Schema> schema{};
    ArrowTable head{};  // the first batch, as a table
  };
  virtual StreamSummary dump_stream_to_path(OutputContext& context, arrow::RecordBatchReader& stream,
                                            arrow::fs::FileSystem& fs, const std::string& path);

 private:
  void connect();
  std::string output_path_for(const OutputContext& context) const;  // path_for the output's key and partition
  std::string staged_path_for(const OutputContext& context) const;
  ArrowTable load_one(InputContext& context, const std::string& path, const std::string& what);

  std::shared_ptr<arrow::fs::FileSystem> fs_;
  std::string root_;  // the base path within fs_
  bool local_ = true;
  std::string uri_prefix_;  // "s3://"; "" locally
};

}  // namespace strata
