#include "strata/arrow/file_formats.hpp"

#include <arrow/csv/api.h>
#include <arrow/io/api.h>
#include <arrow/ipc/api.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>

#include <nlohmann/json.hpp>

#include "strata/core/util/error.hpp"

namespace strata {
namespace {

std::optional<arrow::Compression::type> compression_named(const std::string& name) {
  if (name == "snappy") return arrow::Compression::SNAPPY;
  if (name == "zstd") return arrow::Compression::ZSTD;
  if (name == "gzip") return arrow::Compression::GZIP;
  if (name == "lz4") return arrow::Compression::LZ4;
  if (name == "brotli") return arrow::Compression::BROTLI;
  if (name == "none" || name == "uncompressed") return arrow::Compression::UNCOMPRESSED;
  return std::nullopt;
}

// The columns an input asks for in its metadata ("columns": ["a", "b"]); empty for all.
std::vector<std::string> selected_columns(const InputContext& context) {
  const MetadataValue* columns = context.metadata().find("columns");
  if (columns == nullptr) return {};
  try {
    return nlohmann::json::parse(columns->as_text()).get<std::vector<std::string>>();
  } catch (const std::exception&) {
    throw ConfigError("input '" + context.name() + "': metadata 'columns' must be a list of column names");
  }
}

std::shared_ptr<arrow::io::OutputStream> open_output(arrow::fs::FileSystem& fs, const std::string& path) {
  return check_arrow(fs.OpenOutputStream(path), "opening " + path + " for writing");
}

std::shared_ptr<arrow::io::RandomAccessFile> open_input(arrow::fs::FileSystem& fs, const std::string& path) {
  return check_arrow(fs.OpenInputFile(path), "opening " + path);
}

}  // namespace

ParquetIOManager::ParquetIOManager(ArrowPathOptions path, ParquetOptions parquet)
    : ArrowPathIOManager(std::move(path), ".parquet"),
      compression(std::move(parquet.compression)),
      row_group_size(parquet.row_group_size) {}

void ParquetIOManager::validate_config() const {
  if (!compression_named(compression)) {
    throw ConfigError("field 'compression': unknown codec '" + compression +
                      "' (snappy, zstd, gzip, lz4, brotli, none)");
  }
  if (row_group_size <= 0) throw ConfigError("field 'row_group_size' must be positive");
}

void ParquetIOManager::dump_to_path(OutputContext&, const arrow::Table& table, arrow::fs::FileSystem& fs,
                                    const std::string& path) {
  auto codec = compression_named(compression);
  if (!codec) throw ConfigError("field 'compression': unknown codec '" + compression + "'");
  auto properties = parquet::WriterProperties::Builder().compression(*codec)->enable_page_checksum()->build();
  auto arrow_properties = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  auto out = open_output(fs, path);
  check_arrow(parquet::arrow::WriteTable(table, arrow::default_memory_pool(), out, row_group_size, properties,
                                         arrow_properties),
              "writing Parquet");
  check_arrow(out->Close(), "closing " + path);
}

ArrowPathIOManager::StreamSummary ParquetIOManager::dump_stream_to_path(OutputContext&,
                                                                        arrow::RecordBatchReader& stream,
                                                                        arrow::fs::FileSystem& fs,
                                                                        const std::string& path) {
  auto codec = compression_named(compression);
  if (!codec) throw ConfigError("field 'compression': unknown codec '" + compression + "'");
  auto properties = parquet::WriterProperties::Builder()
                        .compression(*codec)
                        ->max_row_group_length(row_group_size)
                        ->enable_page_checksum()
                        ->build();
  auto arrow_properties = parquet::ArrowWriterProperties::Builder().store_schema()->build();
  auto out = open_output(fs, path);
  auto writer = check_arrow(parquet::arrow::FileWriter::Open(*stream.schema(), arrow::default_memory_pool(), out,
                                                             properties, arrow_properties),
                            "starting a Parquet file");
  StreamSummary summary{0, stream.schema(), nullptr};
  for (;;) {
    std::shared_ptr<arrow::RecordBatch> batch = check_arrow(stream.Next(), "reading the record batch stream");
    if (!batch) break;
    if (!summary.head) summary.head = check_arrow(arrow::Table::FromRecordBatches({batch}), "keeping a preview");
    check_arrow(writer->WriteRecordBatch(*batch), "writing Parquet");
    summary.rows += batch->num_rows();
  }
  check_arrow(writer->Close(), "finishing the Parquet file");
  check_arrow(out->Close(), "closing " + path);
  if (!summary.head) summary.head = check_arrow(arrow::Table::MakeEmpty(summary.schema), "an empty preview");
  return summary;
}

ArrowTable ParquetIOManager::load_from_path(InputContext& context, arrow::fs::FileSystem& fs, const std::string& path) {
  // Every page's CRC is checked as it is read: a damaged file is an error, never different data.
  parquet::ReaderProperties properties = parquet::default_reader_properties();
  properties.set_page_checksum_verification(true);
  parquet::arrow::FileReaderBuilder builder;
  check_arrow(builder.Open(open_input(fs, path), properties), "reading the Parquet footer");
  auto reader = check_arrow(builder.memory_pool(arrow::default_memory_pool())->Build(), "reading the Parquet footer");
  reader->set_use_threads(true);
  std::shared_ptr<arrow::Table> table;
  std::vector<std::string> columns = selected_columns(context);
  if (columns.empty()) {
    check_arrow(reader->ReadTable(&table), "reading Parquet");
    return table;
  }
  std::shared_ptr<arrow::Schema> schema;
  check_arrow(reader->GetSchema(&schema), "reading the Parquet schema");
  std::vector<int> indices;
  for (const auto& name : columns) {
    int index = schema->GetFieldIndex(name);
    if (index < 0) {
      throw StorageError("input '" + context.name() + "' asks for column '" + name +
                         "', which the file does not have (" + schema->ToString() + ")");
    }
    indices.push_back(index);
  }
  check_arrow(reader->ReadTable(indices, &table), "reading Parquet columns");
  return table;
}

CsvIOManager::CsvIOManager(ArrowPathOptions path) : ArrowPathIOManager(std::move(path), ".csv") {}

void CsvIOManager::dump_to_path(OutputContext&, const arrow::Table& table, arrow::fs::FileSystem& fs,
                                const std::string& path) {
  auto out = open_output(fs, path);
  check_arrow(arrow::csv::WriteCSV(table, arrow::csv::WriteOptions::Defaults(), out.get()), "writing CSV");
  check_arrow(out->Close(), "closing " + path);
}

ArrowTable CsvIOManager::load_from_path(InputContext&, arrow::fs::FileSystem& fs, const std::string& path) {
  auto in = check_arrow(fs.OpenInputStream(path), "opening " + path);
  auto reader = check_arrow(
      arrow::csv::TableReader::Make(arrow::io::default_io_context(), in, arrow::csv::ReadOptions::Defaults(),
                                    arrow::csv::ParseOptions::Defaults(), arrow::csv::ConvertOptions::Defaults()),
      "reading CSV");
  return check_arrow(reader->Read(), "parsing CSV");
}

FeatherIOManager::FeatherIOManager(ArrowPathOptions path) : ArrowPathIOManager(std::move(path), ".arrow") {}

void FeatherIOManager::dump_to_path(OutputContext&, const arrow::Table& table, arrow::fs::FileSystem& fs,
                                    const std::string& path) {
  auto out = open_output(fs, path);
  auto writer = check_arrow(arrow::ipc::MakeFileWriter(out, table.schema()), "starting an Arrow IPC file");
  check_arrow(writer->WriteTable(table), "writing Arrow IPC");
  check_arrow(writer->Close(), "finishing the Arrow IPC file");
  check_arrow(out->Close(), "closing " + path);
}

ArrowTable FeatherIOManager::load_from_path(InputContext&, arrow::fs::FileSystem& fs, const std::string& path) {
  auto reader =
      check_arrow(arrow::ipc::RecordBatchFileReader::Open(open_input(fs, path)), "opening the Arrow IPC file");
  return check_arrow(reader->ToTable(), "reading Arrow IPC");
}

}  // namespace strata
