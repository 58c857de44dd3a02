// CronSchedule: parsing (every field's error names it) and firing times, with daylight-saving time
// in Europe/Berlin (spring forward 2026-03-29 02:00 CET -> 03:00 CEST, fall back 2026-10-25 03:00
// CEST -> 02:00 CET).
#include "strata/core/automation/cron.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "expect_error.hpp"

namespace strata {
namespace {

using namespace std::chrono;
using testing::error_of;

#define EXPECT_THAT_ERROR(f, text) EXPECT_NE(error_of(f).find(text), std::string::npos) << error_of(f)
using Time = system_clock::time_point;

Time utc(int y, unsigned m, unsigned d, int h, int min) {
  return sys_days(year(y) / month(m) / day(d)) + hours(h) + minutes(min);
}

std::vector<std::string> local_times(const CronSchedule& cron, Time from, int count, const std::string& zone) {
  std::vector<std::string> out;
  Time t = from;
  for (int i = 0; i < count; ++i) {
    auto next = cron.next_after(t, zone);
    if (!next) break;
    out.push_back(format_local_time(*next, zone));
    t = *next;
  }
  return out;
}

TEST(Cron, ErrorsNameTheField) {
  EXPECT_THAT_ERROR([&] { CronSchedule::parse("61 * * * *"); }, "bad minute field '61'");
  EXPECT_THAT_ERROR([&] { CronSchedule::parse("0 24 * * *"); }, "bad hour field '24'");
  EXPECT_THAT_ERROR([&] { CronSchedule::parse("0 0 0 * *"); }, "bad day-of-month field '0'");
  EXPECT_THAT_ERROR([&] { CronSchedule::parse("0 0 * 13 *"); }, "bad month field '13'");
  EXPECT_THAT_ERROR([&] { CronSchedule::parse("0 0 * * fun"); }, "bad day-of-week field 'fun'");
  EXPECT_THAT_ERROR([&] { CronSchedule::parse("*/0 * * * *"); }, "bad minute field");
  EXPECT_THAT_ERROR([&] { CronSchedule::parse("5-1 * * * *"); }, "bad minute field '5-1'");
  EXPECT_THAT_ERROR([&] { CronSchedule::parse("1, * * * *"); }, "bad minute field '1,'");
  EXPECT_THAT_ERROR([&] { CronSchedule::parse("0 * * *"); }, "has 4 fields; expected 5");
  EXPECT_THAT_ERROR([&] { CronSchedule::parse("@sometimes"); }, "has 1 fields");
}

TEST(Cron, RangesStepsListsNamesAndMacros) {
  Time from = utc(2026, 1, 1, 0, 0);  // a Thursday
  EXPECT_EQ(local_times(CronSchedule::parse("*/20 1 * * *"), from, 4, "UTC"),
            (std::vector<std::string>{"2026-01-01 01:00:00 UTC", "2026-01-01 01:20:00 UTC", "2026-01-01 01:40:00 UTC",
                                      "2026-01-02 01:00:00 UTC"}));
  EXPECT_EQ(local_times(CronSchedule::parse("15 9-17/4 * * mon-fri"), from, 4, "UTC"),
            (std::vector<std::string>{"2026-01-01 09:15:00 UTC", "2026-01-01 13:15:00 UTC", "2026-01-01 17:15:00 UTC",
                                      "2026-01-02 09:15:00 UTC"}));
  EXPECT_EQ(
      local_times(CronSchedule::parse("0 0 1,15 feb,MAR *"), from, 3, "UTC"),
      (std::vector<std::string>{"2026-02-01 00:00:00 UTC", "2026-02-15 00:00:00 UTC", "2026-03-01 00:00:00 UTC"}));
  EXPECT_EQ(local_times(CronSchedule::parse("@weekly"), from, 2, "UTC"),
            (std::vector<std::string>{"2026-01-04 00:00:00 UTC", "2026-01-11 00:00:00 UTC"}));
  EXPECT_EQ(local_times(CronSchedule::parse("@hourly"), from, 1, "UTC"),
            (std::vector<std::string>{"2026-01-01 01:00:00 UTC"}));
  EXPECT_EQ(local_times(CronSchedule::parse("@monthly"), from, 1, "UTC"),
            (std::vector<std::string>{"2026-02-01 00:00:00 UTC"}));
  EXPECT_EQ(local_times(CronSchedule::parse("@yearly"), from, 1, "UTC"),
            (std::vector<std::string>{"2027-01-01 00:00:00 UTC"}));
  // Sunday as 0 and as 7; both day fields restricted: either matches.
  EXPECT_EQ(local_times(CronSchedule::parse("0 0 * * 7"), from, 1, "UTC"),
            local_times(CronSchedule::parse("0 0 * * 0"), from, 1, "UTC"));
  EXPECT_EQ(
      local_times(CronSchedule::parse("0 0 13 * fri"), from, 3, "UTC"),
      (std::vector<std::string>{"2026-01-02 00:00:00 UTC", "2026-01-09 00:00:00 UTC", "2026-01-13 00:00:00 UTC"}));
  // Never fires: no 30th of February.
  EXPECT_FALSE(CronSchedule::parse("0 0 30 2 *").next_after(from, "UTC"));
  // Strictly after: a time on a tick gives the next one.
  EXPECT_EQ(CronSchedule::parse("0 * * * *").next_after(utc(2026, 1, 1, 5, 0), "UTC"), utc(2026, 1, 1, 6, 0));
}

TEST(Cron, DailyAt0230InBerlinAcrossBothTransitions) {
  CronSchedule cron = CronSchedule::parse("30 2 * * *");
  // Spring forward: 02:30 does not exist on 2026-03-29; the tick fires once, at 03:00 CEST.
  EXPECT_EQ(
      local_times(cron, utc(2026, 3, 27, 12, 0), 3, "Europe/Berlin"),
      (std::vector<std::string>{"2026-03-28 02:30:00 CET", "2026-03-29 03:00:00 CEST", "2026-03-30 02:30:00 CEST"}));
  EXPECT_EQ(cron.next_after(utc(2026, 3, 28, 12, 0), "Europe/Berlin"), utc(2026, 3, 29, 1, 0));
  // Fall back: 02:30 happens twice on 2026-10-25; the tick fires once, at the second (CET).
  EXPECT_EQ(
      local_times(cron, utc(2026, 10, 23, 12, 0), 3, "Europe/Berlin"),
      (std::vector<std::string>{"2026-10-24 02:30:00 CEST", "2026-10-25 02:30:00 CET", "2026-10-26 02:30:00 CET"}));
  // Evaluated from inside the first 02:30 hour, still the second occurrence, and only it.
  Time first_0240 = utc(2026, 10, 25, 0, 40);  // 02:40 CEST
  EXPECT_EQ(cron.next_after(first_0240, "Europe/Berlin"), utc(2026, 10, 25, 1, 30));
  EXPECT_EQ(cron.next_after(utc(2026, 10, 25, 1, 30), "Europe/Berlin"), utc(2026, 10, 26, 1, 30));
  EXPECT_EQ(cron.times_between(utc(2026, 10, 24, 12, 0), utc(2026, 10, 26, 12, 0), "Europe/Berlin", 10).size(), 2u);
  EXPECT_EQ(cron.times_between(utc(2026, 3, 28, 12, 0), utc(2026, 3, 30, 12, 0), "Europe/Berlin", 10).size(), 2u);
}

TEST(Cron, HourlyFiresEveryHourOfA25HourDay) {
  CronSchedule cron = CronSchedule::parse("30 * * * *");
  auto fall = cron.times_between(utc(2026, 10, 24, 22, 0), utc(2026, 10, 25, 22, 0), "Europe/Berlin", 100);
  EXPECT_EQ(fall.size(), 24u);  // 25 local hours, 24 real ones in the span: every real hour
  for (size_t i = 1; i < fall.size(); ++i) EXPECT_EQ(fall[i] - fall[i - 1], hours(1));
  auto spring = cron.times_between(utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 23, 0), "Europe/Berlin", 100);
  EXPECT_EQ(spring.size(), 24u);
  for (size_t i = 1; i < spring.size(); ++i) EXPECT_EQ(spring[i] - spring[i - 1], hours(1));
  // Every 15 minutes through the repeated hour: every real quarter hour, in order.
  auto quarters = CronSchedule::parse("*/15 * * * *")
                      .times_between(utc(2026, 10, 24, 23, 50), utc(2026, 10, 25, 2, 0), "Europe/Berlin", 100);
  EXPECT_EQ(quarters.size(), 9u);
  for (size_t i = 1; i < quarters.size(); ++i) EXPECT_EQ(quarters[i] - quarters[i - 1], minutes(15));
}

TEST(Cron, TimesBetweenKeepsTheNewestWhenLimited) {
  auto times = CronSchedule::parse("0 * * * *").times_between(utc(2026, 1, 1, 0, 0), utc(2026, 1, 1, 10, 0), "UTC", 3);
  EXPECT_EQ(times, (std::vector<Time>{utc(2026, 1, 1, 8, 0), utc(2026, 1, 1, 9, 0), utc(2026, 1, 1, 10, 0)}));
}

TEST(Cron, TimeZones) {
  EXPECT_TRUE(is_valid_time_zone("Europe/Berlin"));
  EXPECT_TRUE(is_valid_time_zone("UTC"));
  EXPECT_FALSE(is_valid_time_zone("Mars/Olympus_Mons"));
  EXPECT_FALSE(is_valid_time_zone(""));
  EXPECT_FALSE(CronSchedule::parse("0 * * * *").next_after(utc(2026, 1, 1, 0, 0), "Mars/Olympus_Mons"));
}

}  // namespace
}  // namespace strata
