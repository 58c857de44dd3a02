#include "strata/core/automation/cron.hpp"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>
#include <sstream>

#include "strata/core/util/error.hpp"

namespace strata {
namespace {

struct FieldSpec {
  const char* name;
  int min;
  int max;
  const char* const* names;  // names for min.. (month: jan = 1; weekday: sun = 0), or null
};

constexpr const char* kMonthNames[] = {"jan", "feb", "mar", "apr", "may", "jun",
                                       "jul", "aug", "sep", "oct", "nov", "dec"};
constexpr const char* kDayNames[] = {"sun", "mon", "tue", "wed", "thu", "fri", "sat"};

constexpr std::array<FieldSpec, 5> kFields = {{{"minute", 0, 59, nullptr},
                                               {"hour", 0, 23, nullptr},
                                               {"day-of-month", 1, 31, nullptr},
                                               {"month", 1, 12, kMonthNames},
                                               {"day-of-week", 0, 7, kDayNames}}};

const std::map<std::string, std::string>& macros() {
  static const std::map<std::string, std::string> table = {
      {"@hourly", "0 * * * *"},  {"@daily", "0 0 * * *"},  {"@midnight", "0 0 * * *"}, {"@weekly", "0 0 * * 0"},
      {"@monthly", "0 0 1 * *"}, {"@yearly", "0 0 1 1 *"}, {"@annually", "0 0 1 1 *"}};
  return table;
}

// A number or (where the field has names) a three-letter name; nullopt when neither.
std::optional<int> parse_value(const std::string& text, const FieldSpec& field) {
  if (text.empty() || text.size() > 3) return std::nullopt;
  if (std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::stoi(text);
  if (!field.names) return std::nullopt;
  std::string lower = text;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  int count = field.max - field.min + 1 - (field.max == 7 ? 1 : 0);
  for (int i = 0; i < count; ++i) {
    if (lower == field.names[i]) return field.min + i;
  }
  return std::nullopt;
}

// Sets the values of one comma-separated item (*, N, N-M, each with an optional /step); false when
// it is malformed or out of range.
bool add_item(const std::string& item, const FieldSpec& field, std::vector<int>& values) {
  std::string range = item;
  int step = 1;
  if (size_t slash = item.find('/'); slash != std::string::npos) {
    std::string step_text = item.substr(slash + 1);
    if (step_text.empty() || step_text.size() > 2 ||
        !std::all_of(step_text.begin(), step_text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return false;
    }
    step = std::stoi(step_text);
    if (step == 0) return false;
    range = item.substr(0, slash);
  }
  int low = field.min;
  int high = field.max;
  if (range != "*") {
    size_t dash = range.find('-');
    auto first = parse_value(range.substr(0, dash), field);
    if (!first) return false;
    low = *first;
    high = low;
    if (dash != std::string::npos) {
      auto last = parse_value(range.substr(dash + 1), field);
      if (!last) return false;
      high = *last;
    } else if (item.find('/') != std::string::npos) {
      high = field.max;  // N/step: from N to the end
    }
  }
  if (low < field.min || high > field.max || low > high) return false;
  for (int v = low; v <= high; v += step) values.push_back(v);
  return true;
}

using Civil = cctz::civil_minute;

bool load_zone(const std::string& zone, cctz::time_zone& out) {
  if (zone.empty()) return false;
  return cctz::load_time_zone(zone, &out);
}

}  // namespace

CronSchedule CronSchedule::parse(const std::string& input) {
  std::string text = input;
  auto macro = macros().find(text);
  if (macro != macros().end()) text = macro->second;
  std::istringstream in(text);
  std::vector<std::string> parts;
  for (std::string part; in >> part;) parts.push_back(part);
  if (parts.size() != 5) {
    throw DefinitionError("cron '" + input + "' has " + std::to_string(parts.size()) +
                          " fields; expected 5 (minute hour day-of-month month day-of-week, e.g. '0 * * * *') or "
                          "@hourly, @daily, @weekly, @monthly, @yearly");
  }
  CronSchedule cron;
  cron.text_ = input;
  for (size_t i = 0; i < 5; ++i) {
    const FieldSpec& field = kFields[i];
    std::vector<int> values;
    std::stringstream items(parts[i]);
    bool ok = !parts[i].empty() && parts[i].back() != ',';
    for (std::string item; ok && std::getline(items, item, ',');) ok = add_item(item, field, values);
    if (!ok) {
      throw DefinitionError("cron '" + input + "': bad " + field.name + " field '" + parts[i] + "' (allowed " +
                            std::to_string(field.min) + "-" + std::to_string(field.max) +
                            (field.names ? std::string(" or names such as ") + field.names[0] : std::string()) +
                            ", '*', ranges a-b, lists a,b, steps */n)");
    }
    for (int v : values) {
      switch (i) {
        case 0:
          cron.minutes_.set(static_cast<size_t>(v));
          break;
        case 1:
          cron.hours_.set(static_cast<size_t>(v));
          break;
        case 2:
          cron.days_.set(static_cast<size_t>(v));
          break;
        case 3:
          cron.months_.set(static_cast<size_t>(v));
          break;
        default:
          cron.weekdays_.set(static_cast<size_t>(v % 7));
          break;
      }
    }
  }
  cron.every_hour_ = cron.hours_.all();
  cron.days_restricted_ = parts[2][0] != '*';
  cron.weekdays_restricted_ = parts[4][0] != '*';
  return cron;
}

bool CronSchedule::matches(int month, int day, int day_of_week, int hour, int minute) const {
  if (!months_.test(static_cast<size_t>(month)) || !hours_.test(static_cast<size_t>(hour)) ||
      !minutes_.test(static_cast<size_t>(minute))) {
    return false;
  }
  bool day_ok = days_.test(static_cast<size_t>(day));
  bool weekday_ok = weekdays_.test(static_cast<size_t>(day_of_week));
  if (days_restricted_ && weekdays_restricted_) return day_ok || weekday_ok;
  return day_ok && weekday_ok;
}

namespace {

int weekday_number(const cctz::civil_day& day) {
  switch (cctz::get_weekday(day)) {
    case cctz::weekday::sunday:
      return 0;
    case cctz::weekday::monday:
      return 1;
    case cctz::weekday::tuesday:
      return 2;
    case cctz::weekday::wednesday:
      return 3;
    case cctz::weekday::thursday:
      return 4;
    case cctz::weekday::friday:
      return 5;
    default:
      return 6;
  }
}

}  // namespace

std::optional<CronSchedule::time_point> CronSchedule::next_after(time_point after, const std::string& zone_name) const {
  cctz::time_zone zone;
  if (!load_zone(zone_name, zone)) return std::nullopt;
  auto seconds = std::chrono::time_point_cast<std::chrono::seconds>(after);
  if (seconds > after) seconds -= std::chrono::seconds(1);
  // The second occurrence of a repeated local time lies after `after` even though its wall-clock
  // reading is earlier when clocks go back within the next hours: only then look back.
  Civil civil(cctz::convert(seconds, zone));
  if (zone.lookup(seconds + std::chrono::hours(3)).offset < zone.lookup(seconds).offset) civil -= 3 * 60;
  std::optional<time_point> best;
  Civil scan_until;  // with a best found: how far later wall-clock times may still fire earlier
  const Civil end = civil + 60 * 24 * 366 * 5;  // five years: a schedule that never fires stops here
  while (civil < end) {
    if (best && civil > scan_until) break;
    if (!months_.test(static_cast<size_t>(civil.month()))) {
      civil = Civil(cctz::civil_month(civil) + 1);
      continue;
    }
    cctz::civil_day day(civil);
    bool day_ok = days_.test(static_cast<size_t>(civil.day()));
    bool weekday_ok = weekdays_.test(static_cast<size_t>(weekday_number(day)));
    if (!(days_restricted_ && weekdays_restricted_ ? day_ok || weekday_ok : day_ok && weekday_ok)) {
      civil = Civil(day + 1);
      continue;
    }
    if (!hours_.test(static_cast<size_t>(civil.hour()))) {
      civil = Civil(cctz::civil_hour(civil) + 1);
      continue;
    }
    if (!minutes_.test(static_cast<size_t>(civil.minute()))) {
      civil += 1;
      continue;
    }
    cctz::time_zone::civil_lookup lookup = zone.lookup(cctz::civil_second(civil));
    std::vector<time_point> times;
    if (lookup.kind == cctz::time_zone::civil_lookup::UNIQUE) {
      times.push_back(lookup.pre);
    } else if (lookup.kind == cctz::time_zone::civil_lookup::SKIPPED) {
      if (!every_hour_) times.push_back(lookup.trans);  // an hourly schedule just has one hour less
    } else {
      if (every_hour_) times.push_back(lookup.pre);
      times.push_back(lookup.post);
    }
    for (time_point t : times) {
      if (t > after && (!best || t < *best)) {
        best = t;
        // Only a repeated time can be followed by wall-clock times that come first.
        scan_until = lookup.kind == cctz::time_zone::civil_lookup::REPEATED ? civil + 3 * 60 : civil;
      }
    }
    civil += 1;
  }
  return best;
}

std::vector<CronSchedule::time_point> CronSchedule::times_between(time_point after, time_point until,
                                                                  const std::string& zone, size_t limit) const {
  std::vector<time_point> out;
  if (limit == 0) return out;
  for (auto next = next_after(after, zone); next && *next <= until; next = next_after(*next, zone)) {
    out.push_back(*next);
    if (out.size() > limit) out.erase(out.begin());
  }
  return out;
}

bool is_valid_time_zone(const std::string& zone) {
  cctz::time_zone tz;
  return load_zone(zone, tz);
}

std::string format_local_time(std::chrono::system_clock::time_point t, const std::string& zone_name) {
  cctz::time_zone zone = cctz::utc_time_zone();
  load_zone(zone_name, zone);
  return cctz::format("%Y-%m-%d %H:%M:%S %Z", std::chrono::time_point_cast<std::chrono::seconds>(t), zone);
}

}  // namespace strata
