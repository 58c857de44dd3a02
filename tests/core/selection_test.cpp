// Asset selections: the API and the text syntax of the command line.
#include <gtest/gtest.h>

#include <strata/strata.hpp>

namespace s = strata;

namespace {

// a -> b -> c -> d, and x (group "other") alone.
s::Definitions diamond() {
  auto a = s::asset("a", {.group = "main"}, [] { return 1; });
  auto b = s::asset("b", {.ins = {"a"}, .group = "main"}, [](int v) { return v; });
  auto c = s::asset("c", {.ins = {"b"}, .group = "main"}, [](int v) { return v; });
  auto d = s::asset("d", {.deps = {"c"}, .group = "main"}, [] { return 1; });
  auto x = s::asset("x", {.group = "other"}, [] { return 1; });
  return s::Definitions({.assets = {a, b, c, d, x}});
}

// The selected keys, sorted (resolve() returns them in a dependency order).
std::string selected(const s::Definitions& defs, const std::string& text) {
  auto keys = s::AssetSelection::parse(text).resolve(defs.asset_graph());
  std::sort(keys.begin(), keys.end());
  std::string out;
  for (const auto& key : keys) out += key.to_string() + " ";
  return out;
}

TEST(Selection, TextSyntax) {
  auto defs = diamond();
  EXPECT_EQ(selected(defs, "*"), "a b c d x ");
  EXPECT_EQ(selected(defs, "c"), "c ");
  EXPECT_EQ(selected(defs, "+c"), "b c ");
  EXPECT_EQ(selected(defs, "++c"), "a b c ");
  EXPECT_EQ(selected(defs, "*c"), "a b c ");
  EXPECT_EQ(selected(defs, "b+"), "b c ");
  EXPECT_EQ(selected(defs, "b*"), "b c d ");
  EXPECT_EQ(selected(defs, "+b+"), "a b c ");
  EXPECT_EQ(selected(defs, "group:other"), "x ");
  EXPECT_EQ(selected(defs, "x, a"), "a x ");
}

TEST(Selection, Api) {
  auto defs = diamond();
  const auto& graph = defs.asset_graph();
  auto keys = (s::AssetSelection::keys({"b"}).downstream() - s::AssetSelection::keys({"d"})).resolve(graph);
  EXPECT_EQ(keys, (std::vector<s::AssetKey>{"b", "c"}));  // dependency order
  keys = (s::AssetSelection::groups({"main"}) & s::AssetSelection::keys({"a"}).downstream(1)).resolve(graph);
  EXPECT_EQ(keys, (std::vector<s::AssetKey>{"a", "b"}));
}

TEST(Selection, BadInputIsNamed) {
  auto defs = diamond();
  try {
    selected(defs, "+bb");
    FAIL();
  } catch (const s::DefinitionError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown asset 'bb'; did you mean 'b'?"), std::string::npos) << e.what();
  }
  for (const char* bad : {"", "a,,b", "+", "a b", "group:", "a$"}) {
    EXPECT_THROW(s::AssetSelection::parse(bad), s::DefinitionError) << bad;
  }
  try {
    s::AssetSelection::parse("a$");
  } catch (const s::DefinitionError& e) {
    EXPECT_NE(std::string(e.what()).find("at character 2: unexpected character '$'"), std::string::npos) << e.what();
  }
  EXPECT_THROW(selected(defs, "group:nope"), s::DefinitionError);
}

TEST(Selection, AVeryLongListOfTermsNeverRecursesPerTerm) {
  // Found by the torture corpus under ASan: 10,000 terms overflowed the stack (one level per term).
  auto a = s::asset("a", [] { return 1; });
  s::Definitions defs({.assets = {a}});
  std::string text;
  for (int i = 0; i < 200000; ++i) text += "a,";
  text += "a";
  auto keys = s::AssetSelection::parse(text).resolve(defs.asset_graph());
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys.front(), s::AssetKey("a"));
}

}  // namespace
