// Data safety of the storage path scheme and the filesystem manager, each case a finding of fault
// injection: locations never shared between assets, one rule set for components, runs that die
// never change what downstream loads, abandoned temporary files swept, corrupted lengths caught
// before anything is allocated from them, and errors naming the asset.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <strata/core/resources/staged_files.hpp>
#include <strata/core/resources/storage_location.hpp>
#include <strata/io/stored_object.hpp>
#include <strata/strata.hpp>

#include "dying_managers.hpp"
#include "expect_error.hpp"
#include "forked_child.hpp"
#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using strata::testing::error_of;
using strata::testing::TempDir;

namespace {

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// --- one location per asset ------------------------------------------------------------------

TEST(StorageLocations, AssetInsideAnotherAssetsPlaceIsRefused) {
  // Asset `p` partition `x` and asset `p/x` were the same file; now the definitions are refused.
  auto p = s::asset("p", {.partitions = s::static_partitions({"x", "y"})}, [] { return 1; });
  auto px = s::asset(s::AssetKey({"p", "x"}), [] { return 2; });
  std::string message = error_of([&] { s::Definitions({.assets = {p, px}}); });
  EXPECT_TRUE(contains(message, "assets 'p' and 'p/x' would share storage")) << message;
}

TEST(StorageLocations, StepKeysOfDifferentAssetsNeverCollide) {
  auto nested = s::asset(s::AssetKey({"a", "b"}), [] { return 1; });
  auto flat = s::asset("a__b", [] { return 2; });
  std::string message = error_of([&] { s::Definitions({.assets = {nested, flat}}); });
  EXPECT_TRUE(contains(message, "would both run as step 'a__b'")) << message;
}

TEST(StorageLocations, OneRuleSetForKeyComponents) {
  for (std::string bad : {std::string(".hidden"), std::string("a\\b"), std::string("tab\there"), std::string("\xff"),
                          std::string(161, 'k'), std::string("nul\0x", 5), std::string(".."), std::string("")}) {
    std::string message = error_of([&] {
      s::asset(s::AssetKey(std::vector<std::string>{"ok", bad}), [] { return 1; });
    });
    EXPECT_TRUE(contains(message, "asset key")) << message;
    EXPECT_EQ(message.find('\t'), std::string::npos) << "control characters are escaped: " << message;
  }
  EXPECT_NO_THROW(s::asset(s::AssetKey({"caf\xc3\xa9", "na\xc3\xafve-2024_01"}), [] { return 1; }));
}

TEST(StorageLocations, PartitionKeysFollowTheSameRules) {
  TempDir dir;
  s::FilesystemIOManager manager({.base_dir = dir.path().string()});
  for (std::string bad : {std::string(".x"), std::string("a\\b"), std::string(".."), std::string("a/b"),
                          std::string("bell\a"), std::string("\xc3")}) {
    auto out = s::build_output_context(
        {.asset_key = s::AssetKey("events"), .type = &s::type_of<int>(), .partitions = s::PartitionScope{{bad}}});
    EXPECT_THROW(manager.handle_output(out, s::Value::of(1)), s::PartitionError) << s::printable(bad);
  }
  EXPECT_EQ(fs::directory_iterator(dir.path()), fs::directory_iterator());  // nothing written
}

TEST(StorageLocations, DynamicPartitionKeysAreValidatedWhenAdded) {
  TempDir dir;
  auto instance = s::Instance::open(dir.path());
  EXPECT_THROW(instance->storage().add_dynamic_partitions("customers", {"../x"}), s::PartitionError);
  EXPECT_THROW(instance->storage().add_dynamic_partitions("customers", {"ok", ".hidden"}), s::PartitionError);
  EXPECT_TRUE(instance->storage().dynamic_partitions("customers").empty());  // all or nothing
  instance->storage().add_dynamic_partitions("customers", {"acme"});
  EXPECT_EQ(instance->storage().dynamic_partitions("customers"), std::vector<std::string>{"acme"});
}

TEST(StorageLocations, ALocationTheManagerCannotAddressIsRefusedUpFront) {
  // It wrote to ./s3:/bucket/prefix on local disk and recorded an s3:// path.
  auto value = s::asset("value", [] { return 1; });
  std::string message = error_of([&] {
    s::Definitions(
        {.assets = {value}, .resources = {{"io_manager", s::FilesystemIOManager({.base_dir = "s3://bucket/prefix"})}}});
  });
  EXPECT_TRUE(contains(message, "resource 'io_manager': field 'base_dir': 's3://' is not a local directory"))
      << message;
  TempDir dir;
  s::FilesystemIOManager local({.base_dir = "file://" + dir.path().string()});
  auto out = s::build_output_context({.asset_key = s::AssetKey("value"), .type = &s::type_of<int>()});
  local.handle_output(out, s::Value::of(1));
  EXPECT_TRUE(fs::exists(dir / "value"));
}

// --- runs that die -----------------------------------------------------------------------------

// Filesystem managers that die (SIGKILL) right after staging, or at the moment they would publish
// (after the run recorded the materialization, before readers may see the new file).
using DiesAfterStaging = s::testing::DiesAfterStaging<s::FilesystemIOManager>;
using DiesBeforePublishing = s::testing::DiesBeforePublishing<s::FilesystemIOManager>;

class TwoPhaseOutputs : public ::testing::Test {
 protected:
  TempDir dir;
  fs::path home = dir / "home";
  fs::path data = dir / "data";

  template <class Manager = s::FilesystemIOManager>
  std::string materialize(const std::string& text) {
    auto value = s::asset("value", [text] { return text; });
    s::Definitions defs({.assets = {value}, .resources = {{"io_manager", Manager({.base_dir = data.string()})}}});
    auto result = s::materialize(defs, s::AssetSelection::all(), {.instance = s::Instance::open(home)});
    return result.run_id();
  }

  std::string stored() {
    s::FilesystemIOManager manager({.base_dir = data.string()});
    auto in = s::build_input_context({.asset_key = s::AssetKey("value"), .type = &s::type_of<std::string>()});
    return manager.load_input(in).get<std::string>();
  }

  std::string latest_run() {
    auto latest = s::Instance::open(home)->storage().latest_materialization(s::AssetKey("value"));
    return latest ? latest->event.run_id : "";
  }
};

TEST_F(TwoPhaseOutputs, ARunKilledBeforeItsRecordNeverChangesWhatIsLoaded) {
  std::string first = materialize("generation 1");
  // Killed after the manager wrote the new file, before the materialization was recorded.
  int signal = s::testing::in_forked_child([&] { materialize<DiesAfterStaging>("generation 2"); });
  ASSERT_EQ(signal, SIGKILL);
  EXPECT_EQ(latest_run(), first);
  EXPECT_EQ(stored(), "generation 1");  // what the catalog names, not the dead run's data
  // The next process to write the asset sweeps the dead run's staged file (a process sweeps a
  // directory before its first write into it).
  EXPECT_EQ(s::testing::in_forked_child([&] { materialize("generation 3"); }), 0);
  EXPECT_EQ(stored(), "generation 3");
  for (const auto& entry : fs::directory_iterator(data)) {
    EXPECT_NE(entry.path().filename().string().front(), '.') << "left behind: " << entry.path();
  }
}

TEST_F(TwoPhaseOutputs, ARecordedOutputOfAKilledRunIsPublishedWhenTheRunIsReaped) {
  materialize("generation 1");
  std::string second;
  int signal = s::testing::in_forked_child([&] { materialize<DiesBeforePublishing>("generation 2"); });
  ASSERT_EQ(signal, SIGKILL);
  EXPECT_EQ(stored(), "generation 1");  // not published yet (nothing reaped the run)
  std::string latest = latest_run();    // opening the instance reaps the dead run ...
  EXPECT_EQ(stored(), "generation 2");  // ... and publishes what it recorded
  auto run = s::Instance::open(home)->storage().get_run(latest);
  ASSERT_TRUE(run.has_value());
  EXPECT_EQ(run->status, s::RunStatus::kFailure);
}

// A recorded output that cannot be published when its dead run is reaped (here its path became a
// directory) no longer makes every Instance::open fail and the run's pool slots stay taken: the run
// is reaped, and its log says what was not published.
TEST_F(TwoPhaseOutputs, AnOutputThatCannotBePublishedWhenReapedIsLoggedNotThrown) {
  materialize("generation 1");
  ASSERT_EQ(s::testing::in_forked_child([&] { materialize<DiesBeforePublishing>("generation 2"); }), SIGKILL);
  fs::remove(data / "value");
  fs::create_directories(data / "value" / "in_the_way");
  std::shared_ptr<s::Instance> instance;
  ASSERT_NO_THROW(instance = s::Instance::open(home));
  auto runs = instance->storage().runs({});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs[0].status, s::RunStatus::kFailure);
  bool logged = false;
  for (const auto& record : instance->storage().events_for_run(runs[0].run_id)) {
    logged = logged || record.event.message.find("publishing what the run recorded failed") != std::string::npos;
  }
  EXPECT_TRUE(logged);
}

// --- abandoned temporary files ------------------------------------------------------------------

TEST(TemporaryFiles, AbandonedWritesAreSweptOnTheNextWrite) {
  TempDir dir;
  int64_t gone = s::testing::finished_process_pid();
  fs::path torn = dir / (".value.tmp." + std::to_string(gone) + ".0");
  fs::path staged = s::staged_file_for(dir / "value", "run-1", gone);
  fs::path live = dir / ".value.tmp.1.0";  // pid 1 is running: its file is kept
  for (const auto& path : {torn, staged, live}) std::ofstream(path) << "partial";
  s::FilesystemIOManager manager({.base_dir = dir.path().string()});
  auto out = s::build_output_context({.asset_key = s::AssetKey("value"), .type = &s::type_of<int>()});
  manager.handle_output(out, s::Value::of(7));
  EXPECT_FALSE(fs::exists(torn));
  EXPECT_FALSE(fs::exists(staged));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(dir / "value"));
}

// --- stored objects --------------------------------------------------------------------------------

class StoredObjects : public ::testing::Test {
 protected:
  TempDir dir;
  s::FilesystemIOManager manager{{.base_dir = dir.path().string()}};

  fs::path write_numbers() {
    auto out =
        s::build_output_context({.asset_key = s::AssetKey("numbers"), .type = &s::type_of<std::vector<int64_t>>()});
    manager.handle_output(out, s::Value::of(std::vector<int64_t>{1, 2, 3}));
    return dir / "numbers";
  }
  std::string load_error() {
    auto in =
        s::build_input_context({.asset_key = s::AssetKey("numbers"), .type = &s::type_of<std::vector<int64_t>>()});
    return error_of([&] { manager.load_input(in); });
  }
};

TEST_F(StoredObjects, ADamagedLengthIsCaughtBeforeAnythingIsAllocatedFromIt) {
  fs::path path = write_numbers();
  std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
  uint32_t header_bytes = 0;
  file.seekg(8);
  file.read(reinterpret_cast<char*>(&header_bytes), sizeof header_bytes);
  // The vector's length is the payload's first 8 bytes: make it 2^40 elements (8 TiB).
  file.seekp(12 + header_bytes + 5);
  file.put(static_cast<char>(0x01));
  file.close();
  std::string message = load_error();
  EXPECT_TRUE(contains(message, "checksum mismatch")) << message;
  EXPECT_TRUE(contains(message, "asset 'numbers'")) << message;
}

TEST_F(StoredObjects, EmptyValuesRoundTrip) {
  // Empty strings and vectors have no buffer: nothing may be copied from or to a null pointer (UBSan).
  using Value = std::tuple<std::string, std::vector<int64_t>, s::Bytes>;
  auto out = s::build_output_context({.asset_key = s::AssetKey("empty"), .type = &s::type_of<Value>()});
  manager.handle_output(out, s::Value::of(Value{}));
  auto in = s::build_input_context({.asset_key = s::AssetKey("empty"), .type = &s::type_of<Value>()});
  EXPECT_EQ(manager.load_input(in).get<Value>(), Value{});
}

TEST_F(StoredObjects, FramingErrorsNameTheAsset) {
  fs::path path = write_numbers();
  fs::resize_file(path, fs::file_size(path) - 3);
  std::string message = load_error();
  EXPECT_TRUE(contains(message, "asset 'numbers'")) << message;
  EXPECT_TRUE(contains(message, path.string())) << message;
}

// Flat values (vectors of numbers, strings, bytes) are read straight into their storage, range by
// range: the same checks apply, and nothing damaged is ever returned.
TEST_F(StoredObjects, FlatValuesRoundTripAcrossManyReadRanges) {
  std::vector<double> doubles(300'000);  // 2.4 MB: several of the reader's ranges
  for (size_t i = 0; i < doubles.size(); ++i) doubles[i] = static_cast<double>(i) * 0.25;
  std::string text(700'001, 'x');
  text.back() = 'y';
  s::Bytes bytes(5, std::byte{7});
  auto round_trip = [&](const char* key, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    auto out = s::build_output_context({.asset_key = s::AssetKey(key), .type = &s::type_of<T>()});
    manager.handle_output(out, s::Value::of(value));
    auto in = s::build_input_context({.asset_key = s::AssetKey(key), .type = &s::type_of<T>()});
    return manager.load_input(in).template get<T>();
  };
  EXPECT_EQ(round_trip("doubles", doubles), doubles);
  EXPECT_EQ(round_trip("text", text), text);
  EXPECT_EQ(round_trip("bytes", bytes), bytes);
  EXPECT_EQ(round_trip("floats", std::vector<float>{1.5F, -2.0F}), (std::vector<float>{1.5F, -2.0F}));
  EXPECT_EQ(round_trip("none", std::vector<uint16_t>{}), std::vector<uint16_t>{});
}

TEST_F(StoredObjects, ADamagedElementOfALargeFlatValueIsRefused) {
  std::vector<double> doubles(200'000, 1.0);
  auto out = s::build_output_context({.asset_key = s::AssetKey("big"), .type = &s::type_of<std::vector<double>>()});
  manager.handle_output(out, s::Value::of(doubles));
  fs::path path = dir / "big";
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));  // in the middle of the elements
    file.put(static_cast<char>(0x5a));
  }
  auto in = s::build_input_context({.asset_key = s::AssetKey("big"), .type = &s::type_of<std::vector<double>>()});
  std::string message = error_of([&] { manager.load_input(in); });
  EXPECT_TRUE(contains(message, "checksum mismatch")) << message;
  EXPECT_TRUE(contains(message, "asset 'big'")) << message;
  EXPECT_TRUE(contains(message, path.string())) << message;
}

TEST_F(StoredObjects, AFlatValueOfAnotherTypeIsRefusedNamingBoth) {
  write_numbers();
  auto in = s::build_input_context({.asset_key = s::AssetKey("numbers"), .type = &s::type_of<std::vector<double>>()});
  std::string message = error_of([&] { manager.load_input(in); });
  EXPECT_TRUE(contains(message, "asset 'numbers'")) << message;
  EXPECT_TRUE(contains(message, "expected std::vector<double")) << message;
}

}  // namespace
