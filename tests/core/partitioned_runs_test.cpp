// Running partitioned assets: keys checked before anything runs, one file per partition, loading
// several upstream partitions, the seed's time-window manager, backfills and partition status.
#include <gtest/gtest.h>

#include <filesystem>
#include <strata/strata.hpp>

#include "expect_error.hpp"
#include "temp_dir.hpp"

namespace s = strata;
namespace fs = std::filesystem;
using strata::testing::TempDir;

namespace {

using strata::testing::error_of;

class PartitionedRuns : public ::testing::Test {
 protected:
  TempDir home{"strata-home"};
  std::shared_ptr<s::Instance> instance = s::Instance::open(home.path());
  s::PartitionsPtr hourly = s::hourly_partitions("2024-01-01-00:00", {.end = "2024-02-01-00:00"});
  s::PartitionsPtr daily = s::daily_partitions("2024-01-01", {.end = "2024-02-01"});

  // hourly readings → daily totals (reads its 24 hours as a map) → all-time total (reads every day).
  s::Definitions pipeline() {
    auto readings = s::asset("readings", {.partitions = hourly}, [](s::AssetContext& ctx) {
      const std::string& key = ctx.partition_key();
      return std::stoi(key.substr(11, 2));  // the hour
    });
    auto daily_total =
        s::asset("daily_total", {.ins = {"readings"}, .partitions = daily},
                 [](s::AssetContext& ctx, const std::map<std::string, int>& by_hour) {
                   ctx.log().info(ctx.partition_key() + ": " + std::to_string(by_hour.size()) + " hours");
                   int total = 0;
                   for (const auto& [_, v] : by_hour) total += v;
                   return total;
                 });
    auto overall = s::asset("overall", {.ins = {"daily_total"}}, [](const std::map<std::string, int>& by_day) {
      return std::make_pair(static_cast<int>(by_day.size()), by_day.begin()->second);
    });
    return s::Definitions({.assets = {readings, daily_total, overall}});
  }
};

TEST_F(PartitionedRuns, OneFilePerPartitionAndMapsOfUpstreamPartitions) {
  auto defs = pipeline();
  auto plan = s::plan_backfill_range(defs, s::AssetSelection::keys({"readings"}), "2024-01-01-00:00",
                                     "2024-01-02-23:00", &instance->storage());
  EXPECT_EQ(plan.runs.size(), 48u);  // the default policy: one partition per run
  auto backfill = s::launch_backfill(defs, plan, {.instance = instance});
  ASSERT_TRUE(backfill.success()) << backfill.runs.front().failure_message();
  EXPECT_TRUE(fs::exists(home / "storage" / "readings" / "2024-01-02-23:00"));
  EXPECT_EQ(s::asset_partition_status(defs, "readings", instance->storage()).materialized, 48u);

  auto day = s::materialize(defs, s::AssetSelection::keys({"daily_total"}),
                            {.instance = instance, .partition_keys = {"2024-01-02"}});
  ASSERT_TRUE(day.success()) << day.failure_message();
  EXPECT_EQ(day.asset_value<int>("daily_total"), 276);  // 0 + 1 + ... + 23
  EXPECT_EQ(day.materialization("daily_total").partition, "2024-01-02");
  EXPECT_EQ(day.events_of(s::EventType::kLog).front().message, "2024-01-02: 24 hours");
  ASSERT_TRUE(s::materialize(defs, s::AssetSelection::keys({"daily_total"}),
                             {.instance = instance, .partition_keys = {"2024-01-01"}})
                  .success());
  auto status = s::asset_partition_status(defs, "daily_total", instance->storage());
  EXPECT_EQ(status.keys.size(), 31u);
  EXPECT_EQ(status.materialized, 2u);
  EXPECT_EQ(status.missing, 29u);

  // Unpartitioned downstream reads every upstream partition: here 29 are missing, all named.
  auto all = s::materialize(defs, s::AssetSelection::keys({"overall"}), {.instance = instance});
  ASSERT_FALSE(all.success());
  std::string message = all.step("overall").error_message;
  EXPECT_NE(
      message.find("asset 'daily_total': 29 of 31 upstream partitions are not materialized: 2024-01-03, 2024-01-04"),
      std::string::npos)
      << message;
}

TEST_F(PartitionedRuns, BadKeysAreRefusedBeforeAnythingRuns) {
  auto defs = pipeline();
  auto run = [&](s::AssetSelection selection, std::vector<std::string> keys) {
    return error_of(
        [&] { s::materialize(defs, selection, {.instance = instance, .partition_keys = std::move(keys)}); });
  };
  std::string message = run(s::AssetSelection::keys({"daily_total"}), {});
  EXPECT_NE(message.find("asset 'daily_total' is partitioned (daily partitions from 2024-01-01"), std::string::npos)
      << message;
  EXPECT_NE(message.find("give a partition key, YYYY-MM-DD, e.g. 2024-01-01"), std::string::npos) << message;
  message = run(s::AssetSelection::keys({"overall"}), {"2024-01-01"});
  EXPECT_NE(message.find("partition key '2024-01-01' given, but asset 'overall' is not partitioned"), std::string::npos)
      << message;
  message = run(s::AssetSelection::keys({"daily_total"}), {"01/02/2024"});
  EXPECT_NE(message.find("asset 'daily_total': partition key '01/02/2024' is not a daily partition key; expected "
                         "YYYY-MM-DD, e.g. 2024-01-01"),
            std::string::npos)
      << message;
  message = run(s::AssetSelection::keys({"readings", "daily_total"}), {"2024-01-01"});
  EXPECT_NE(message.find("partitioned differently"), std::string::npos) << message;
  EXPECT_TRUE(instance->storage().runs({}).empty());  // nothing was recorded, nothing ran
}

TEST_F(PartitionedRuns, SingleRunBackfillSeesTheWholeTimeWindow) {
  // The seed: a manager that reads and overwrites a datetime range in one go.
  struct RangeIOManager : s::IOManager {
    std::vector<std::string> journal;
    void handle_output(s::OutputContext& context, const s::Value& value) override {
      auto [start, end] = context.asset_partitions_time_window();
      journal.push_back("write " + context.asset_key().to_string() + " " + std::to_string(value.get<int>()) + " over " +
                        std::to_string((end - start).count() / 3600) + "h, " +
                        std::to_string(context.asset_partition_keys().size()) + " partitions");
    }
    s::Value load_input(s::InputContext& context) override {
      auto window = context.asset_partitions_time_window();
      journal.push_back("read " + context.asset_key().to_string() + " " + context.asset_partition_key_range().start +
                        ".." + context.asset_partition_key_range().end);
      return s::Value::of(static_cast<int>((window.end - window.start).count() / 3600));
    }
  };
  auto manager = std::make_shared<RangeIOManager>();
  auto raw_events = s::asset("raw_events", {.partitions = daily}, [] { return 0; });
  auto events = s::asset(
      "events", {.ins = {"raw_events"}, .partitions = daily, .backfill_policy = s::BackfillPolicy::single_run()},
      [](int hours_of_raw_events) { return hours_of_raw_events; });
  s::Definitions defs({.assets = {raw_events, events}, .resources = {{"io_manager", manager}}});
  auto plan = s::plan_backfill_range(defs, s::AssetSelection::keys({"events"}), "2024-01-03", "2024-01-07");
  ASSERT_EQ(plan.runs.size(), 1u);
  auto result = s::launch_backfill(defs, plan, {.instance = instance});
  ASSERT_TRUE(result.success()) << result.runs.front().failure_message();
  EXPECT_EQ(manager->journal, (std::vector<std::string>{"read raw_events 2024-01-03..2024-01-07",
                                                        "write events 120 over 120h, 5 partitions"}));
  EXPECT_EQ(result.runs.front().materializations().size(), 5u);  // one per partition
  auto record = instance->storage().get_backfill(plan.backfill_id);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->status, "COMPLETED");
  EXPECT_EQ(record->num_runs, 1);
  EXPECT_EQ(record->partitions.size(), 5u);
  auto run = instance->storage().get_run(result.runs.front().run_id());
  EXPECT_EQ(run->tags.at("strata/backfill_id"), plan.backfill_id);
  EXPECT_EQ(run->tags.at("strata/partition_range"), "2024-01-03..2024-01-07");
  EXPECT_EQ(s::asset_partition_status(defs, "events", instance->storage()).materialized, 5u);
}

TEST_F(PartitionedRuns, SingleRunBackfillStoresEachPartitionInItsOwnFile) {
  // A range run through the filesystem manager (one file per partition): the asset returns one
  // value per partition, and each is stored, recorded and loadable as a run of that partition would.
  int calls = 0;
  auto counts = s::asset("counts", {.partitions = daily, .backfill_policy = s::BackfillPolicy::single_run()},
                         [&calls](s::AssetContext& ctx) {
                           ++calls;
                           s::PerPartition<int64_t> out;
                           for (const auto& day : ctx.asset_partition_keys()) out[day] = std::stoi(day.substr(8, 2));
                           return out;
                         });
  auto doubled = s::asset("doubled", {.ins = {"counts"}, .partitions = daily}, [](int64_t count) { return count * 2; });
  auto week = s::asset("week", {.ins = {"counts"}}, [](const std::map<std::string, int64_t>& by_day) {
    int64_t sum = 0;
    for (const auto& [_, v] : by_day) sum += v;
    return sum;
  });
  s::Definitions defs({.assets = {counts, doubled, week}});
  auto plan = s::plan_backfill_range(defs, s::AssetSelection::keys({"counts"}), "2024-01-03", "2024-01-07");
  ASSERT_EQ(plan.runs.size(), 1u);
  auto result = s::launch_backfill(defs, plan, {.instance = instance});
  ASSERT_TRUE(result.success()) << result.runs.front().failure_message();
  EXPECT_EQ(calls, 1);
  auto materializations = result.runs.front().materializations();
  ASSERT_EQ(materializations.size(), 5u);
  for (const auto& m : materializations) {  // each partition's own path in its own event
    fs::path path = home / "storage" / "counts" / *m.partition;
    EXPECT_TRUE(fs::exists(path)) << path;
    EXPECT_EQ(m.metadata.at("path").to_display_string(), path.string());
  }
  EXPECT_EQ(s::asset_partition_status(defs, "counts", instance->storage()).materialized, 5u);
  auto one = s::materialize(defs, s::AssetSelection::keys({"doubled"}),
                            {.instance = instance, .partition_keys = {"2024-01-05"}});
  ASSERT_TRUE(one.success()) << one.failure_message();
  EXPECT_EQ(one.asset_value<int64_t>("doubled"), 10);
  s::Definitions week_defs({.assets = {counts, doubled, week}});
  auto all = s::materialize(week_defs, s::AssetSelection::keys({"week"}), {.instance = instance});
  ASSERT_FALSE(all.success());  // the default mapping reads every day of January: most are missing
  EXPECT_NE(all.failure_message().find("26 of 31 upstream partitions are not materialized"), std::string::npos)
      << all.failure_message();
}

TEST_F(PartitionedRuns, PerPartitionValuesMustMatchTheRunsPartitions) {
  auto previous = s::asset("counts", {.partitions = daily},
                           [](s::AssetContext& ctx) { return int64_t{std::stoi(ctx.partition_key().substr(8, 2))}; });
  ASSERT_TRUE(s::materialize(s::Definitions({.assets = {previous}}), s::AssetSelection::all(),
                             {.instance = instance, .partition_keys = {"2024-01-03"}})
                  .success());
  auto short_by_one = s::asset("counts", {.partitions = daily, .backfill_policy = s::BackfillPolicy::single_run()},
                               [](s::AssetContext& ctx) {
                                 s::PerPartition<int64_t> out;
                                 for (const auto& day : ctx.asset_partition_keys()) out[day] = 100;
                                 out.values().erase("2024-01-04");
                                 return out;
                               });
  s::Definitions defs({.assets = {short_by_one}});
  auto result = s::materialize(defs, s::AssetSelection::all(),
                               {.instance = instance, .partition_keys = {"2024-01-03", "2024-01-04", "2024-01-05"}});
  ASSERT_FALSE(result.success());
  EXPECT_NE(result.failure_message().find("no value for partition(s) 2024-01-04"), std::string::npos)
      << result.failure_message();
  // Nothing was stored: the earlier value of 2024-01-03 is what readers load, 2024-01-05 has none.
  EXPECT_FALSE(fs::exists(home / "storage" / "counts" / "2024-01-05"));
  auto reader = s::asset("reader", {.ins = {"counts"}, .partitions = daily}, [](int64_t v) { return v; });
  auto read = s::materialize(s::Definitions({.assets = {previous, reader}}), s::AssetSelection::keys({"reader"}),
                             {.instance = instance, .partition_keys = {"2024-01-03"}});
  ASSERT_TRUE(read.success()) << read.failure_message();
  EXPECT_EQ(read.asset_value<int64_t>("reader"), 3);
}

TEST_F(PartitionedRuns, OneValueForARangeIsRefusedBeforeAnythingRuns) {
  // A single_run policy with a manager that stores one file per partition: refused by Definitions.
  auto whole = s::asset("whole", {.partitions = daily, .backfill_policy = s::BackfillPolicy::single_run()},
                        [] { return int64_t{1}; });
  std::string error = error_of([&] { s::Definitions({.assets = {whole}}); });
  EXPECT_NE(error.find("asset 'whole' is stored by I/O manager 'io_manager', which stores one object per partition"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("PerPartition<long>"), std::string::npos) << error;
  // A range given to a run directly: refused before the step runs.
  int calls = 0;
  auto plain = s::asset("plain", {.partitions = daily}, [&calls] { return ++calls; });
  s::Definitions defs({.assets = {plain}});
  auto range_run = [&] {
    s::materialize(defs, s::AssetSelection::all(),
                   {.instance = instance, .partition_keys = {"2024-01-01", "2024-01-02"}});
  };
  EXPECT_THROW(range_run(), s::PartitionError);
  std::string run_error = error_of(range_run);
  EXPECT_NE(run_error.find("asset 'plain' is stored by I/O manager 'io_manager'"), std::string::npos) << run_error;
  EXPECT_EQ(calls, 0);
  EXPECT_TRUE(instance->storage().runs({}).empty());
  // PerPartition on an unpartitioned asset: refused when the asset is defined.
  std::string unpartitioned = error_of([] { s::asset("flat", [] { return s::PerPartition<int>{}; }); });
  EXPECT_NE(unpartitioned.find("asset 'flat' returns strata::PerPartition<int> but is not partitioned"),
            std::string::npos)
      << unpartitioned;
}

TEST_F(PartitionedRuns, MultiRunBackfillRecordsProgressAndFailures) {
  auto flaky = s::asset("flaky", {.partitions = s::static_partitions({"a", "b", "c", "d", "e"})},
                        [](s::AssetContext& ctx) -> int {
                          if (ctx.partition_key() == "c") throw std::runtime_error("upstream API returned 500");
                          return 1;
                        });
  s::Definitions defs({.assets = {flaky}});
  auto plan = s::plan_backfill(defs, s::AssetSelection::all(), {"a", "b", "c", "d", "e"});
  EXPECT_EQ(plan.runs.size(), 5u);  // the default policy: one partition per run
  auto result = s::launch_backfill(defs, plan, {.instance = instance});
  EXPECT_FALSE(result.success());
  EXPECT_EQ(result.succeeded, 4);
  EXPECT_EQ(result.failed, 1);
  auto record = instance->storage().get_backfill(plan.backfill_id);
  EXPECT_EQ(record->status, "FAILED");
  EXPECT_EQ(record->runs_succeeded, 4);
  EXPECT_EQ(record->runs_failed, 1);
  auto status = s::asset_partition_status(defs, "flaky", instance->storage());
  EXPECT_EQ(status.states[2], s::PartitionState::kFailed);
  EXPECT_EQ(status.materialized, 4u);
  // multi_run(n): runs of at most n partitions (the function then sees a key range).
  auto batched = s::asset("batched",
                          {.partitions = s::static_partitions({"a", "b", "c", "d", "e"}),
                           .backfill_policy = s::BackfillPolicy::multi_run(2)},
                          [](s::AssetContext& ctx) { return static_cast<int>(ctx.asset_partition_keys().size()); });
  s::Definitions batched_defs({.assets = {batched}, .resources = {{"io_manager", s::InMemoryIOManager()}}});
  auto batched_plan = s::plan_backfill(batched_defs, s::AssetSelection::all(), {"a", "b", "c", "d", "e"});
  ASSERT_EQ(batched_plan.runs.size(), 3u);
  EXPECT_EQ(batched_plan.runs[2], (std::vector<std::string>{"e"}));
  auto batched_result = s::launch_backfill(batched_defs, batched_plan, {.instance = instance});
  ASSERT_TRUE(batched_result.success());
  EXPECT_EQ(batched_result.runs[0].asset_value<int>("batched"), 2);
  std::string message = error_of([&] { s::plan_backfill(defs, s::AssetSelection::all(), {"a", "z"}); });
  EXPECT_NE(message.find("asset 'flaky': partition key 'z' is not one of its partitions"), std::string::npos)
      << message;
}

TEST_F(PartitionedRuns, DynamicPartitionsLiveInTheInstance) {
  auto orders = s::asset("orders", {.partitions = s::dynamic_partitions("customers")},
                         [](s::AssetContext& ctx) { return "orders of " + ctx.partition_key(); });
  s::Definitions defs({.assets = {orders}});
  std::string message = error_of(
      [&] { s::materialize(defs, s::AssetSelection::all(), {.instance = instance, .partition_keys = {"acme"}}); });
  EXPECT_NE(message.find("has not been added to dynamic partitions 'customers'"), std::string::npos) << message;
  instance->storage().add_dynamic_partitions("customers", {"acme", "globex"});
  auto result = s::materialize(defs, s::AssetSelection::all(), {.instance = instance, .partition_keys = {"acme"}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<std::string>("orders"), "orders of acme");
  auto status = s::asset_partition_status(defs, "orders", instance->storage());
  EXPECT_EQ(status.keys, (std::vector<std::string>{"acme", "globex"}));
  EXPECT_EQ(status.materialized, 1u);
}

TEST_F(PartitionedRuns, MultiPartitionedUpstreamByDimension) {
  auto days = s::daily_partitions("2024-01-01", {.end = "2024-01-03"});
  auto sales = s::asset(
      "sales", {.partitions = s::multi_partitions({{"date", days}, {"region", s::static_partitions({"us", "eu"})}})},
      [](s::AssetContext& ctx) { return ctx.partition_key().ends_with("us") ? 10 : 5; });
  auto daily_sales =
      s::asset("daily_sales", {.ins = {"sales"}, .partitions = days}, [](const std::map<std::string, int>& by_region) {
        int total = 0;
        for (const auto& [_, v] : by_region) total += v;
        return total;
      });
  s::Definitions defs({.assets = {sales, daily_sales}});
  for (const char* key : {"2024-01-02|us", "2024-01-02|eu"}) {
    ASSERT_TRUE(
        s::materialize(defs, s::AssetSelection::keys({"sales"}), {.instance = instance, .partition_keys = {key}})
            .success());
  }
  EXPECT_TRUE(fs::exists(home / "storage" / "sales" / "2024-01-02|us"));
  auto result = s::materialize(defs, s::AssetSelection::keys({"daily_sales"}),
                               {.instance = instance, .partition_keys = {"2024-01-02"}});
  ASSERT_TRUE(result.success()) << result.failure_message();
  EXPECT_EQ(result.asset_value<int>("daily_sales"), 15);
}

TEST_F(PartitionedRuns, DefinitionTimeChecksForPartitionedInputs) {
  auto up = s::asset("up", {.partitions = daily}, [] { return 1; });
  auto wrong = s::asset("wrong", {.ins = {"up"}}, [](const std::map<std::string, double>&) { return 1; });
  std::string message = error_of([&] { s::Definitions({.assets = {up, wrong}}); });
  EXPECT_NE(message.find("can also be loaded as std::map<std::string, int>"), std::string::npos) << message;
  auto regions =
      s::asset("regions", {.ins = {"up"}, .partitions = s::static_partitions({"us"})}, [](int v) { return v; });
  message = error_of([&] { s::Definitions({.assets = {up, regions}}); });
  EXPECT_NE(message.find("no default partition mapping"), std::string::npos) << message;
  auto mapped = s::asset("mapped",
                         {.ins = {s::AssetIn{.name = "up", .partition_mapping = s::last_partition_mapping()}},
                          .partitions = s::static_partitions({"us"})},
                         [](int v) { return v; });
  EXPECT_NO_THROW(s::Definitions({.assets = {up, mapped}}));
}

}  // namespace

// A canceled backfill starts no further run and is recorded CANCELED (the web UI's cancel button).
TEST(Backfills, CanceledBackfillStartsNoFurtherRun) {
  TempDir home;
  auto instance = s::Instance::open(home.path());
  s::Definitions defs({.assets = {s::asset("p", {.partitions = s::static_partitions({"a", "b", "c"})},
                                           [](s::AssetContext& ctx) { return ctx.partition_key(); })}});
  auto plan = s::plan_backfill(defs, s::AssetSelection::all(), {"a", "b", "c"});
  ASSERT_EQ(plan.runs.size(), 3u);
  s::RunOptions options;
  options.instance = instance;
  options.cancellation = std::make_shared<s::RunCancellation>();
  options.cancellation->cancel("stopped by the user");
  auto result = s::launch_backfill(defs, plan, options);
  EXPECT_TRUE(result.runs.empty());
  auto record = instance->storage().get_backfill(plan.backfill_id);
  ASSERT_TRUE(record.has_value());
  EXPECT_EQ(record->status, "CANCELED");
}
