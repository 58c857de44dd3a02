// ObjectStoreIOManager: the default manager's checksummed objects on a local directory ("file") and
// on a bucket of a real S3 server ("s3", MinIO on loopback): round trips of storable types, both
// formats, partitions, op outputs under .runs/<run>/, staged writes in recorded runs, a failed run
// that changes nothing, damaged objects refused, missing buckets named or created.
#include <arrow/filesystem/s3fs.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <strata/arrow/file_formats.hpp>
#include <strata/arrow/object_store_io_manager.hpp>
#include <strata/strata.hpp>

#include "expect_error.hpp"
#include "minio_server.hpp"
#include "service_unavailable.hpp"
#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using strata::testing::error_of;
using strata::testing::TempDir;

namespace inventory {
struct Part {
  std::string name;
  std::vector<double> sizes;
  std::optional<int> stock;
  bool operator==(const Part&) const = default;
};
STRATA_SERIALIZABLE(Part, name, sizes, stock)
}  // namespace inventory

namespace {

s::testing::MinioServer* minio() {
  static std::unique_ptr<s::testing::MinioServer> server = []() -> std::unique_ptr<s::testing::MinioServer> {
    if (s::testing::MinioServer::find_binary().empty()) return nullptr;
    return std::make_unique<s::testing::MinioServer>();
  }();
  return server.get();
}

// A client of the test server, to look at and damage objects behind the manager's back.
std::shared_ptr<arrow::fs::FileSystem> s3_client() {
  auto options = arrow::fs::S3Options::FromAccessKey(minio()->access_key(), minio()->secret_key());
  options.endpoint_override = minio()->endpoint();
  options.scheme = "http";
  options.allow_bucket_creation = true;
  s::ensure_s3_initialized();
  return arrow::fs::S3FileSystem::Make(options).ValueOrDie();
}

s::ObjectStoreOptions s3_options(const std::string& uri) {
  return {.base_uri = uri,
          .s3_endpoint = minio()->endpoint(),
          .s3_scheme = "http",
          .s3_access_key = minio()->access_key(),
          .s3_secret_key = minio()->secret_key()};
}

class ObjectStores : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "s3") {
      if (minio() == nullptr) STRATA_SERVICE_UNAVAILABLE("MinIO is not installed (scripts/setup.sh builds it with Go)");
      auto created = s3_client()->CreateDir("strata-objects");
      ASSERT_TRUE(created.ok()) << created.ToString();
    }
  }

  s::ObjectStoreOptions options(const std::string& format = "binary") {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->name()).substr(0, std::string(info->name()).find('/'));
    if (GetParam() == "file") return {.base_uri = "file://" + (dir / name).string(), .format = format};
    auto result = s3_options("s3://strata-objects/" + name);
    result.format = format;
    return result;
  }

  // Where an object lives, as a path of the test's filesystem.
  std::string object_path(const std::string& relative) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = std::string(info->name()).substr(0, std::string(info->name()).find('/'));
    return GetParam() == "file" ? (dir / name / relative).string() : "strata-objects/" + name + "/" + relative;
  }
  std::shared_ptr<arrow::fs::FileSystem> filesystem() {
    return GetParam() == "file" ? std::make_shared<arrow::fs::LocalFileSystem>() : s3_client();
  }
  std::vector<arrow::fs::FileInfo> list(const std::string& directory) {
    arrow::fs::FileSelector selector;
    selector.base_dir = directory;
    return filesystem()->GetFileInfo(selector).ValueOrDie();
  }
  bool exists(const std::string& relative) {
    return filesystem()->GetFileInfo(object_path(relative)).ValueOrDie().type() == arrow::fs::FileType::File;
  }

  template <class T>
  s::OutputContext store(s::ObjectStoreIOManager& manager, const std::string& key, const T& value,
                         s::OutputContextFields fields = {}) {
    fields.asset_key = s::AssetKey(key);
    fields.type = &s::type_of<T>();
    auto out = s::build_output_context(std::move(fields));
    manager.handle_output(out, s::Value::of(value));
    return out;
  }
  template <class T>
  T load(s::ObjectStoreIOManager& manager, const std::string& key, std::vector<std::string> partitions = {}) {
    auto in = s::build_input_context(
        {.asset_key = s::AssetKey(key), .type = &s::type_of<T>(), .partitions = {.keys = partitions, .window = {}}});
    return manager.load_input(in).template get<T>();
  }

  TempDir dir;
};

TEST_P(ObjectStores, StorableTypesRoundTripInBothFormats) {
  for (std::string format : {"binary", "json"}) {
    s::ObjectStoreIOManager manager(options(format));
    inventory::Part part{"bolt", {1.5, 2}, std::nullopt};
    std::map<std::string, std::vector<inventory::Part>> catalog = {{"a", {part}}, {"b", {}}};
    store(manager, format + "/i", int64_t{-7});
    store(manager, format + "/s", std::string("naïve"));
    store(manager, format + "/v", std::vector<double>{0.25, 1e300});
    store(manager, format + "/part", part);
    store(manager, format + "/catalog", catalog);
    store(manager, format + "/opt", std::optional<std::string>{});
    EXPECT_EQ(load<int64_t>(manager, format + "/i"), -7);
    EXPECT_EQ(load<std::string>(manager, format + "/s"), "naïve");
    EXPECT_EQ(load<std::vector<double>>(manager, format + "/v"), (std::vector<double>{0.25, 1e300}));
    EXPECT_EQ(load<inventory::Part>(manager, format + "/part"), part);
    EXPECT_EQ((load<std::map<std::string, std::vector<inventory::Part>>>(manager, format + "/catalog")), catalog);
    EXPECT_EQ(load<std::optional<std::string>>(manager, format + "/opt"), std::nullopt);
  }
  // The JSON object is plain JSON another tool can read.
  auto input = filesystem()->OpenInputFile(object_path("json/part")).ValueOrDie();
  auto buffer = input->ReadAt(0, input->GetSize().ValueOrDie()).ValueOrDie();
  auto document = nlohmann::json::parse(buffer->ToString());
  EXPECT_EQ(document["value"]["name"], "bolt");
}

TEST_P(ObjectStores, PartitionsAreObjectsUnderTheAsset) {
  s::ObjectStoreIOManager manager(options());
  store(manager, "daily", 1, {.partitions = {.keys = {"2024-01-01"}, .window = {}}});
  store(manager, "daily", 2, {.partitions = {.keys = {"2024-01-02"}, .window = {}}});
  EXPECT_TRUE(exists("daily/2024-01-01"));
  EXPECT_EQ(load<int>(manager, "daily", {"2024-01-02"}), 2);
  auto both = load<std::map<std::string, int>>(manager, "daily", {"2024-01-01", "2024-01-02"});
  EXPECT_EQ(both, (std::map<std::string, int>{{"2024-01-01", 1}, {"2024-01-02", 2}}));
  std::string message = error_of([&] { load<int>(manager, "daily", {"2024-01-03"}); });
  EXPECT_NE(message.find("asset 'daily' partition '2024-01-03'"), std::string::npos) << message;
  EXPECT_NE(message.find("has it been materialized?"), std::string::npos) << message;
}

TEST_P(ObjectStores, OpOutputsLiveUnderTheirRun) {
  s::ObjectStoreIOManager manager(options());
  auto out = std::make_shared<s::OutputContext>(
      s::build_output_context({.name = "result", .step_key = "op_1", .run_id = "run-a", .type = &s::type_of<int>()}));
  manager.handle_output(*out, s::Value::of(41));
  EXPECT_TRUE(exists(".runs/run-a/op_1/result"));
  auto in = s::build_input_context(
      {.name = "x", .step_key = "op_2", .run_id = "run-a", .type = &s::type_of<int>(), .upstream_output = out});
  EXPECT_EQ(manager.load_input(in).get<int>(), 41);
}

// In a recorded run the new object is staged; readers see it only once published.
TEST_P(ObjectStores, AStagedWriteChangesNothingUntilPublished) {
  s::ObjectStoreIOManager manager(options());
  store(manager, "value", std::string("first"));
  auto discarded = store(manager, "value", std::string("second"), {.run_id = "run-2", .publish_deferred = true});
  EXPECT_EQ(load<std::string>(manager, "value"), "first");
  manager.discard_output(discarded);
  auto published = store(manager, "value", std::string("third"), {.run_id = "run-3", .publish_deferred = true});
  EXPECT_EQ(load<std::string>(manager, "value"), "first");
  manager.publish_output(published);
  EXPECT_EQ(load<std::string>(manager, "value"), "third");
  auto listing = list(object_path(""));
  ASSERT_EQ(listing.size(), 1u);  // no staged object left behind
  EXPECT_EQ(listing[0].base_name(), "value");
}

// A manager that refuses to write partition "b" once told to: a run of partitions a and b then
// fails after partition a's new object was written (staged), before anything is recorded.
struct RefusingPartitionB : s::ObjectStoreIOManager {
  using ObjectStoreIOManager::ObjectStoreIOManager;
  void handle_output(s::OutputContext& context, const s::Value& value) override {
    if (refuse && context.partition_key() == "b") throw std::runtime_error("partition b cannot be written");
    ObjectStoreIOManager::handle_output(context, value);
  }
  bool refuse = false;
};

TEST_P(ObjectStores, AFailedRunLeavesThePreviousObjectLoadable) {
  auto run = [&](const std::string& text, bool refuse) {
    auto value = s::asset(
        "value", {.partitions = s::static_partitions({"a", "b"}), .backfill_policy = s::BackfillPolicy::single_run()},
        [text](s::AssetContext& ctx) {
          s::PerPartition<std::string> out;
          for (const auto& key : ctx.asset_partition_keys()) out[key] = text;
          return out;
        });
    RefusingPartitionB manager(options());
    manager.refuse = refuse;
    s::Definitions defs({.assets = {value}, .resources = {{"io_manager", manager}}});
    return s::materialize(defs, s::AssetSelection::all(),
                          {.instance = s::Instance::open(dir / "home"), .partition_keys = {"a", "b"}})
        .success();
  };
  ASSERT_TRUE(run("generation 1", false));
  // Partition a's new object is written (staged), then the step fails before the record.
  ASSERT_FALSE(run("generation 2", true));
  s::ObjectStoreIOManager manager(options());
  EXPECT_EQ(load<std::string>(manager, "value", {"a"}), "generation 1");
  ASSERT_TRUE(run("generation 3", false));
  EXPECT_EQ(load<std::string>(manager, "value", {"a"}), "generation 3");
  for (const std::string& dir_path : {std::string(""), std::string("value")}) {
    for (const auto& entry : list(object_path(dir_path))) {
      EXPECT_NE(entry.base_name().front(), '.') << "left behind: " << entry.path();
    }
  }
}

TEST_P(ObjectStores, ASingleRunBackfillStoresOneObjectPerPartition) {
  auto days = s::daily_partitions("2024-01-01");
  auto counts = s::asset("counts", {.partitions = days, .backfill_policy = s::BackfillPolicy::single_run()},
                         [](s::AssetContext& ctx) {
                           s::PerPartition<int64_t> out;
                           for (const auto& day : ctx.asset_partition_keys()) out[day] = std::stoi(day.substr(8, 2));
                           return out;
                         });
  s::Definitions defs({.assets = {counts}, .resources = {{"io_manager", s::ObjectStoreIOManager(options())}}});
  auto plan = s::plan_backfill_range(defs, s::AssetSelection::all(), "2024-01-02", "2024-01-04");
  ASSERT_EQ(plan.runs.size(), 1u);
  auto result = s::launch_backfill(defs, plan, {.instance = s::Instance::open(dir / "home")});
  ASSERT_TRUE(result.success()) << result.runs.front().failure_message();
  s::ObjectStoreIOManager manager(options());
  EXPECT_EQ(load<int64_t>(manager, "counts", {"2024-01-03"}), 3);
  EXPECT_EQ(load<int64_t>(manager, "counts", {"2024-01-04"}), 4);
  // One value for the whole range cannot be stored one object per partition: refused up front.
  auto whole = s::asset("whole", {.partitions = days, .backfill_policy = s::BackfillPolicy::single_run()},
                        [] { return int64_t{1}; });
  EXPECT_THROW(s::Definitions({.assets = {whole}, .resources = {{"io_manager", s::ObjectStoreIOManager(options())}}}),
               s::DefinitionError);
}

TEST_P(ObjectStores, DamagedOrMistypedObjectsAreRefused) {
  s::ObjectStoreIOManager manager(options());
  store(manager, "numbers", std::vector<int64_t>(100, 7));
  std::string message = error_of([&] { load<std::string>(manager, "numbers"); });
  EXPECT_NE(message.find("holds std::vector<long>, expected std::string"), std::string::npos) << message;
  auto fs = filesystem();
  std::string path = object_path("numbers");
  auto input = fs->OpenInputFile(path).ValueOrDie();
  std::string bytes = input->ReadAt(0, input->GetSize().ValueOrDie()).ValueOrDie()->ToString();
  bytes[bytes.size() / 2] ^= 0x5a;
  auto output = fs->OpenOutputStream(path).ValueOrDie();
  ASSERT_TRUE(output->Write(bytes.data(), static_cast<int64_t>(bytes.size())).ok());
  ASSERT_TRUE(output->Close().ok());
  message = error_of([&] { load<std::vector<int64_t>>(manager, "numbers"); });
  EXPECT_NE(message.find("asset 'numbers': corrupted stored object"), std::string::npos) << message;
  EXPECT_NE(message.find("checksum mismatch"), std::string::npos) << message;
  message = error_of([&] { load<int>(manager, "never"); });
  EXPECT_NE(message.find("asset 'never': no stored object at"), std::string::npos) << message;
}

INSTANTIATE_TEST_SUITE_P(Stores, ObjectStores, ::testing::Values("file", "s3"),
                         [](const auto& param_info) { return param_info.param; });

TEST(ObjectStoreBuckets, AMissingBucketIsNamedWithTheOptionThatCreatesIt) {
  if (minio() == nullptr) STRATA_SERVICE_UNAVAILABLE("MinIO is not installed (scripts/setup.sh builds it with Go)");
  s::ObjectStoreIOManager manager(s3_options("s3://strata-absent/prefix"));
  auto out = s::build_output_context({.asset_key = s::AssetKey("a"), .type = &s::type_of<int>()});
  std::string message = error_of([&] { manager.handle_output(out, s::Value::of(1)); });
  EXPECT_NE(message.find("S3 bucket 'strata-absent' at " + minio()->endpoint() + " does not exist"), std::string::npos)
      << message;
  EXPECT_NE(message.find("allow_bucket_creation = true (ObjectStoreOptions"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  EXPECT_EQ(s3_client()->GetFileInfo("strata-absent").ValueOrDie().type(), arrow::fs::FileType::NotFound);

  s::ParquetIOManager tables({.base_uri = "s3://strata-absent/tables",
                              .s3_endpoint = minio()->endpoint(),
                              .s3_scheme = "http",
                              .s3_access_key = minio()->access_key(),
                              .s3_secret_key = minio()->secret_key()});
  message = error_of([&] { tables.exists(s::AssetKey("t")); });
  EXPECT_NE(message.find("S3 bucket 'strata-absent'"), std::string::npos) << message;
  EXPECT_NE(message.find("allow_bucket_creation = true (ArrowPathOptions"), std::string::npos) << message;
}

TEST(ObjectStoreBuckets, BucketCreationWhenAllowed) {
  if (minio() == nullptr) STRATA_SERVICE_UNAVAILABLE("MinIO is not installed (scripts/setup.sh builds it with Go)");
  auto options = s3_options("s3://strata-created/prefix");
  options.allow_bucket_creation = true;
  s::ObjectStoreIOManager manager(options);
  auto out = s::build_output_context({.asset_key = s::AssetKey("a"), .type = &s::type_of<int>()});
  manager.handle_output(out, s::Value::of(5));
  EXPECT_EQ(out.output_metadata().at("uri").as_text(), "s3://strata-created/prefix/a");
  auto in = s::build_input_context({.asset_key = s::AssetKey("a"), .type = &s::type_of<int>()});
  EXPECT_EQ(manager.load_input(in).get<int>(), 5);

  s::ParquetIOManager tables({.base_uri = "s3://strata-created-tables/t",
                              .s3_endpoint = minio()->endpoint(),
                              .s3_scheme = "http",
                              .s3_access_key = minio()->access_key(),
                              .s3_secret_key = minio()->secret_key(),
                              .allow_bucket_creation = true});
  EXPECT_FALSE(tables.exists(s::AssetKey("t")));
  EXPECT_EQ(s3_client()->GetFileInfo("strata-created-tables").ValueOrDie().type(), arrow::fs::FileType::Directory);
}

// Any filesystem Arrow offers by URI: here its in-memory one, with the staged protocol of S3.
TEST(ObjectStoreSchemes, OtherArrowFilesystemsByUri) {
  s::ObjectStoreIOManager manager({.base_uri = "mock:///objects", .format = "json"});
  auto write = [&](int value, bool deferred) {
    auto out = s::build_output_context({.asset_key = s::AssetKey("a/b"),
                                        .run_id = "run-" + std::to_string(value),
                                        .type = &s::type_of<int>(),
                                        .publish_deferred = deferred});
    manager.handle_output(out, s::Value::of(value));
    return out;
  };
  auto load = [&] {
    auto in = s::build_input_context({.asset_key = s::AssetKey("a/b"), .type = &s::type_of<int>()});
    return manager.load_input(in).get<int>();
  };
  auto first = write(1, false);
  EXPECT_EQ(first.output_metadata().at("uri").as_text(), "mock://objects/a/b");
  auto staged = write(2, true);
  EXPECT_EQ(load(), 1);
  manager.publish_output(staged);
  EXPECT_EQ(load(), 2);
}

TEST(ObjectStoreConfig, BadFieldsAreRefusedWhenDefinitionsAreBuilt) {
  std::string message = error_of([] {
    s::Definitions({.resources = {{"io_manager", s::ObjectStoreIOManager({.base_uri = "nosuch://b/p"})}}});
  });
  EXPECT_NE(message.find("field 'base_uri': 'nosuch://' is not a filesystem Arrow offers"), std::string::npos)
      << message;
  message = error_of([] {
    s::Definitions({.resources = {{"io_manager", s::ObjectStoreIOManager({.base_uri = "/tmp/x", .format = "xml"})}}});
  });
  EXPECT_NE(message.find("field 'format'"), std::string::npos) << message;
  // The filesystem manager points users of object stores here.
  message = error_of([] {
    s::Definitions({.resources = {{"io_manager", s::FilesystemIOManager({.base_dir = "s3://bucket/prefix"})}}});
  });
  EXPECT_NE(message.find("ObjectStoreIOManager"), std::string::npos) << message;
}

}  // namespace
