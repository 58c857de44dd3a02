// Generation-stamped payloads for the torture suite: a value derived from a generation number N in
// which every element encodes N and its own index, so a reader can tell a whole value of one
// generation from a torn or mixed one.
//
//   filesystem            std::vector<int64_t>: element i is (N << 32) | i
//   parquet, csv,         an Arrow table with columns value (int64, (N << 32) | row) and label
//   arrow-ipc, duckdb     (string, "g<N>-r<row>")
//
// torture_definitions(manager, dir, ...) (a name of manager_names(), or "filesystem-json": the
// filesystem manager with format "json") defines the asset `payload` (that value, with the metadata
// {"generation": N}) stored by the manager under `dir`, and `check`, which loads it, verifies it and
// returns the generation it holds (kept in memory). Verification failures throw TornPayload.
#pragma once

#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "strata/arrow/table.hpp"
#include "strata/core/definitions/asset.hpp"
#include "strata/core/partitions/partitions.hpp"
#include "strata/core/resources/resource_definition.hpp"

namespace strata::torture {

// The managers the suite tortures, by the names the worker takes on its command line.
const std::vector<std::string>& manager_names();

// A value that is not one generation's payload whole.
class TornPayload : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

std::vector<int64_t> vector_payload(int64_t generation, size_t elements);
ArrowTable table_payload(int64_t generation, int64_t rows);
// The generation a payload holds; throws TornPayload when elements disagree, are out of place, or
// the size is not `expected_size`.
int64_t generation_of(const std::vector<int64_t>& payload, size_t expected_size);
int64_t generation_of(const ArrowTable& payload, int64_t expected_rows);

struct PayloadOptions {
  AssetKey key{"payload"};     // of the payload asset
  PartitionsPtr partitions{};  // of both assets
};

struct TortureSetup {
  std::vector<AssetsDefinition> assets;
  std::map<std::string, ResourceDefinition> resources;
  // The stored file of an unpartitioned `payload` (for the DuckDB manager, the database file).
  std::filesystem::path payload_file;
};

// `payload` materializes generation `generation` (elements as given); `check` verifies it. Files go
// under `dir` (filesystem: dir/storage, tables: dir/tables, DuckDB: dir/warehouse.duckdb).
// Throws std::invalid_argument for an unknown manager name; what asset() throws for a bad key.
TortureSetup torture_definitions(const std::string& manager, const std::filesystem::path& dir, int64_t generation,
                                 int64_t elements, const PayloadOptions& options = {});

}  // namespace strata::torture
