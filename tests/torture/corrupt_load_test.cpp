// Corrupted-file loads across all managers: materialize a payload, then damage its stored file (one
// random bit flipped, the file truncated at a random length, a random 4 KiB block zeroed) and load
// it as a downstream asset would. Each load must either return exactly the original value or fail
// with a StorageError naming the asset and the path; wrong data or any other failure is counted
// and fails the test (a crash fails it too). Loads per manager: STRATA_TORTURE_LOADS (CI: 60).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <strata/strata.hpp>

#include "payload.hpp"
#include "temp_dir.hpp"
#include "torture_env.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using s::testing::TempDir;

namespace {

constexpr int64_t kGeneration = 7;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  ASSERT_TRUE(out.good()) << path;
}

// Damages `bytes` in the way number `round` % 3 says; returns what it did.
std::string corrupt(std::string& bytes, int64_t round, std::mt19937_64& engine) {
  std::uniform_int_distribution<size_t> offset(0, bytes.size() - 1);
  switch (round % 3) {
    case 0: {
      size_t at = offset(engine);
      int bit = static_cast<int>(engine() % 8);
      bytes[at] = static_cast<char>(bytes[at] ^ (1 << bit));
      return "bit " + std::to_string(bit) + " of byte " + std::to_string(at) + " flipped";
    }
    case 1: {
      size_t length = offset(engine);
      bytes.resize(length);
      return "truncated to " + std::to_string(length) + " bytes";
    }
    default: {
      size_t block = offset(engine) / 4096 * 4096;
      size_t end = std::min(bytes.size(), block + 4096);
      std::fill(bytes.begin() + static_cast<std::ptrdiff_t>(block), bytes.begin() + static_cast<std::ptrdiff_t>(end),
                '\0');
      return "bytes " + std::to_string(block) + ".." + std::to_string(end) + " zeroed";
    }
  }
}

void corrupt_and_load(const std::string& manager) {
  const int64_t loads = s::torture::setting("STRATA_TORTURE_LOADS", 60);
  const int64_t elements = manager.rfind("filesystem", 0) == 0 ? 64 * 1024 : 20 * 1000;
  auto engine = s::torture::seeded_engine("corrupt_load " + manager);
  TempDir home{"strata-torture-corrupt"};
  auto setup = s::torture::torture_definitions(manager, home.path(), kGeneration, elements);
  auto written = s::materialize(setup.assets, {.resources = setup.resources, .strata_home = home.path()});
  ASSERT_TRUE(written.success()) << written.failure_message();
  ASSERT_FALSE(fs::exists(setup.payload_file.string() + ".wal")) << "DuckDB left a write-ahead log";
  const std::string original = read_bytes(setup.payload_file);
  ASSERT_GT(original.size(), 4096u);
  const std::string path = setup.payload_file.string();

  int64_t intact = 0, refused = 0, wrong = 0, unclear = 0;
  for (int64_t round = 0; round < loads; ++round) {
    std::string bytes = original;
    std::string damage = corrupt(bytes, round, engine);
    ASSERT_NO_FATAL_FAILURE(write_bytes(setup.payload_file, bytes));
    auto result = s::materialize(setup.assets, {.resources = setup.resources,
                                                .selection = s::AssetSelection::keys({s::AssetKey("check")}),
                                                .strata_home = home.path()});
    if (result.success()) {
      if (result.asset_value<int64_t>(s::AssetKey("check")) == kGeneration) {
        ++intact;
      } else {
        ++wrong;
        ADD_FAILURE() << damage << ": loaded another generation";
      }
      continue;
    }
    const s::StepResult& step = result.step("check");
    bool storage_error = step.error_type == "storage_error" || step.error_type == "missing_data";
    bool names_both =
        step.error_message.find("payload") != std::string::npos && step.error_message.find(path) != std::string::npos;
    // DuckDB checks its blocks when the database is opened, which happens as the run sets its
    // resources up, before any step: that failure names the database file, the asset's only place.
    bool database_refused =
        manager == "duckdb" && step.status == s::StepStatus::kNotStarted &&
        result.failure_message().find("cannot open DuckDB database '" + path + "'") != std::string::npos;
    if (step.error_type == "strata::torture::TornPayload") {
      ++wrong;
      ADD_FAILURE() << damage << ": the load returned wrong data: " << step.error_message;
    } else if ((storage_error && names_both) || database_refused) {
      ++refused;
    } else {
      if (++unclear <= 5) {
        ADD_FAILURE() << damage << ": expected a StorageError naming asset 'payload' and " << path << ", got "
                      << step.error_type << ": " << step.error_message << " (run: " << result.failure_message() << ")";
      }
    }
  }
  ASSERT_NO_FATAL_FAILURE(write_bytes(setup.payload_file, original));
  auto restored = s::materialize(setup.assets, {.resources = setup.resources,
                                                .selection = s::AssetSelection::keys({s::AssetKey("check")}),
                                                .strata_home = home.path()});
  EXPECT_TRUE(restored.success()) << "the undamaged file no longer loads: " << restored.failure_message();
  std::cout << "TORTURE corrupt_load manager=" << manager << " loads=" << loads << " intact=" << intact
            << " refused=" << refused << " wrong=" << wrong << " unclear=" << unclear << std::endl;
  EXPECT_EQ(wrong, 0);
  EXPECT_EQ(unclear, 0);
}

TEST(CorruptLoad, Filesystem) { corrupt_and_load("filesystem"); }
TEST(CorruptLoad, FilesystemJson) { corrupt_and_load("filesystem-json"); }
TEST(CorruptLoad, DuckDB) { corrupt_and_load("duckdb"); }
TEST(CorruptLoad, Parquet) { corrupt_and_load("parquet"); }
TEST(CorruptLoad, Csv) { corrupt_and_load("csv"); }
TEST(CorruptLoad, ArrowIpc) { corrupt_and_load("arrow-ipc"); }

}  // namespace
