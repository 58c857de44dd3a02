// The default filesystem manager: every storable type round-trips, files carry header and
// checksum, writes are atomic, and every bad load is a clear error naming asset and path.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <strata/io/stored_object.hpp>
#include <strata/strata.hpp>

#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using strata::testing::TempDir;

namespace geo {
struct Point {
  double x = 0;
  double y = 0;
  std::string label;
  std::optional<std::vector<int>> tags;
  bool operator==(const Point&) const = default;
};
STRATA_SERIALIZABLE(Point, x, y, label, tags)

enum class Color { kRed, kGreen };
}  // namespace geo

namespace {

class FilesystemManagerTest : public ::testing::Test {
 protected:
  TempDir dir;
  s::FilesystemIOManager manager{{.base_dir = dir.path().string()}};

  template <class T>
  T round_trip(const std::string& key, const T& value) {
    auto out = s::build_output_context({.asset_key = s::AssetKey(key), .type = &s::type_of<T>()});
    manager.handle_output(out, s::Value::of(value));
    auto in = s::build_input_context({.asset_key = s::AssetKey(key), .type = &s::type_of<T>()});
    return manager.load_input(in).template get<T>();
  }

  template <class T>
  std::string load_error(const std::string& key) {
    auto in = s::build_input_context({.asset_key = s::AssetKey(key), .type = &s::type_of<T>()});
    try {
      manager.load_input(in);
    } catch (const s::StorageError& e) {
      return e.what();
    }
    ADD_FAILURE() << "expected a StorageError loading " << key;
    return "";
  }
};

TEST_F(FilesystemManagerTest, EveryStorableKindRoundTrips) {
  EXPECT_EQ(round_trip("i", int64_t{-42}), -42);
  EXPECT_EQ(round_trip("d", 3.25), 3.25);
  EXPECT_EQ(round_trip("b", true), true);
  EXPECT_EQ(round_trip("s", std::string("héllo\0world", 12)), std::string("héllo\0world", 12));
  s::Bytes bytes = {std::byte{0}, std::byte{255}, std::byte{7}};
  EXPECT_EQ(round_trip("bytes", bytes), bytes);
  EXPECT_EQ(round_trip("v", std::vector<double>{1, 2, 3}), (std::vector<double>{1, 2, 3}));
  std::map<std::string, int> counts = {{"a", 1}, {"b", 2}};
  EXPECT_EQ(round_trip("m", counts), counts);
  std::unordered_map<int, std::string> names = {{1, "one"}};
  EXPECT_EQ(round_trip("um", names), names);
  EXPECT_EQ(round_trip("set", std::set<std::string>{"x", "y"}), (std::set<std::string>{"x", "y"}));
  EXPECT_EQ(round_trip("opt", std::optional<int>{}), std::optional<int>{});
  EXPECT_EQ(round_trip("opt2", std::optional<int>{5}), std::optional<int>{5});
  EXPECT_EQ(round_trip("pair", std::make_pair(1, std::string("a"))), std::make_pair(1, std::string("a")));
  auto tuple = std::make_tuple(1, 2.5, std::string("t"), std::vector<bool>{true, false});
  EXPECT_EQ(round_trip("tuple", tuple), tuple);
  std::map<std::string, std::vector<std::pair<int, std::optional<std::string>>>> nested = {
      {"k", {{1, "x"}, {2, std::nullopt}}}};
  EXPECT_EQ(round_trip("nested", nested), nested);
  nlohmann::json document = {{"id", 1}, {"tags", {"a", "b"}}, {"nested", {{"ok", true}}}};
  EXPECT_EQ(round_trip("json", document), document);
  geo::Point point{1.5, -2, "home", std::vector<int>{1, 2}};
  EXPECT_EQ(round_trip("point", point), point);
  EXPECT_EQ(round_trip("points", std::vector<geo::Point>{point, {}}), (std::vector<geo::Point>{point, {}}));
  EXPECT_EQ(round_trip("color", geo::Color::kGreen), geo::Color::kGreen);
  std::variant<int, std::string> variant = std::string("v");
  EXPECT_EQ(round_trip("variant", variant), variant);
}

TEST_F(FilesystemManagerTest, FileCarriesHeaderWithCodecTypeAndVersion) {
  round_trip("analytics/prices", std::vector<double>{1.0});
  fs::path path = dir / "analytics" / "prices";
  ASSERT_TRUE(fs::exists(path));
  auto header = s::io::read_stored_object_header(path);
  EXPECT_EQ(header.codec, "cereal-binary/1");
  EXPECT_EQ(header.type_name, "std::vector<double>");
  EXPECT_EQ(header.version, 1);
}

TEST_F(FilesystemManagerTest, HandleOutputRecordsPathAndBytes) {
  auto out = s::build_output_context({.asset_key = s::AssetKey("a"), .type = &s::type_of<int>()});
  manager.handle_output(out, s::Value::of(7));
  EXPECT_EQ(out.output_metadata().at("path").as_text(), (dir / "a").string());
  EXPECT_EQ(out.output_metadata().at(s::kMetadataBytesWritten).as_int(),
            static_cast<int64_t>(fs::file_size(dir / "a")));
}

TEST_F(FilesystemManagerTest, MissingObjectNamesAssetAndPath) {
  std::string message = load_error<int>("never_written");
  EXPECT_NE(message.find("asset 'never_written'"), std::string::npos) << message;
  EXPECT_NE(message.find((dir / "never_written").string()), std::string::npos) << message;
}

TEST_F(FilesystemManagerTest, WrongTypeNamesBothTypes) {
  round_trip("numbers", std::vector<int>{1});
  std::string message = load_error<std::string>("numbers");
  EXPECT_NE(message.find("holds std::vector<int>, expected std::string"), std::string::npos) << message;
  EXPECT_NE(message.find("asset 'numbers'"), std::string::npos) << message;
}

TEST_F(FilesystemManagerTest, CorruptedPayloadIsDetected) {
  round_trip("data", std::vector<int64_t>(1000, 7));
  fs::path path = dir / "data";
  {
    std::fstream file(path, std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(static_cast<std::streamoff>(fs::file_size(path) / 2));
    file.put('\x5a');
  }
  std::string message = load_error<std::vector<int64_t>>("data");
  EXPECT_NE(message.find("corrupted"), std::string::npos) << message;
  EXPECT_NE(message.find(path.string()), std::string::npos) << message;
}

TEST_F(FilesystemManagerTest, TruncatedAndForeignFilesAreDetected) {
  round_trip("data", std::string(100, 'x'));
  fs::path path = dir / "data";
  fs::resize_file(path, fs::file_size(path) - 10);
  EXPECT_NE(load_error<std::string>("data").find("corrupted"), std::string::npos);
  std::ofstream(dir / "foreign") << "just some text that is not a Strata object";
  EXPECT_NE(load_error<std::string>("foreign").find("not a Strata stored object"), std::string::npos);
}

TEST_F(FilesystemManagerTest, FailedWriteKeepsPreviousObjectAndLeavesNoTemporaryFile) {
  round_trip("stable", std::string("first"));
  fs::path path = dir / "stable";
  EXPECT_THROW(s::io::write_stored_object(path, {"cereal-binary/1", "std::string", 1},
                                          [](std::ostream& out) {
                                            out << std::string(1 << 20, 'y');  // half written...
                                            throw std::runtime_error("encoder failed");
                                          }),
               std::runtime_error);
  auto in = s::build_input_context({.asset_key = s::AssetKey("stable"), .type = &s::type_of<std::string>()});
  EXPECT_EQ(manager.load_input(in).get<std::string>(), "first");
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);  // no temporary file left behind
}

TEST_F(FilesystemManagerTest, OpOutputsLiveUnderRunAndStep) {
  auto out =
      s::build_output_context({.name = "result", .step_key = "op_1", .run_id = "run-a", .type = &s::type_of<int>()});
  manager.handle_output(out, s::Value::of(1));
  EXPECT_TRUE(fs::exists(dir / ".runs" / "run-a" / "op_1" / "result"));
  auto bad =
      s::build_output_context({.name = "result", .step_key = "../x", .run_id = "run-a", .type = &s::type_of<int>()});
  EXPECT_THROW(manager.handle_output(bad, s::Value::of(1)), s::StorageError);
}

TEST_F(FilesystemManagerTest, PartitionKeyIsOneFileUnderTheAsset) {
  auto out = s::build_output_context({.asset_key = s::AssetKey("events"),
                                      .type = &s::type_of<int>(),
                                      .partitions = {.keys = {"2024-01-01"}, .window = {}}});
  manager.handle_output(out, s::Value::of(3));
  EXPECT_TRUE(fs::exists(dir / "events" / "2024-01-01"));
  auto bad = s::build_output_context({.asset_key = s::AssetKey("events"),
                                      .type = &s::type_of<int>(),
                                      .partitions = {.keys = {"../../etc"}, .window = {}}});
  EXPECT_THROW(manager.handle_output(bad, s::Value::of(3)), s::PartitionError);
}

}  // namespace
