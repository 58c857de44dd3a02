// Definitions refuse what cannot run, before anything runs, with a message naming the fault.
#include <gtest/gtest.h>

#include <strata/strata.hpp>

#include "expect_error.hpp"

namespace s = strata;

namespace {

using strata::testing::error_of;

struct Opaque {
  int x = 0;
};

TEST(Definitions, DuplicateKeyNamesKeyAndBothDefiners) {
  auto a = s::asset("stories", [] { return 1; });
  auto b = s::asset("stories", [] { return 2; });
  std::string message = error_of([&] { s::Definitions({.assets = {a, b}}); });
  EXPECT_NE(message.find("asset key 'stories' is defined twice"), std::string::npos) << message;
}

TEST(Definitions, AnInputMayNameItsUpstreamByHandle) {
  // `.ins = {topstory_ids}`: the definition itself, key prefix included, instead of a spelled name.
  auto topstory_ids = s::asset("topstory_ids", {.key_prefix = {"hackernews"}}, [] {
    return std::vector<int64_t>{3, 4};
  });
  auto topstories = s::asset("topstories", {.ins = {topstory_ids}},
                             [](const std::vector<int64_t>& ids) { return static_cast<int64_t>(ids.size()); });
  auto result = s::materialize({topstory_ids, topstories}, {.resources = {{"io_manager", s::InMemoryIOManager()}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<int64_t>("topstories"), 2);
  s::Definitions defs({.assets = {topstory_ids, topstories}});
  const auto& graph = defs.asset_graph();
  const auto& upstream = graph.entry(graph.find("topstories")).upstream;
  ASSERT_EQ(upstream.size(), 1u);
  EXPECT_EQ(graph.entry(upstream[0]).key, s::AssetKey({"hackernews", "topstory_ids"}));
}

TEST(Definitions, AMultiAssetHandleAsAnInputIsRefusedWithTheWayOut) {
  auto split =
      s::multi_asset({.name = "split", .outs = {s::out<int>("evens"), s::out<int>("odds")}}, [](s::AssetContext&) {});
  std::string message = error_of([&] { s::asset("sum", {.ins = {split}}, [](int x) { return x; }); });
  EXPECT_EQ(message, "'split' defines 2 assets: an input names one of them with AssetIn{.name = ..., .key = ...}");
}

TEST(Definitions, UnknownUpstreamSuggestsNearestKey) {
  auto ids = s::asset("topstory_ids", [] { return std::vector<int64_t>{}; });
  auto stories = s::asset("topstories", {.ins = {"topstory_id"}},
                          [](const std::vector<int64_t>& values) { return values.size(); });
  std::string message = error_of([&] { s::Definitions({.assets = {ids, stories}}); });
  EXPECT_NE(message.find("input 'topstory_id' reads unknown asset 'topstory_id'"), std::string::npos) << message;
  EXPECT_NE(message.find("did you mean 'topstory_ids'"), std::string::npos) << message;
}

TEST(Definitions, UnknownDepIsAnError) {
  auto a = s::asset("a", {.deps = {"nowhere"}}, [] { return 1; });
  std::string message = error_of([&] { s::Definitions({.assets = {a}}); });
  EXPECT_NE(message.find("deps names unknown asset 'nowhere'"), std::string::npos) << message;
}

TEST(Definitions, CycleIsPrinted) {
  auto a = s::asset("a", {.ins = {"c"}}, [](int c) { return c; });
  auto b = s::asset("b", {.ins = {"a"}}, [](int x) { return x; });
  auto c = s::asset("c", {.ins = {"b"}}, [](int x) { return x; });
  auto d = s::asset("d", {.ins = {"c"}}, [](int x) { return x; });
  std::string message = error_of([&] { s::Definitions({.assets = {d, a, b, c}}); });
  EXPECT_NE(message.find("cycle"), std::string::npos) << message;
  // The three assets of the loop, in a rotation of a -> b -> c -> a.
  bool printed = message.find("a -> b -> c -> a") != std::string::npos ||
                 message.find("b -> c -> a -> b") != std::string::npos ||
                 message.find("c -> a -> b -> c") != std::string::npos;
  EXPECT_TRUE(printed) << message;
}

TEST(Definitions, InputTypeMismatchNamesBothAssetsAndTypes) {
  auto up = s::asset("prices", [] { return std::vector<double>{1.5}; });
  auto down = s::asset("total", {.ins = {"prices"}}, [](const std::vector<int64_t>& v) { return v.size(); });
  std::string message = error_of([&] { s::Definitions({.assets = {up, down}}); });
  EXPECT_NE(message.find("asset 'total'"), std::string::npos) << message;
  EXPECT_NE(message.find("asset 'prices'"), std::string::npos) << message;
  EXPECT_NE(message.find("std::vector<long>"), std::string::npos) << message;
  EXPECT_NE(message.find("std::vector<double>"), std::string::npos) << message;
}

TEST(Definitions, LoadingAVoidAssetSuggestsDeps) {
  auto up = s::asset("create_table", [] {});
  auto down = s::asset("use_table", {.ins = {"create_table"}}, [](int x) { return x; });
  std::string message = error_of([&] { s::Definitions({.assets = {up, down}}); });
  EXPECT_NE(message.find("returns no value"), std::string::npos) << message;
  EXPECT_NE(message.find("deps"), std::string::npos) << message;
}

TEST(Definitions, MissingResourceKeyIsNamed) {
  auto a = s::asset("a", {.io_manager_key = "warehouse"}, [] { return 1; });
  std::string message = error_of([&] { s::Definitions({.assets = {a}}); });
  EXPECT_NE(message.find("needs resource 'warehouse', which is not defined"), std::string::npos) << message;
  auto b = s::asset("b", {.required_resource_keys = {"api"}}, [] { return 1; });
  message = error_of([&] { s::Definitions({.assets = {b}}); });
  EXPECT_NE(message.find("needs resource 'api'"), std::string::npos) << message;
}

TEST(Definitions, DefaultManagerRefusesTypeWithoutCodec) {
  auto a = s::asset("opaque", [] { return Opaque{}; });
  std::string message = error_of([&] { s::Definitions({.assets = {a}}); });
  EXPECT_NE(message.find("asset 'opaque' returns"), std::string::npos) << message;
  EXPECT_NE(message.find("Opaque"), std::string::npos) << message;
  EXPECT_NE(message.find("STRATA_SERIALIZABLE"), std::string::npos) << message;
  // A manager that can hold any type makes it valid.
  EXPECT_NO_THROW(s::Definitions({.assets = {a}, .resources = {{"io_manager", s::InMemoryIOManager()}}}));
}

TEST(Definitions, ManagerThatCannotHandleTypeIsRefused) {
  struct IntsOnly : s::TypedIOManager<int> {
    void handle(s::OutputContext&, const int&) override {}
    int load(s::InputContext&) override { return 0; }
  };
  auto a = s::asset("name", {.io_manager_key = "ints"}, [] { return std::string("x"); });
  std::string message = error_of([&] { s::Definitions({.assets = {a}, .resources = {{"ints", IntsOnly()}}}); });
  EXPECT_NE(message.find("cannot store values of type std::string"), std::string::npos) << message;
  EXPECT_NE(message.find("'ints'"), std::string::npos) << message;
}

TEST(Definitions, ResourceThatIsNotAManagerIsRefused) {
  struct Client : s::Resource {};
  auto a = s::asset("a", {.io_manager_key = "client"}, [] { return 1; });
  std::string message = error_of([&] { s::Definitions({.assets = {a}, .resources = {{"client", Client()}}}); });
  EXPECT_NE(message.find("not an I/O manager"), std::string::npos) << message;
}

// Configurable resources declare fields with a member template: they live at namespace scope.
struct Warehouse : s::IOManager {
  std::string schema;
  STRATA_CONFIG_FIELDS(schema)
  void validate_config() const override {
    if (schema.empty()) throw s::ConfigError("field 'schema' must not be empty");
  }
  void handle_output(s::OutputContext&, const s::Value&) override {}
  s::Value load_input(s::InputContext&) override { return {}; }
};

TEST(Definitions, BadConfigInCodeNamesTheField) {
  auto a = s::asset("a", [] { return 1; });
  std::string message = error_of([&] { s::Definitions({.assets = {a}, .resources = {{"io_manager", Warehouse()}}}); });
  EXPECT_NE(message.find("resource 'io_manager': field 'schema' must not be empty"), std::string::npos) << message;
}

TEST(Definitions, FunctionInputsMustMatchIns) {
  std::string message = error_of([&] { s::asset("a", {.ins = {"x", "y"}}, [](int x) { return x; }); });
  EXPECT_NE(message.find("takes 1 input(s) but `ins` names 2 (x, y)"), std::string::npos) << message;
}

TEST(Definitions, KeyThatCouldEscapeStorageIsRejected) {
  for (const char* bad : {"../etc", "a//b", "a/./b"}) {
    std::string message = error_of([&] { s::asset(bad, [] { return 1; }); });
    EXPECT_NE(message.find("asset key"), std::string::npos) << bad << ": " << message;
  }
  std::string message =
      error_of([&] { s::asset(s::AssetKey(std::vector<std::string>{std::string("a\0b", 3)}), [] { return 1; }); });
  EXPECT_NE(message.find("NUL"), std::string::npos) << message;
}

TEST(Definitions, OpJobWiringTypeMismatchNamesOpsAndTypes) {
  auto make = s::op("make", [] { return std::string("x"); });
  auto twice = s::op("twice", {.ins = {"n"}}, [](int n) { return 2 * n; });
  std::string message = error_of([&] { s::job("bad", [&] { twice(make()); }); });
  EXPECT_NE(message.find("job 'bad', op 'twice': input 'n' expects int but 'make.result' produces std::string"),
            std::string::npos)
      << message;
  message = error_of([&] { make(); });
  EXPECT_NE(message.find("outside a job body"), std::string::npos) << message;
}

TEST(Definitions, JobsAndSchedulesAreChecked) {
  auto a = s::asset("a", {.group = "g"}, [] { return 1; });
  std::string message = error_of(
      [&] { s::Definitions({.assets = {a}, .jobs = {s::define_asset_job("j", s::AssetSelection::keys({"b"}))}}); });
  EXPECT_NE(message.find("job 'j': selection: unknown asset 'b'"), std::string::npos) << message;
  message = error_of([&] {
    s::Definitions({.assets = {a},
                    .jobs = {s::define_asset_job("j", s::AssetSelection::all())},
                    .schedules = {{.name = "hourly", .job_name = "k", .cron_schedule = "0 * * * *"}}});
  });
  EXPECT_NE(message.find("schedule 'hourly' runs job 'k', which is not defined"), std::string::npos) << message;
  message = error_of([&] {
    s::Definitions({.assets = {a},
                    .jobs = {s::define_asset_job("j", s::AssetSelection::all())},
                    .schedules = {{.name = "hourly", .job_name = "j", .cron_schedule = "61 * * * *"}}});
  });
  EXPECT_NE(message.find("bad minute field '61'"), std::string::npos) << message;
  EXPECT_NO_THROW(s::Definitions({.assets = {a},
                                  .jobs = {s::define_asset_job("j", s::AssetSelection::groups({"g"}))},
                                  .schedules = {{.name = "hourly", .job_name = "j", .cron_schedule = "0 * * * *"}}}));
}

TEST(Definitions, SourceAssetIsLoadableButNotMaterialized) {
  auto raw = s::source_asset<std::vector<int>>("raw", {.io_manager_key = "lake"});
  auto sum = s::asset("sum", {.ins = {"raw"}}, [](const std::vector<int>& v) { return v.size(); });
  auto lake = std::make_shared<s::InMemoryIOManager>();
  auto out = s::build_output_context({.asset_key = s::AssetKey{"raw"}});
  lake->handle_output(out, s::Value::of(std::vector<int>{1, 2, 3}));
  auto result = s::materialize({raw, sum}, {.resources = {{"lake", lake}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<size_t>("sum"), 3u);
  EXPECT_EQ(result.materializations().size(), 1u);  // only `sum`
  // A source asset whose type the manager cannot load is refused up front.
  struct IntsOnly : s::TypedIOManager<int> {
    void handle(s::OutputContext&, const int&) override {}
    int load(s::InputContext&) override { return 0; }
  };
  std::string message = error_of([&] { s::Definitions({.assets = {raw, sum}, .resources = {{"lake", IntsOnly()}}}); });
  EXPECT_NE(message.find("source asset 'raw'"), std::string::npos) << message;
}

}  // namespace
