// Table file formats on ArrowPathIOManager:
//
//   strata::ParquetIOManager({.base_uri = "/data/lake"}, {.compression = "zstd"})   ".parquet"
//   strata::CsvIOManager({.base_uri = "s3://bucket/csv", .s3_endpoint = "127.0.0.1:9000"})  ".csv"
//   strata::FeatherIOManager({.base_uri = "/data/ipc"})                             ".arrow" (Arrow IPC file)
//
// Parquet loads only the columns an input lists in its metadata: AssetIn{.name = "stories",
// .metadata = {{"columns", std::vector<std::string>{"id", "title"}}}}.
#pragma once

#include "strata/arrow/path_io_manager.hpp"

namespace strata {

struct ParquetOptions {
  std::string compression = "snappy";  // snappy, zstd, gzip, lz4, brotli, none
  int64_t row_group_size = 1 << 20;    // rows per row group
};

class ParquetIOManager : public ArrowPathIOManager {
 public:
  explicit ParquetIOManager(ArrowPathOptions path = {}, ParquetOptions parquet = {});

  std::string compression;
  int64_t row_group_size;
  STRATA_CONFIG_FIELDS(base_uri, extension, s3_endpoint, s3_scheme, s3_region, s3_access_key, s3_secret_key,
                       allow_bucket_creation, compression, row_group_size)

  void validate_config() const override;

 protected:
  void dump_to_path(OutputContext& context, const arrow::Table& table, arrow::fs::FileSystem& fs,
                    const std::string& path) override;
  ArrowTable load_from_path(InputContext& context, arrow::fs::FileSystem& fs, const std::string& path) override;
  bool has_own_checksums() const override { return true; }  // page checksums, verified on every read
  // Writes batch by batch: a stream is never held in memory whole.
  StreamSummary dump_stream_to_path(OutputContext& context, arrow::RecordBatchReader& stream, arrow::fs::FileSystem& fs,
                                    const std::string& path) override;
};

class CsvIOManager : public ArrowPathIOManager {
 public:
  explicit CsvIOManager(ArrowPathOptions path = {});
  STRATA_CONFIG_FIELDS(base_uri, extension, s3_endpoint, s3_scheme, s3_region, s3_access_key, s3_secret_key,
                       allow_bucket_creation)

 protected:
  void dump_to_path(OutputContext& context, const arrow::Table& table, arrow::fs::FileSystem& fs,
                    const std::string& path) override;
  ArrowTable load_from_path(InputContext& context, arrow::fs::FileSystem& fs, const std::string& path) override;
};

class FeatherIOManager : public ArrowPathIOManager {
 public:
  explicit FeatherIOManager(ArrowPathOptions path = {});
  STRATA_CONFIG_FIELDS(base_uri, extension, s3_endpoint, s3_scheme, s3_region, s3_access_key, s3_secret_key,
                       allow_bucket_creation)

 protected:
  void dump_to_path(OutputContext& context, const arrow::Table& table, arrow::fs::FileSystem& fs,
                    const std::string& path) override;
  ArrowTable load_from_path(InputContext& context, arrow::fs::FileSystem& fs, const std::string& path) override;
};

}  // namespace strata
