// format "json" of the filesystem manager: every storable type round-trips through a JSON file that
// other tools can read, written atomically, checked on load (checksum, type), and files of either
// format stay loadable when the option changes.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <strata/io/stored_value.hpp>
#include <strata/strata.hpp>

#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using strata::testing::TempDir;

namespace shop {
struct Item {
  std::string name;
  int64_t count = 0;
  std::optional<double> price;
  std::map<std::string, std::vector<int>> tags;
  bool operator==(const Item&) const = default;
};
STRATA_SERIALIZABLE(Item, name, count, price, tags)
enum class Size : uint8_t { kSmall = 1, kLarge = 2 };
}  // namespace shop

namespace {

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in);
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), {}};
}

template <class E, class F>
void expect_error(F&& f, std::initializer_list<std::string> parts) {
  try {
    f();
    ADD_FAILURE() << "expected an error naming " << *parts.begin();
  } catch (const E& e) {
    for (const auto& part : parts) EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

void spill(const fs::path& path, const std::string& text) { std::ofstream(path, std::ios::binary) << text; }

class JsonFormatTest : public ::testing::Test {
 protected:
  TempDir dir;
  s::FilesystemIOManager manager{{.base_dir = dir.path().string(), .format = "json"}};

  template <class T>
  void store(s::FilesystemIOManager& by, const std::string& key, const T& value) {
    auto out = s::build_output_context({.asset_key = s::AssetKey(key), .type = &s::type_of<T>()});
    by.handle_output(out, s::Value::of(value));
  }
  template <class T>
  T load(s::FilesystemIOManager& by, const std::string& key) {
    auto in = s::build_input_context({.asset_key = s::AssetKey(key), .type = &s::type_of<T>()});
    return by.load_input(in).template get<T>();
  }
  template <class T>
  T round_trip(const std::string& key, const T& value) {
    store(manager, key, value);
    return load<T>(manager, key);
  }
};

TEST_F(JsonFormatTest, EveryStorableKindRoundTrips) {
  EXPECT_EQ(round_trip("i", int64_t{-42}), -42);
  EXPECT_EQ(round_trip("u", uint64_t{18446744073709551615u}), 18446744073709551615u);
  EXPECT_EQ(round_trip("d", 0.1), 0.1);
  EXPECT_EQ(round_trip("f", 1.5f), 1.5f);
  EXPECT_TRUE(std::isnan(round_trip("nan", std::nan(""))));
  EXPECT_EQ(round_trip("inf", -HUGE_VAL), -HUGE_VAL);
  EXPECT_EQ(round_trip("b", true), true);
  EXPECT_EQ(round_trip("s", std::string("héllo\0world\n", 13)), std::string("héllo\0world\n", 13));
  s::Bytes bytes = {std::byte{0}, std::byte{255}, std::byte{7}, std::byte{'a'}};
  EXPECT_EQ(round_trip("bytes", bytes), bytes);
  EXPECT_EQ(round_trip("empty_bytes", s::Bytes{}), s::Bytes{});
  EXPECT_EQ(round_trip("v", std::vector<double>{1, 2, 3}), (std::vector<double>{1, 2, 3}));
  std::unordered_map<int, std::string> names = {{1, "one"}, {-2, "minus two"}};
  EXPECT_EQ(round_trip("um", names), names);
  EXPECT_EQ(round_trip("set", std::set<std::string>{"x", "y"}), (std::set<std::string>{"x", "y"}));
  EXPECT_EQ(round_trip("arr", std::array<int, 3>{1, 2, 3}), (std::array<int, 3>{1, 2, 3}));
  EXPECT_EQ(round_trip("deque", std::deque<int>{4, 5}), (std::deque<int>{4, 5}));
  EXPECT_EQ(round_trip("list", std::list<std::string>{"a"}), (std::list<std::string>{"a"}));
  EXPECT_EQ(round_trip("opt", std::optional<int>{}), std::optional<int>{});
  EXPECT_EQ(round_trip("opt2", std::optional<int>{5}), std::optional<int>{5});
  auto tuple = std::make_tuple(1, 2.5, std::string("t"), std::vector<bool>{true, false});
  EXPECT_EQ(round_trip("tuple", tuple), tuple);
  nlohmann::json document = {{"id", 1}, {"tags", {"a", "b"}}, {"nested", {{"ok", true}}}};
  EXPECT_EQ(round_trip("json", document), document);
  shop::Item item{"pen", 3, 1.25, {{"colors", {1, 2}}}};
  EXPECT_EQ(round_trip("item", item), item);
  EXPECT_EQ(round_trip("items", std::vector<shop::Item>{item, {}}), (std::vector<shop::Item>{item, {}}));
  EXPECT_EQ(round_trip("size", shop::Size::kLarge), shop::Size::kLarge);
  std::variant<int, std::string, int> variant{std::in_place_index<2>, 9};
  EXPECT_EQ(round_trip("variant", variant), variant);
}

TEST_F(JsonFormatTest, FileIsPlainJsonWithTheValueUnderValue) {
  store(manager, "shop/item", shop::Item{"pen", 3, std::nullopt, {{"colors", {1, 2}}}});
  nlohmann::json file = read_json(dir / "shop" / "item");
  EXPECT_EQ(file["value"], nlohmann::json::parse(R"({"name":"pen","count":3,"price":null,"tags":{"colors":[1,2]}})"));
  EXPECT_EQ(file["strata"]["format"], "strata-json/1");
  EXPECT_EQ(file["strata"]["type"], "shop::Item");
  store(manager, "pairs", std::map<int, std::string>{{2, "b"}});
  EXPECT_EQ(read_json(dir / "pairs")["value"], nlohmann::json::parse(R"([[2,"b"]])"));
  store(manager, "raw", s::Bytes{std::byte{'h'}, std::byte{'i'}});
  EXPECT_EQ(read_json(dir / "raw")["value"], "aGk=");
}

TEST_F(JsonFormatTest, ChangedValueIsRefusedAsCorrupted) {
  store(manager, "count", std::vector<int>{100, 200});
  fs::path path = dir / "count";
  std::string text = slurp(path);
  text.replace(text.find("200"), 3, "201");  // still well-formed JSON of the right shape
  spill(path, text);
  expect_error<s::StorageError>([&] { load<std::vector<int>>(manager, "count"); },
                                {"asset 'count'", "corrupted", "checksum mismatch", path.string()});
  spill(path, "{\"strata\":");
  expect_error<s::StorageError>([&] { load<std::vector<int>>(manager, "count"); }, {"corrupted", "well-formed JSON"});
}

TEST_F(JsonFormatTest, WrongTypeNamesBothTypes) {
  store(manager, "numbers", std::vector<int>{1});
  expect_error<s::StorageError>([&] { load<std::string>(manager, "numbers"); },
                                {"asset 'numbers'", "holds std::vector<int>, expected std::string"});
}

TEST_F(JsonFormatTest, EitherFormatLoadsWhateverTheOption) {
  s::FilesystemIOManager binary{{.base_dir = dir.path().string()}};
  store(binary, "old", std::string("binary"));
  store(manager, "new", std::string("json"));
  EXPECT_EQ(load<std::string>(manager, "old"), "binary");
  EXPECT_EQ(load<std::string>(binary, "new"), "json");
  EXPECT_EQ(slurp(dir / "new").front(), '{');
}

TEST_F(JsonFormatTest, TextThatIsNotUtf8IsRefusedAndThePreviousFileKept) {
  store(manager, "text", std::string("good"));
  expect_error<s::StorageError>([&] { store(manager, "text", std::string("bad \xff")); },
                                {"asset 'text'", "not UTF-8", "\"binary\""});
  EXPECT_EQ(load<std::string>(manager, "text"), "good");
  size_t files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir.path())) ++files;
  EXPECT_EQ(files, 1u);  // no temporary file left behind
}

TEST_F(JsonFormatTest, StructFieldsAreCheckedByName) {
  store(manager, "item", shop::Item{"pen", 3, std::nullopt, {}});
  // A file edited by hand without its checksum: what the reader says of a missing or unknown field.
  auto rewrite = [&](nlohmann::json value) {
    std::string out = s::io::encode_value(s::Value::of(value), s::io::StoredFormat::kJson, "x");
    nlohmann::json file = nlohmann::json::parse(out);
    file["strata"]["type"] = "shop::Item";
    spill(dir / "item", file.dump());
  };
  rewrite({{"name", "pen"}, {"count", 3}, {"price", nullptr}});
  expect_error<s::StorageError>([&] { load<shop::Item>(manager, "item"); }, {"field 'tags' is missing"});
  rewrite({{"name", "pen"}, {"count", 3}, {"price", nullptr}, {"tags", nlohmann::json::object()}, {"extra", 1}});
  expect_error<s::StorageError>([&] { load<shop::Item>(manager, "item"); }, {"unknown field 'extra'"});
  rewrite({{"name", "pen"}, {"count", "three"}, {"price", nullptr}, {"tags", nlohmann::json::object()}});
  expect_error<s::StorageError>([&] { load<shop::Item>(manager, "item"); },
                                {"value.count: expected an integer in range, found string"});
}

TEST(JsonFormatConfig, UnknownFormatIsRefusedNamingTheField) {
  s::FilesystemIOManager manager{{.base_dir = "/tmp/x", .format = "yaml"}};
  expect_error<s::ConfigError>([&] { manager.validate_config(); }, {"field 'format'", "'yaml'", "\"json\""});
}

}  // namespace
