// Run config read from hostile or broken input: nesting, alias expansion, size, files that are not
// regular files, duplicate keys and invalid UTF-8 are refused with a ConfigError naming the problem
// (and the file), in bounded time and memory, whether the config comes from a file or from code.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <strata/strata.hpp>

#include "expect_error.hpp"
#include "temp_dir.hpp"

namespace s = strata;
using s::testing::error_of;

namespace {

std::string nested_flow(size_t depth) { return "resources: " + std::string(depth, '[') + std::string(depth, ']'); }

std::string nested_json(size_t depth) {
  return R"({"resources": {"a": {"config": {"x": )" + std::string(depth, '[') + std::string(depth, ']') + "}}}}";
}

// Block mappings `k: ` nested `depth` levels, each two spaces deeper.
std::string nested_block(size_t depth) {
  std::string text = "resources:\n";
  for (size_t i = 1; i <= depth; ++i) text += std::string(2 * i, ' ') + "k:\n";
  return text;
}

// A "billion laughs" of a few hundred bytes: nine levels of nine aliases to the level below, 9^9
// leaves when expanded.
std::string alias_bomb() {
  std::string text = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n";
  std::string previous = "a";
  for (char level = 'b'; level <= 'i'; ++level) {
    std::string name(1, level);
    text += name + ": &" + name + " [";
    for (int i = 0; i < 9; ++i) text += (i ? ",*" : "*") + previous;
    text += "]\n";
    previous = name;
  }
  return text;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

TEST(RunConfigLimits, DeepNestingIsRefusedInYamlAndJson) {
  for (size_t depth : {size_t{65}, size_t{600}, size_t{50000}}) {
    std::string yaml = error_of([&] { s::RunConfig::from_yaml(nested_flow(depth)); });
    EXPECT_TRUE(contains(yaml, "nested deeper than 64 levels")) << depth << ": " << yaml;
    std::string json = error_of([&] { s::RunConfig::from_json(nested_json(depth)); });
    EXPECT_TRUE(contains(json, "nested deeper than 64 levels")) << depth << ": " << json;
  }
  std::string block = error_of([&] { s::RunConfig::from_yaml(nested_block(100)); });
  EXPECT_TRUE(contains(block, "nested deeper than 64 levels")) << block;
  EXPECT_TRUE(contains(block, "line 65")) << block;
  // Up to the limit is fine.
  EXPECT_NO_THROW(s::RunConfig::from_yaml(nested_block(60)));
  EXPECT_NO_THROW(s::RunConfig::from_json(nested_json(50)));
}

TEST(RunConfigLimits, AliasBombIsRefusedBeforeItExpands) {
  std::string bomb = alias_bomb();
  ASSERT_LT(bomb.size(), 400u);
  std::string error = error_of([&] { s::RunConfig::from_yaml(bomb); });
  EXPECT_TRUE(contains(error, "aliases expand to more than")) << error;
  // A few aliases are fine, and expand to copies.
  auto config = s::RunConfig::from_yaml("resources:\n  a: &shared\n    config: {x: 1}\n  b: *shared\n");
  EXPECT_EQ(config.document()["resources"]["b"]["config"]["x"], 1);
  // An alias to the node that contains it.
  std::string cycle = error_of([&] { s::RunConfig::from_yaml("resources: &r {a: *r}\n"); });
  EXPECT_TRUE(contains(cycle, "alias")) << cycle;
}

TEST(RunConfigLimits, OversizedTextIsRefused) {
  std::string big = "resources: {}\n# " + std::string(16 * 1024 * 1024, 'x') + "\n";
  EXPECT_TRUE(contains(error_of([&] { s::RunConfig::from_yaml(big); }), "larger than 16 MiB"));
  EXPECT_TRUE(contains(error_of([&] { s::RunConfig::from_json(big); }), "larger than 16 MiB"));
  s::testing::TempDir dir("strata-run-config");
  std::ofstream(dir / "big.yaml") << big;
  std::string file = error_of([&] { s::RunConfig::from_file(dir / "big.yaml"); });
  EXPECT_TRUE(contains(file, "big.yaml")) << file;
  EXPECT_TRUE(contains(file, "larger than 16 MiB")) << file;
}

TEST(RunConfigLimits, OnlyRegularFilesAreRead) {
  s::testing::TempDir dir("strata-run-config");
  std::string zero = error_of([&] { s::RunConfig::from_file("/dev/zero"); });
  EXPECT_TRUE(contains(zero, "'/dev/zero'")) << zero;
  EXPECT_TRUE(contains(zero, "not a regular file")) << zero;
  ASSERT_EQ(::mkfifo((dir / "fifo.yaml").c_str(), 0600), 0);
  std::string fifo = error_of([&] { s::RunConfig::from_file(dir / "fifo.yaml"); });  // must not block
  EXPECT_TRUE(contains(fifo, "fifo.yaml")) << fifo;
  EXPECT_TRUE(contains(fifo, "not a regular file")) << fifo;
  std::string directory = error_of([&] { s::RunConfig::from_file(dir.path()); });
  EXPECT_TRUE(contains(directory, "is a directory")) << directory;
  std::string missing = error_of([&] { s::RunConfig::from_file(dir / "missing.yaml"); });
  EXPECT_TRUE(contains(missing, "missing.yaml")) << missing;
}

TEST(RunConfigLimits, DuplicateKeysAreRefusedNamingKeyAndLine) {
  std::string yaml = error_of(
      [&] { s::RunConfig::from_yaml("resources:\n  api:\n    config:\n      retries: 1\n      retries: 2\n"); });
  EXPECT_TRUE(contains(yaml, "duplicate key 'retries'")) << yaml;
  EXPECT_TRUE(contains(yaml, "line 5")) << yaml;
  std::string json =
      error_of([&] { s::RunConfig::from_json("{\"resources\": {\n  \"api\": {\"config\": {}},\n  \"api\": {}\n}}"); });
  EXPECT_TRUE(contains(json, "duplicate key 'api'")) << json;
  EXPECT_TRUE(contains(json, "line 3")) << json;
  s::testing::TempDir dir("strata-run-config");
  std::ofstream(dir / "dup.yaml") << "resources: {}\nresources: {}\n";
  std::string file = error_of([&] { s::RunConfig::from_file(dir / "dup.yaml"); });
  EXPECT_TRUE(contains(file, "dup.yaml")) << file;
  EXPECT_TRUE(contains(file, "duplicate key 'resources'")) << file;
}

TEST(RunConfigLimits, InvalidUtf8IsRefused) {
  std::string value = error_of([&] { s::RunConfig::from_yaml("resources:\n  api:\n    config: {x: \"\xff\"}\n"); });
  EXPECT_TRUE(contains(value, "line 3: the value of resources.api.config.x is not valid UTF-8")) << value;
  std::string key = error_of([&] { s::RunConfig::from_yaml("resources:\n  \xc3\x28: {}\n"); });
  EXPECT_TRUE(contains(key, "not valid UTF-8")) << key;
  std::string json = error_of([&] { s::RunConfig::from_json("{\"resources\": {\"\xff\": {}}}"); });
  EXPECT_TRUE(contains(json, "UTF-8")) << json;
  // Valid multi-byte text is kept as it is.
  auto config = s::RunConfig::from_yaml("resources:\n  api:\n    config: {x: \"caf\xc3\xa9\"}\n");
  EXPECT_EQ(config.document()["resources"]["api"]["config"]["x"], "caf\xc3\xa9");
}

}  // namespace
