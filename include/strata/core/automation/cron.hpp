// CronSchedule: a parsed 5-field cron expression (minute hour day-of-month month day-of-week) and
// the times it fires in a time zone. Fields take '*', numbers, ranges a-b, lists a,b, steps */n and
// a-b/n, month names (jan..dec) and day names (sun..sat, 0 and 7 are Sunday); the macros @hourly,
// @daily (@midnight), @weekly, @monthly, @yearly (@annually) stand for their 5-field forms. When both
// day fields are restricted, a day matches either (as in Vixie cron).
//
// Daylight-saving time (the rules Dagster documents): a local time that does not exist (skipped by
// a spring-forward transition) fires at the transition, the next time that exists (02:30 on the
// spring-forward day of Europe/Berlin fires at 03:00 CEST); a local time that exists twice (fall
// back) fires once, at its second occurrence. A schedule whose hour field is '*' (every hour) follows
// real hours instead: it fires at both occurrences of a repeated time and not at all for a skipped
// one, so an hourly schedule fires once every real hour across both transitions.
//
// A CronSchedule is immutable and may be used from several threads. parse() throws DefinitionError
// naming the field at fault; the time functions throw nothing but std::bad_alloc.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace strata {

class CronSchedule {
 public:
  using time_point = std::chrono::system_clock::time_point;

  // Throws DefinitionError: "cron '0 25 * * *': bad hour field '25' (allowed 0-23, ...)".
  static CronSchedule parse(const std::string& text);

  const std::string& text() const { return text_; }

  // The first time strictly after `after` at which the schedule fires, in `zone` (an IANA name,
  // "UTC"...). nullopt when it never fires (Feb 30) or the zone is unknown (see is_valid_time_zone).
  std::optional<time_point> next_after(time_point after, const std::string& zone) const;
  // Every firing time in (after, until], oldest first, at most `limit` of them (the newest ones
  // when there are more: the caller asked for a window and gets its end).
  std::vector<time_point> times_between(time_point after, time_point until, const std::string& zone,
                                        size_t limit) const;

  // Whether the local wall-clock minute (month 1-12, day of week 0 = Sunday) matches.
  bool matches(int month, int day, int day_of_week, int hour, int minute) const;

 private:
  std::string text_;
  std::bitset<60> minutes_;
  std::bitset<24> hours_;
  std::bitset<32> days_;     // 1-31
  std::bitset<13> months_;   // 1-12
  std::bitset<7> weekdays_;  // 0-6, Sunday 0
  bool every_hour_ = false;
  bool days_restricted_ = false;
  bool weekdays_restricted_ = false;
};

// Whether `zone` names a time zone cctz knows ("UTC", "Europe/Berlin", fixed offsets "UTC+01:00"...).
bool is_valid_time_zone(const std::string& zone);

// "2026-03-29 03:00:00 CEST"-style local rendering of `t` in `zone` (UTC when unknown).
std::string format_local_time(std::chrono::system_clock::time_point t, const std::string& zone);

}  // namespace strata
