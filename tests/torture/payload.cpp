#include "payload.hpp"

#include <strata/arrow/file_formats.hpp>
#include <strata/duckdb/duckdb_io_manager.hpp>
#include <strata/strata.hpp>

namespace strata::torture {
namespace {

constexpr int64_t kIndexBits = 32;
constexpr int64_t kIndexMask = (int64_t{1} << kIndexBits) - 1;

int64_t stamp(int64_t generation, int64_t index) { return (generation << kIndexBits) | index; }

std::string label(int64_t generation, int64_t row) {
  return "g" + std::to_string(generation) + "-r" + std::to_string(row);
}

// The generation element `index` holds; throws TornPayload when it is out of place or differs from `expected`
// (expected < 0: the first element sets it).
int64_t check_element(int64_t element, int64_t index, int64_t expected) {
  int64_t generation = element >> kIndexBits;
  if ((element & kIndexMask) != index || (expected >= 0 && generation != expected)) {
    throw TornPayload("torn payload: element " + std::to_string(index) + " holds generation " +
                      std::to_string(generation) + " index " + std::to_string(element & kIndexMask) +
                      (expected >= 0 ? ", element 0 holds generation " + std::to_string(expected) : ""));
  }
  return generation;
}

template <class T>
T require(arrow::Result<T> result) {
  if (!result.ok()) throw TornPayload("torn payload: " + result.status().ToString());
  return std::move(result).ValueUnsafe();
}

}  // namespace

const std::vector<std::string>& manager_names() {
  static const std::vector<std::string> names = {"filesystem", "parquet", "csv", "arrow-ipc", "duckdb"};
  return names;
}

std::vector<int64_t> vector_payload(int64_t generation, size_t elements) {
  std::vector<int64_t> payload(elements);
  for (size_t i = 0; i < elements; ++i) payload[i] = stamp(generation, static_cast<int64_t>(i));
  return payload;
}

ArrowTable table_payload(int64_t generation, int64_t rows) {
  arrow::Int64Builder values;
  arrow::StringBuilder labels;
  check_arrow(values.Reserve(rows), "payload");
  for (int64_t row = 0; row < rows; ++row) {
    values.UnsafeAppend(stamp(generation, row));
    check_arrow(labels.Append(label(generation, row)), "payload");
  }
  auto schema = arrow::schema({arrow::field("value", arrow::int64()), arrow::field("label", arrow::utf8())});
  return arrow::Table::Make(schema, {check_arrow(values.Finish(), "payload"), check_arrow(labels.Finish(), "payload")});
}

int64_t generation_of(const std::vector<int64_t>& payload, size_t expected_size) {
  if (payload.size() != expected_size || payload.empty()) {
    throw TornPayload("torn payload: " + std::to_string(payload.size()) + " elements, expected " +
                      std::to_string(expected_size));
  }
  int64_t generation = check_element(payload[0], 0, -1);
  for (size_t i = 1; i < payload.size(); ++i) check_element(payload[i], static_cast<int64_t>(i), generation);
  return generation;
}

int64_t generation_of(const ArrowTable& payload, int64_t expected_rows) {
  if (payload == nullptr || payload->num_rows() != expected_rows || expected_rows == 0) {
    throw TornPayload("torn payload: " + std::to_string(payload ? payload->num_rows() : 0) + " rows, expected " +
                      std::to_string(expected_rows));
  }
  auto combined = require(payload->CombineChunks());
  auto value_column = combined->GetColumnByName("value");
  auto label_column = combined->GetColumnByName("label");
  if (value_column == nullptr || label_column == nullptr || value_column->type()->id() != arrow::Type::INT64) {
    throw TornPayload("torn payload: schema " + payload->schema()->ToString());
  }
  // CSV reads strings back as utf8 or large_utf8 depending on their size.
  auto label_chunk = label_column->chunk(0);
  auto label_at = [&](int64_t row) -> std::string_view {
    if (label_chunk->type_id() == arrow::Type::LARGE_STRING) {
      return std::static_pointer_cast<arrow::LargeStringArray>(label_chunk)->GetView(row);
    }
    if (label_chunk->type_id() == arrow::Type::STRING) {
      return std::static_pointer_cast<arrow::StringArray>(label_chunk)->GetView(row);
    }
    throw TornPayload("torn payload: label column of type " + label_chunk->type()->ToString());
  };
  auto values = std::static_pointer_cast<arrow::Int64Array>(value_column->chunk(0));
  int64_t generation = -1;
  for (int64_t row = 0; row < expected_rows; ++row) {
    if (values->IsNull(row) || label_chunk->IsNull(row))
      throw TornPayload("torn payload: null in row " + std::to_string(row));
    generation = check_element(values->Value(row), row, generation);
    if (label_at(row) != label(generation, row)) {
      throw TornPayload("torn payload: row " + std::to_string(row) + " label '" + std::string(label_at(row)) +
                        "' in generation " + std::to_string(generation));
    }
  }
  return generation;
}

TortureSetup torture_definitions(const std::string& manager, const std::filesystem::path& dir, int64_t generation,
                                 int64_t elements, const PayloadOptions& options) {
  TortureSetup setup;
  setup.resources.emplace("memory", InMemoryIOManager());
  AssetOptions check_options{.ins = {AssetIn{.name = "payload", .key = options.key}},
                             .io_manager_key = "memory",
                             .partitions = options.partitions};
  if (manager == "filesystem" || manager == "filesystem-json") {
    setup.assets.push_back(
        asset(options.key, {.partitions = options.partitions}, [generation, elements](AssetContext& ctx) {
          ctx.add_output_metadata({{"generation", generation}});
          return vector_payload(generation, static_cast<size_t>(elements));
        }));
    setup.assets.push_back(asset("check", check_options, [elements](const std::vector<int64_t>& payload) {
      return generation_of(payload, static_cast<size_t>(elements));
    }));
    setup.resources.emplace("io_manager",
                            FilesystemIOManager({.base_dir = (dir / "storage").string(),
                                                 .format = manager == "filesystem-json" ? "json" : "binary"}));
    setup.payload_file = dir / "storage" / "payload";
    return setup;
  }
  setup.assets.push_back(
      asset(options.key, {.partitions = options.partitions}, [generation, elements](AssetContext& ctx) {
        ctx.add_output_metadata({{"generation", generation}});
        return table_payload(generation, elements);
      }));
  setup.assets.push_back(asset("check", check_options,
                               [elements](const ArrowTable& payload) { return generation_of(payload, elements); }));
  std::string tables = (dir / "tables").string();
  if (manager == "parquet") {
    setup.resources.emplace("io_manager", ParquetIOManager({.base_uri = tables}));
    setup.payload_file = dir / "tables" / "payload.parquet";
  } else if (manager == "csv") {
    setup.resources.emplace("io_manager", CsvIOManager({.base_uri = tables}));
    setup.payload_file = dir / "tables" / "payload.csv";
  } else if (manager == "arrow-ipc") {
    setup.resources.emplace("io_manager", FeatherIOManager({.base_uri = tables}));
    setup.payload_file = dir / "tables" / "payload.arrow";
  } else if (manager == "duckdb") {
    setup.payload_file = dir / "warehouse.duckdb";
    setup.resources.emplace("io_manager", DuckDBIOManager({.database = setup.payload_file.string()}));
  } else {
    throw std::invalid_argument("unknown manager '" + manager + "'");
  }
  return setup;
}

}  // namespace strata::torture
