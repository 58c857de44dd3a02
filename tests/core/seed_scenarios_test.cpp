// The documentation's I/O-manager examples ("seeds"), each as a test of the C++ API.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <strata/strata.hpp>

#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using strata::testing::TempDir;

namespace {

// A small "table" type for the CSV and database-style managers: rows of named string columns.
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<std::string>> rows;
  bool operator==(const Table&) const = default;
};

void write_csv(const fs::path& path, const Table& table) {
  fs::create_directories(path.parent_path());
  std::ofstream out(path);
  for (size_t i = 0; i < table.columns.size(); ++i) out << (i ? "," : "") << table.columns[i];
  out << "\n";
  for (const auto& row : table.rows) {
    for (size_t i = 0; i < row.size(); ++i) out << (i ? "," : "") << row[i];
    out << "\n";
  }
}

Table read_csv(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw s::StorageError("no CSV at " + path.string());
  Table table;
  std::string line;
  auto split = [](const std::string& text) {
    std::vector<std::string> cells;
    std::stringstream stream(text);
    for (std::string cell; std::getline(stream, cell, ',');) cells.push_back(cell);
    return cells;
  };
  std::getline(in, line);
  table.columns = split(line);
  while (std::getline(in, line)) table.rows.push_back(split(line));
  return table;
}

// Seed: "a custom configurable manager with path_prefix writing CSV" (MyIOManager).
class CsvIOManager : public s::TypedIOManager<Table> {
 public:
  std::vector<std::string> path_prefix;
  STRATA_CONFIG_FIELDS(path_prefix)

  fs::path path_for(const s::AssetKey& key) const {
    fs::path path;
    for (const auto& part : path_prefix) path /= part;
    for (const auto& part : key.path()) path /= part;
    return path.string() + ".csv";
  }
  void handle(s::OutputContext& context, const Table& table) override {
    write_csv(path_for(context.asset_key()), table);
  }
  Table load(s::InputContext& context) override { return read_csv(path_for(context.asset_key())); }
};

Table sample_table() { return Table{{"id", "title"}, {{"1", "hello"}, {"2", "world"}}}; }

TEST(SeedScenarios, UpstreamToDownstreamThroughDefaultManager) {
  TempDir home;
  auto upstream = s::asset("upstream", [] { return std::vector<int64_t>{1, 2, 3}; });
  auto downstream = s::asset("downstream", {.ins = {"upstream"}},
                             [](const std::vector<int64_t>& values) { return values.size() * 10; });
  auto result = s::materialize({upstream, downstream}, {.strata_home = home.path()});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<size_t>("downstream"), 30u);
  // The default filesystem manager wrote both assets under $STRATA_HOME/storage/<key>.
  EXPECT_TRUE(fs::exists(home / "storage/upstream"));
  EXPECT_TRUE(fs::exists(home / "storage/downstream"));
  EXPECT_EQ(result.events_of(s::EventType::kLoadedInput).size(), 1u);
}

TEST(SeedScenarios, DepsOrderWithoutLoading) {
  int loads = 0;
  struct CountingManager : s::InMemoryIOManager {
    int* loads = nullptr;
    s::Value load_input(s::InputContext& context) override {
      ++*loads;
      return InMemoryIOManager::load_input(context);
    }
  };
  auto manager = std::make_shared<CountingManager>();
  manager->loads = &loads;
  std::vector<std::string> order;
  std::mutex mutex;
  auto orders = s::asset("orders", [&] {
    std::lock_guard lock(mutex);
    order.push_back("orders");
    return 1;
  });
  auto returns = s::asset("returns", {.deps = {"orders"}}, [&] {
    std::lock_guard lock(mutex);
    order.push_back("returns");
  });
  auto result = s::materialize({orders, returns}, {.resources = {{"io_manager", manager}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(order, (std::vector<std::string>{"orders", "returns"}));
  EXPECT_EQ(loads, 0);  // deps order steps, they load nothing
  EXPECT_TRUE(result.events_of(s::EventType::kLoadedInput).empty());
  EXPECT_EQ(result.materializations().size(), 2u);
}

TEST(SeedScenarios, OpJobWithJobWideFilesystemManagerKeepsRunsApart) {
  TempDir dir;
  auto op_1 = s::op("op_1", [] { return 1; });
  auto op_2 = s::op("op_2", {.ins = {"a"}}, [](int a) { return a + 1; });
  auto my_job = s::job("my_job", [&] { op_2(op_1()); },
                       {.resources = {{"io_manager", s::FilesystemIOManager({.base_dir = (dir / "data").string()})}}});
  auto first = s::execute_in_process(my_job);
  auto second = s::execute_in_process(my_job);
  ASSERT_TRUE(first.success()) << first.failure_message();
  ASSERT_TRUE(second.success()) << second.failure_message();
  EXPECT_EQ(first.output_value<int>("op_2"), 2);
  // <base>/<run id>/<step key>/<output name>: the second run did not overwrite the first.
  for (const auto* run : {&first, &second}) {
    EXPECT_TRUE(fs::exists(dir / "data" / ".runs" / run->run_id() / "op_1" / "result"));
    EXPECT_TRUE(fs::exists(dir / "data" / ".runs" / run->run_id() / "op_2" / "result"));
  }
  EXPECT_NE(first.run_id(), second.run_id());
}

TEST(SeedScenarios, ConfigurableManagerWithPathPrefixWritesCsvFiles) {
  TempDir dir;
  CsvIOManager csv;
  csv.path_prefix = {dir.path().string(), "warehouse"};
  auto stories = s::asset("stories", [] { return sample_table(); });
  auto titles = s::asset("titles", {.ins = {"stories"}, .io_manager_key = "memory"},
                         [](const Table& table) { return table.rows.size(); });
  auto result =
      s::materialize({stories, titles}, {.resources = {{"io_manager", csv}, {"memory", s::InMemoryIOManager()}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_TRUE(fs::exists(dir / "warehouse/stories.csv"));
  EXPECT_EQ(read_csv(dir / "warehouse/stories.csv"), sample_table());
  EXPECT_EQ(result.asset_value<size_t>("titles"), 2u);

  // The same manager reconfigured from run config (YAML) for one run.
  auto yaml = "resources:\n  io_manager:\n    config:\n      path_prefix: [\"" + dir.path().string() + "\", other]\n";
  auto again =
      s::materialize({stories, titles}, {.resources = {{"io_manager", csv}, {"memory", s::InMemoryIOManager()}},
                                         .run_config = s::RunConfig::from_yaml(yaml)});
  ASSERT_TRUE(again.success()) << again.failure_message();
  EXPECT_TRUE(fs::exists(dir / "other/stories.csv"));
}

TEST(SeedScenarios, ManagerRecordsNumRowsTableNameColumns) {
  struct DataframeTableIOManagerWithMetadata : s::TypedIOManager<Table> {
    std::shared_ptr<std::map<std::string, Table>> tables = std::make_shared<std::map<std::string, Table>>();
    void handle(s::OutputContext& context, const Table& table) override {
      std::string table_name = context.name();
      (*tables)[context.step_key() + "." + table_name] = table;
      context.add_output_metadata({{"num_rows", static_cast<int64_t>(table.rows.size())},
                                   {"table_name", table_name},
                                   {"columns", table.columns}});
    }
    Table load(s::InputContext& context) override {
      const s::OutputContext* upstream = context.upstream_output();
      return tables->at(upstream->step_key() + "." + upstream->name());
    }
  };
  auto make_table = s::op("make_table", [] { return sample_table(); });
  auto first_row = s::op("first_row", {.ins = {"table"}, .out = {.io_manager_key = "memory"}},
                         [](const Table& table) { return table.rows.front(); });
  auto my_job = s::job(
      "my_job", [&] { first_row(make_table()); },
      {.resources = {{"io_manager", DataframeTableIOManagerWithMetadata()}, {"memory", s::InMemoryIOManager()}}});
  auto result = s::execute_in_process(my_job);
  ASSERT_TRUE(result.success()) << result.failure_message();
  auto handled = result.events_of(s::EventType::kHandledOutput);
  ASSERT_EQ(handled.size(), 2u);
  const s::Metadata& metadata = handled[0].metadata;
  EXPECT_EQ(metadata.at("num_rows").as_int(), 2);
  EXPECT_EQ(metadata.at("table_name").as_text(), "result");
  EXPECT_EQ(metadata.at("columns").as_text(), R"(["id","title"])");
  EXPECT_EQ(result.output_value<std::vector<std::string>>("first_row"), (std::vector<std::string>{"1", "hello"}));
}

TEST(SeedScenarios, PerAssetManagersInOneDefinitions) {
  TempDir dir;
  auto db = std::make_shared<s::InMemoryIOManager>();
  auto asset_uses_fs = s::asset("asset_uses_fs", {.io_manager_key = "fs_io_manager"}, [] {
    return std::vector<int>{1, 2, 3};
  });
  auto asset_uses_db = s::asset("asset_uses_db", {.io_manager_key = "db_io_manager"}, [] {
    return std::map<std::string, std::string>{{"key", "value"}};
  });
  s::Definitions defs({.assets = {asset_uses_fs, asset_uses_db},
                       .resources = {{"fs_io_manager", s::FilesystemIOManager({.base_dir = (dir / "data").string()})},
                                     {"db_io_manager", db}}});
  auto result = s::materialize(defs, s::AssetSelection::all());
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_TRUE(fs::exists(dir / "data/asset_uses_fs"));
  EXPECT_FALSE(fs::exists(dir / "data/asset_uses_db"));
  EXPECT_TRUE(db->contains("asset:asset_uses_db"));
}

TEST(SeedScenarios, MultiAssetWithManagerPerOutput) {
  TempDir dir;
  auto db = std::make_shared<s::InMemoryIOManager>();
  auto extract_and_transform =
      s::multi_asset({.name = "extract_and_transform",
                      .outs = {s::out<std::vector<int>>("raw_data", {.io_manager_key = "fs_io_manager"}),
                               s::out<std::vector<int>>("transformed_data", {.io_manager_key = "db_io_manager"})}},
                     [](s::AssetContext& context) {
                       std::vector<int> raw = {3, 1, 2};
                       context.yield_output("raw_data", raw);
                       std::sort(raw.begin(), raw.end());
                       context.yield_output("transformed_data", raw);
                     });
  auto result =
      s::materialize({extract_and_transform},
                     {.resources = {{"fs_io_manager", s::FilesystemIOManager({.base_dir = dir.path().string()})},
                                    {"db_io_manager", db}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_TRUE(fs::exists(dir / "raw_data"));
  EXPECT_TRUE(db->contains("asset:transformed_data"));
  EXPECT_EQ(result.asset_value<std::vector<int>>("transformed_data"), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(result.materializations().size(), 2u);
}

TEST(SeedScenarios, InputManagerLoadsExternalData) {
  struct MyInputManager : s::InputManager {
    s::Value load_input(s::InputContext& context) override {
      return s::Value::of(std::string("external:" + context.asset_key().to_string()));
    }
  };
  auto process_external_data = s::asset(
      "process_external_data", {.ins = {s::AssetIn{.name = "external_data", .input_manager_key = "my_input_manager"}}},
      [](const std::string& external_data) { return external_data + ":processed"; });
  auto result =
      s::materialize({process_external_data},
                     {.resources = {{"my_input_manager", MyInputManager()}, {"io_manager", s::InMemoryIOManager()}}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<std::string>("process_external_data"), "external:external_data:processed");
}

// Seed: the factory pattern (ConfigurableIOManagerFactory) with a per-run cache.
struct ExternalStore {
  std::mutex mutex;
  std::map<std::string, int> objects;
  int fetches = 0;
  volatile uint64_t hash_sink = 0;

  // A fetch costs real work (a round trip to the service, here a few milliseconds of hashing).
  int fetch(const std::string& key) {
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < 2'000'000; ++i) h = (h ^ static_cast<uint64_t>(i)) * 1099511628211ull;
    hash_sink = h;
    std::lock_guard lock(mutex);
    ++fetches;
    return objects.at(key);
  }
};

class ExternalIOManager : public s::IOManager {
 public:
  ExternalIOManager(std::string api_token, std::shared_ptr<ExternalStore> store)
      : api_token_(std::move(api_token)), store_(std::move(store)) {}
  void handle_output(s::OutputContext& context, const s::Value& value) override {
    std::lock_guard lock(store_->mutex);
    store_->objects[api_token_ + ":" + context.asset_key().to_string()] = value.get<int>();
  }
  s::Value load_input(s::InputContext& context) override {
    std::string key = context.asset_key().to_string();
    // Steps load concurrently: the first one fetches, the others wait for its result.
    std::lock_guard lock(cache_mutex_);
    if (auto hit = cache_.find(key); hit != cache_.end()) return hit->second;  // per-run cache
    s::Value value = s::Value::of(store_->fetch(api_token_ + ":" + key));
    cache_.emplace(key, value);
    return value;
  }

 private:
  std::string api_token_;
  std::shared_ptr<ExternalStore> store_;
  std::mutex cache_mutex_;
  std::map<std::string, s::Value> cache_;
};

class ConfigurableExternalIOManager : public s::IOManagerFactory {
 public:
  s::Setting<std::string> api_token;
  std::shared_ptr<ExternalStore> store;
  STRATA_CONFIG_FIELDS(api_token)
  std::shared_ptr<s::IOManager> create_io_manager(s::InitContext&) override {
    ++created;
    return std::make_shared<ExternalIOManager>(api_token.value(), store);
  }
  int created = 0;
};

TEST(SeedScenarios, FactoryCreatesManagerPerRunWithCache) {
  // Full concurrency: sixteen steps load `source` at once through the run's manager, whose cache
  // must give them one fetch per run (the IOManager contract: load_input is called concurrently).
  ::setenv("STRATA_TEST_API_TOKEN", "token-123", 1);
  auto factory = std::make_shared<ConfigurableExternalIOManager>();
  factory->api_token = s::EnvVar{"STRATA_TEST_API_TOKEN"};
  factory->store = std::make_shared<ExternalStore>();
  std::vector<s::AssetsDefinition> assets = {s::asset("source", [] { return 21; }),
                                             s::asset("twice", {.ins = {"source"}}, [](int x) { return 2 * x; })};
  for (int i = 0; i < 15; ++i) {
    assets.push_back(s::asset("plus" + std::to_string(i), {.ins = {"source"}}, [i](int x) { return x + i; }));
  }
  constexpr int kRuns = 20;
  for (int run = 1; run <= kRuns; ++run) {
    auto result = s::materialize(assets, {.resources = {{"io_manager", factory}}, .max_concurrency = 8});
    ASSERT_TRUE(result.success()) << result.failure_message();
    EXPECT_EQ(factory->created, run);         // a fresh manager for every run
    ASSERT_EQ(factory->store->fetches, run);  // sixteen loads of `source` per run, one fetch
  }
  EXPECT_EQ(factory->store->objects.at("token-123:twice"), 42);
  EXPECT_EQ(factory->store->objects.at("token-123:plus14"), 35);
  ::unsetenv("STRATA_TEST_API_TOKEN");
}

TEST(SeedScenarios, TestManagerInIsolationWithBuildContexts) {
  TempDir dir;
  CsvIOManager io_manager;
  io_manager.path_prefix = {dir.path().string()};
  auto context = s::build_output_context({.asset_key = s::AssetKey{"test_asset"}});
  io_manager.handle_output(context, s::Value::of(sample_table()));
  auto input = s::build_input_context({.asset_key = s::AssetKey{"test_asset"}, .type = &s::type_of<Table>()});
  EXPECT_EQ(io_manager.load_input(input).get<Table>(), sample_table());

  // The legacy form: an input context that names its upstream output (step key + name).
  s::FilesystemIOManager fs_manager({.base_dir = dir.path().string()});
  auto out = s::build_output_context({.name = "abc", .step_key = "123", .run_id = "run-1", .type = &s::type_of<int>()});
  fs_manager.handle_output(out, s::Value::of(5));
  auto upstream = std::make_shared<s::OutputContext>(out);
  auto in = s::build_input_context({.name = "x", .type = &s::type_of<int>(), .upstream_output = upstream});
  EXPECT_EQ(fs_manager.load_input(in).get<int>(), 5);
}

TEST(SeedScenarios, MockManagerWithMaterialize) {
  struct MockIOManager : s::IOManager {
    std::map<s::AssetKey, s::Value> storage;
    void handle_output(s::OutputContext& context, const s::Value& value) override {
      storage[context.asset_key()] = value;
    }
    s::Value load_input(s::InputContext& context) override { return storage.at(context.asset_key()); }
  };
  auto upstream_asset = s::asset("upstream_asset", [] { return std::string("data"); });
  auto downstream_asset = s::asset("downstream_asset", {.ins = {"upstream_asset"}},
                                   [](const std::string& upstream) { return upstream + "!"; });
  auto mock = std::make_shared<MockIOManager>();
  auto result = s::materialize({upstream_asset, downstream_asset}, {.resources = {{"io_manager", mock}}});
  EXPECT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(mock->storage.at("downstream_asset").get<std::string>(), "data!");
}

}  // namespace
