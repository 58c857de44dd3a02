// Partition definitions (static, time windows with DST, dynamic, multi) and partition mappings.
#include <gtest/gtest.h>

#include <chrono>
#include <strata/strata.hpp>

#include "expect_error.hpp"

namespace s = strata;
using std::chrono::hours;

namespace {

using strata::testing::error_of;

std::chrono::seconds length(const s::PartitionsDefinition& def, const std::string& key) {
  auto window = def.time_window(key);
  EXPECT_TRUE(window.has_value()) << key;
  return window ? window->end - window->start : std::chrono::seconds(0);
}

// A tiny in-memory store for dynamic partitions.
struct MemoryStore : s::DynamicPartitionsStore {
  std::map<std::string, std::vector<std::string>> keys;
  std::vector<std::string> dynamic_partitions(const std::string& name) override { return keys[name]; }
  void add_dynamic_partitions(const std::string& name, const std::vector<std::string>& add) override {
    for (const auto& k : add) {
      if (std::find(keys[name].begin(), keys[name].end(), k) == keys[name].end()) keys[name].push_back(k);
    }
  }
  void delete_dynamic_partition(const std::string& name, const std::string& key) override {
    std::erase(keys[name], key);
  }
};

TEST(Partitions, StaticKeysAndValidation) {
  auto regions = s::static_partitions({"us", "eu", "apac"});
  EXPECT_EQ(regions->keys(), (std::vector<std::string>{"us", "eu", "apac"}));
  std::string message = error_of([&] { regions->validate_key("mars", "sales", nullptr); });
  EXPECT_NE(
      message.find("asset 'sales': partition key 'mars' is not one of its partitions; expected one of: us, eu, apac"),
      std::string::npos)
      << message;
  EXPECT_THROW(s::static_partitions({"a", "a"}), s::DefinitionError);
  EXPECT_EQ(regions->key_range("eu", "apac", "sales", nullptr), (std::vector<std::string>{"eu", "apac"}));
}

TEST(Partitions, DailyWithEndAndCustomFormat) {
  auto daily = s::daily_partitions("2024-01-30", {.end = "2024-02-02"});
  EXPECT_EQ(daily->keys(), (std::vector<std::string>{"2024-01-30", "2024-01-31", "2024-02-01"}));
  EXPECT_EQ(length(*daily, "2024-01-31"), hours(24));
  auto compact = s::daily_partitions("20240101", {.end = "20240103", .format = "%Y%m%d"});
  EXPECT_EQ(compact->keys(), (std::vector<std::string>{"20240101", "20240102"}));
  std::string message = error_of([&] { daily->validate_key("2024-13-01", "events", nullptr); });
  EXPECT_NE(
      message.find("asset 'events': partition key '2024-13-01' is not a daily partition key; expected YYYY-MM-DD, "
                   "e.g. 2024-01-30 (from 2024-01-30 to 2024-02-01)"),
      std::string::npos)
      << message;
  EXPECT_NE(error_of([&] { daily->validate_key("2024-02-05", "events", nullptr); }).find("outside"), std::string::npos);
  EXPECT_NE(error_of([&] { daily->validate_key("2024-1-31", "events", nullptr); }).find("expected YYYY-MM-DD"),
            std::string::npos);
}

TEST(Partitions, OpenEndedWindowsStopAtTheLastCompleteWindow) {
  auto daily = s::daily_partitions("2024-01-01");
  auto with_current = s::daily_partitions("2024-01-01", {.end_offset = 1});
  auto today = [] { return std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now()); };
  // The keys are read again when the day changed while they were read (a run across midnight UTC).
  std::chrono::sys_days now;
  std::string last_complete, current;
  do {
    now = today();
    last_complete = daily->keys().back();
    current = with_current->keys().back();
  } while (today() != now);
  auto format = [](std::chrono::sys_days day) {
    std::chrono::year_month_day ymd(day);
    char text[16];
    std::snprintf(text, sizeof text, "%04d-%02u-%02u", static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()));
    return std::string(text);
  };
  EXPECT_EQ(last_complete, format(now - std::chrono::days(1)));  // today is still in progress
  EXPECT_EQ(current, format(now));
}

TEST(Partitions, HourlyAcrossDaylightSavingTime) {
  auto hourly = s::hourly_partitions("2024-03-09-00:00", {.end = "2024-11-04-00:00", .timezone = "America/New_York"});
  auto keys = hourly->key_range("2024-03-10-00:00", "2024-03-10-23:00", "events", nullptr);
  EXPECT_EQ(keys.size(), 23u);  // 02:00 does not exist on the day clocks spring forward
  EXPECT_EQ(std::count(keys.begin(), keys.end(), "2024-03-10-02:00"), 0);
  EXPECT_EQ(length(*hourly, "2024-03-10-01:00"), hours(1));
  EXPECT_NE(error_of([&] { hourly->validate_key("2024-03-10-02:00", "events", nullptr); }).find("does not exist"),
            std::string::npos);
  auto fall = hourly->key_range("2024-11-03-00:00", "2024-11-03-23:00", "events", nullptr);
  EXPECT_EQ(fall.size(), 24u);
  EXPECT_EQ(length(*hourly, "2024-11-03-01:00"), hours(2));  // the repeated hour is one two-hour partition
  // Windows are contiguous in absolute time across the switch.
  for (size_t i = 1; i < fall.size(); ++i) {
    EXPECT_EQ(hourly->time_window(fall[i - 1])->end, hourly->time_window(fall[i])->start) << fall[i];
  }
}

TEST(Partitions, DailyAcrossDaylightSavingTimeAndTimeZones) {
  auto daily = s::daily_partitions("2024-03-01", {.end = "2024-12-01", .timezone = "America/New_York"});
  EXPECT_EQ(length(*daily, "2024-03-09"), hours(24));
  EXPECT_EQ(length(*daily, "2024-03-10"), hours(23));
  EXPECT_EQ(length(*daily, "2024-11-03"), hours(25));
  // Local midnight in New York is 05:00 UTC in winter.
  auto window = daily->time_window("2024-03-05");
  EXPECT_EQ(window->start.time_since_epoch(),
            std::chrono::sys_days{std::chrono::year{2024} / 3 / 5}.time_since_epoch() + hours(5));
  EXPECT_THROW(s::daily_partitions("2024-01-01", {.timezone = "Mars/Olympus_Mons"}), s::DefinitionError);
}

TEST(Partitions, WeeklyAndMonthly) {
  auto weekly = s::weekly_partitions("2024-01-01", {.end = "2024-02-01"});  // a Monday: rounds up to Sunday
  EXPECT_EQ(weekly->keys(), (std::vector<std::string>{"2024-01-07", "2024-01-14", "2024-01-21"}));
  EXPECT_EQ(length(*weekly, "2024-01-07"), hours(24 * 7));
  EXPECT_NE(error_of([&] { weekly->validate_key("2024-01-08", "w", nullptr); }).find("does not start a weekly window"),
            std::string::npos);
  auto monthly = s::monthly_partitions("2024-01-01", {.end = "2024-04-01"});
  EXPECT_EQ(monthly->keys(), (std::vector<std::string>{"2024-01-01", "2024-02-01", "2024-03-01"}));
  EXPECT_EQ(length(*monthly, "2024-02-01"), hours(24 * 29));
}

TEST(Partitions, DynamicKeysComeFromTheStore) {
  MemoryStore store;
  auto customers = s::dynamic_partitions("customers");
  EXPECT_TRUE(customers->keys(&store).empty());
  EXPECT_THROW(customers->keys(nullptr), s::PartitionError);
  store.add_dynamic_partitions("customers", {"acme", "globex"});
  EXPECT_EQ(customers->keys(&store), (std::vector<std::string>{"acme", "globex"}));
  std::string message = error_of([&] { customers->validate_key("initech", "orders", &store); });
  EXPECT_NE(message.find("has not been added to dynamic partitions 'customers'; expected one of: acme, globex"),
            std::string::npos)
      << message;
  store.delete_dynamic_partition("customers", "acme");
  EXPECT_EQ(customers->keys(&store), (std::vector<std::string>{"globex"}));
}

TEST(Partitions, MultiPartitionsCombineTwoDimensions) {
  auto daily = s::daily_partitions("2024-01-01", {.end = "2024-01-03"});
  auto regions = s::static_partitions({"us", "eu"});
  auto multi = s::multi_partitions({{"date", daily}, {"region", regions}});
  EXPECT_EQ(multi->keys(),
            (std::vector<std::string>{"2024-01-01|us", "2024-01-01|eu", "2024-01-02|us", "2024-01-02|eu"}));
  EXPECT_NO_THROW(multi->validate_key("2024-01-02|eu", "sales", nullptr));
  std::string message = error_of([&] { multi->validate_key("2024-01-02|mars", "sales", nullptr); });
  EXPECT_NE(message.find("dimension 'region'"), std::string::npos) << message;
  EXPECT_NE(error_of([&] { multi->validate_key("2024-01-02", "sales", nullptr); }).find("<date>|<region>"),
            std::string::npos);
}

TEST(PartitionMappings, TimeWindowsCoverFinerAndCoarserParents) {
  auto hourly = s::hourly_partitions("2024-01-01-00:00", {.end = "2024-12-01-00:00", .timezone = "America/New_York"});
  auto daily = s::daily_partitions("2024-01-01", {.end = "2024-12-01", .timezone = "America/New_York"});
  auto weekly = s::weekly_partitions("2024-01-07", {.end = "2024-12-01", .timezone = "America/New_York"});
  auto mapping = s::default_partition_mapping(daily.get(), *hourly, "test");
  auto hours_of_day = mapping->upstream_keys({"2024-01-05"}, daily.get(), *hourly, nullptr);
  ASSERT_EQ(hours_of_day.size(), 24u);
  EXPECT_EQ(hours_of_day.front(), "2024-01-05-00:00");
  EXPECT_EQ(hours_of_day.back(), "2024-01-05-23:00");
  EXPECT_EQ(mapping->upstream_keys({"2024-03-10"}, daily.get(), *hourly, nullptr).size(), 23u);  // DST day
  auto days_of_week = s::time_window_mapping()->upstream_keys({"2024-01-07"}, weekly.get(), *daily, nullptr);
  EXPECT_EQ(days_of_week.size(), 7u);
  EXPECT_EQ(days_of_week.front(), "2024-01-07");
  auto week_of_day = s::time_window_mapping()->upstream_keys({"2024-01-10"}, daily.get(), *weekly, nullptr);
  EXPECT_EQ(week_of_day, (std::vector<std::string>{"2024-01-07"}));
  auto previous_day = s::time_window_mapping(-1, -1)->upstream_keys({"2024-01-10"}, daily.get(), *daily, nullptr);
  EXPECT_EQ(previous_day, (std::vector<std::string>{"2024-01-09"}));
}

TEST(PartitionMappings, IdentityAllLastStaticAndDimensions) {
  auto daily = s::daily_partitions("2024-01-01", {.end = "2024-01-04"});
  auto regions = s::static_partitions({"us", "eu"});
  auto continents = s::static_partitions({"na", "europe"});
  auto multi = s::multi_partitions({{"date", daily}, {"region", regions}});
  EXPECT_EQ(s::identity_mapping()->upstream_keys({"2024-01-02"}, daily.get(), *daily, nullptr),
            (std::vector<std::string>{"2024-01-02"}));
  EXPECT_EQ(s::all_partitions_mapping()->upstream_keys({}, nullptr, *daily, nullptr).size(), 3u);
  EXPECT_EQ(s::last_partition_mapping()->upstream_keys({"us"}, regions.get(), *daily, nullptr),
            (std::vector<std::string>{"2024-01-03"}));
  auto by_continent = s::static_mapping({{"us", {"na"}}, {"eu", {"europe"}}});
  EXPECT_EQ(by_continent->upstream_keys({"europe"}, continents.get(), *regions, nullptr),
            (std::vector<std::string>{"eu"}));
  EXPECT_THROW(by_continent->upstream_keys({"asia"}, continents.get(), *regions, nullptr), s::PartitionError);
  // Daily downstream of date × region upstream: every region of the day (the default, by dimension).
  auto day_of_multi = s::default_partition_mapping(daily.get(), *multi, "test");
  EXPECT_EQ(day_of_multi->upstream_keys({"2024-01-02"}, daily.get(), *multi, nullptr),
            (std::vector<std::string>{"2024-01-02|us", "2024-01-02|eu"}));
  // Multi downstream of a daily upstream: the day of the key.
  auto multi_of_day = s::default_partition_mapping(multi.get(), *daily, "test");
  EXPECT_EQ(multi_of_day->upstream_keys({"2024-01-03|eu"}, multi.get(), *daily, nullptr),
            (std::vector<std::string>{"2024-01-03"}));
  EXPECT_THROW(s::default_partition_mapping(daily.get(), *regions, "asset 'x' input 'y'"), s::DefinitionError);
}

}  // namespace
