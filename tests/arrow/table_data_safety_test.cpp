// Data safety of the table managers, each case a finding of fault injection: a damaged Parquet file
// is an error naming asset and path (page checksums), every local write is fsynced before it is
// renamed into place, abandoned temporary files are swept, and staged writes change nothing until
// they are published.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <strata/arrow/file_formats.hpp>
#include <strata/core/resources/staged_files.hpp>
#include <strata/strata.hpp>

#include "forked_child.hpp"
#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using strata::testing::TempDir;

// Every fsync of this test program is recorded (by the path of its descriptor), then done.
namespace {
std::mutex synced_mutex;
std::set<std::string> synced_paths;
}  // namespace

extern "C" int fsync(int fd) {
  static auto real = reinterpret_cast<int (*)(int)>(::dlsym(RTLD_NEXT, "fsync"));
  char target[4096];
  ssize_t length = ::readlink(("/proc/self/fd/" + std::to_string(fd)).c_str(), target, sizeof target - 1);
  if (length > 0) {
    std::lock_guard lock(synced_mutex);
    synced_paths.insert(std::string(target, static_cast<size_t>(length)));
  }
  return real(fd);
}

namespace {

s::ArrowTable numbers(int64_t rows) {
  arrow::Int64Builder ids;
  arrow::StringBuilder names;
  arrow::DoubleBuilder values;
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(ids.Append(i * 7919 % 100003).ok());
    EXPECT_TRUE(names.Append("name-" + std::to_string(i % 97) + "-\xc3\xa9").ok());
    EXPECT_TRUE(values.Append(static_cast<double>(i) / 3).ok());
  }
  return arrow::Table::Make(arrow::schema({arrow::field("id", arrow::int64()), arrow::field("name", arrow::utf8()),
                                           arrow::field("value", arrow::float64())}),
                            {ids.Finish().ValueOrDie(), names.Finish().ValueOrDie(), values.Finish().ValueOrDie()});
}

void store(s::IOManager& manager, const std::string& key, const s::ArrowTable& table, bool deferred = false,
           const std::string& run_id = "run-1") {
  auto out = s::build_output_context({.asset_key = s::AssetKey(key),
                                      .run_id = run_id,
                                      .type = &s::type_of<s::ArrowTable>(),
                                      .publish_deferred = deferred});
  manager.handle_output(out, s::Value::of(table));
  if (deferred) manager.publish_output(out);
}

s::ArrowTable load(s::IOManager& manager, const std::string& key) {
  auto in = s::build_input_context({.asset_key = s::AssetKey(key), .type = &s::type_of<s::ArrowTable>()});
  return manager.load_input(in).get<s::ArrowTable>();
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), {});
}

void write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

class ParquetDamage : public ::testing::TestWithParam<std::string> {};

TEST_P(ParquetDamage, EveryFlippedBitIsAnErrorOrTheSameTable) {
  TempDir dir;
  s::ParquetIOManager manager({.base_uri = dir.path().string()}, {.compression = GetParam()});
  s::ArrowTable original = numbers(2000);
  store(manager, "stories", original);
  fs::path path = dir / "stories.parquet";
  std::string clean = read_file(path);
  int wrong = 0;
  int errors = 0;
  int same = 0;
  // Flip one bit at 1,500 places spread over the whole file (data pages, dictionary, footer).
  for (size_t i = 0; i < 1500; ++i) {
    size_t at = 4 + (i * (clean.size() - 8)) / 1500;
    std::string damaged = clean;
    damaged[at] = static_cast<char>(damaged[at] ^ (1 << (i % 8)));
    write_file(path, damaged);
    try {
      s::ArrowTable loaded = load(manager, "stories");
      if (loaded->Equals(*original)) {
        ++same;
      } else {
        ++wrong;
        ADD_FAILURE() << "bit " << i % 8 << " of byte " << at << " of " << clean.size()
                      << " changed the data without an error";
      }
    } catch (const s::StorageError& e) {
      ++errors;
      std::string message = e.what();
      EXPECT_NE(message.find("asset 'stories'"), std::string::npos) << message;
      EXPECT_NE(message.find(path.string()), std::string::npos) << message;
    }
    if (wrong > 5) break;
  }
  EXPECT_EQ(wrong, 0) << errors << " errors, " << same << " unchanged loads";
}

INSTANTIATE_TEST_SUITE_P(Codecs, ParquetDamage, ::testing::Values("none", "snappy", "zstd"));

// Each table format, for the write-path tests.
std::unique_ptr<s::ArrowPathIOManager> manager_for(const std::string& format, const fs::path& base) {
  s::ArrowPathOptions options{.base_uri = base.string()};
  if (format == "parquet") return std::make_unique<s::ParquetIOManager>(options);
  if (format == "csv") return std::make_unique<s::CsvIOManager>(options);
  return std::make_unique<s::FeatherIOManager>(options);
}

class TableWrites : public ::testing::TestWithParam<std::string> {
 protected:
  TempDir dir;
  std::unique_ptr<s::ArrowPathIOManager> manager = manager_for(GetParam(), dir.path());
  std::string extension = GetParam() == "parquet" ? ".parquet" : GetParam() == "csv" ? ".csv" : ".arrow";
};

TEST_P(TableWrites, TheFileAndItsDirectoryAreSyncedBeforeTheCatalogCanNameThem) {
  {
    std::lock_guard lock(synced_mutex);
    synced_paths.clear();
  }
  store(*manager, "events", numbers(100));
  std::lock_guard lock(synced_mutex);
  bool file_synced = false;
  for (const auto& path : synced_paths) {
    if (fs::path(path).filename().string().rfind(".events" + extension + ".tmp.", 0) == 0) file_synced = true;
  }
  EXPECT_TRUE(file_synced) << "the temporary file was not fsynced before its rename";
  EXPECT_TRUE(synced_paths.count(fs::canonical(dir.path()).string())) << "the directory was not fsynced";
}

TEST_P(TableWrites, AbandonedTemporaryFilesAreSweptOnTheNextWrite) {
  int64_t pid = s::testing::finished_process_pid();
  fs::path torn = dir / (".events" + extension + ".tmp." + std::to_string(pid) + ".3");
  std::ofstream(torn) << "half a table";
  store(*manager, "events", numbers(10));
  EXPECT_FALSE(fs::exists(torn));
  EXPECT_EQ(load(*manager, "events")->num_rows(), 10);
}

TEST_P(TableWrites, AStagedWriteChangesNothingUntilPublished) {
  store(*manager, "events", numbers(10));
  auto out = s::build_output_context({.asset_key = s::AssetKey("events"),
                                      .run_id = "run-2",
                                      .type = &s::type_of<s::ArrowTable>(),
                                      .publish_deferred = true});
  manager->handle_output(out, s::Value::of(numbers(20)));
  EXPECT_EQ(load(*manager, "events")->num_rows(), 10);  // readers still see the published table
  manager->discard_output(out);
  EXPECT_EQ(load(*manager, "events")->num_rows(), 10);
  manager->handle_output(out, s::Value::of(numbers(30)));
  manager->publish_output(out);
  EXPECT_EQ(load(*manager, "events")->num_rows(), 30);
  for (const auto& entry : fs::directory_iterator(dir.path())) {
    std::string name = entry.path().filename().string();
    if (entry.path() == s::checksum_file_for(dir / ("events" + extension))) continue;  // CSV, IPC: kept
    EXPECT_NE(name.front(), '.') << "left behind: " << entry.path();
  }
}

TEST_P(TableWrites, ADamagedFileIsRefusedBeforeItsReaderParsesIt) {
  store(*manager, "events", numbers(500));
  fs::path path = dir / ("events" + extension);
  std::string bytes = read_file(path);
  int refused = 0;
  for (size_t i = 0; i < 200; ++i) {
    std::string damaged = bytes;
    size_t at = (i * 7919) % damaged.size();
    damaged[at] = static_cast<char>(damaged[at] ^ (1 << (i % 8)));
    // Rewritten in place (same inode): what a bad disk or a stray write does.
    std::fstream(path, std::ios::in | std::ios::out | std::ios::binary)
        .write(damaged.data(), static_cast<std::streamsize>(damaged.size()));
    try {
      EXPECT_TRUE(load(*manager, "events")->Equals(*numbers(500))) << "byte " << at << " changed the data";
    } catch (const s::StorageError& e) {
      ++refused;
      EXPECT_NE(std::string(e.what()).find("asset 'events'"), std::string::npos) << e.what();
    }
  }
  EXPECT_GT(refused, 0);
}

INSTANTIATE_TEST_SUITE_P(Formats, TableWrites, ::testing::Values("parquet", "csv", "arrow"));

}  // namespace
