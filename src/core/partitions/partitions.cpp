#include "strata/core/partitions/partitions.hpp"

#include <cctz/civil_time.h>
#include <cctz/time_zone.h>

#include <algorithm>
#include <chrono>
#include <unordered_set>

#include "strata/core/resources/storage_location.hpp"
#include "strata/core/util/error.hpp"

namespace strata {
namespace {

std::string join(const std::vector<std::string>& items, size_t limit) {
  std::string out;
  for (size_t i = 0; i < items.size() && i < limit; ++i) out += (i ? ", " : "") + items[i];
  if (items.size() > limit) out += ", ... (" + std::to_string(items.size()) + " in all)";
  return out;
}

[[noreturn]] void bad_key(const std::string& owner, const std::string& key, const std::string& what,
                          const std::string& hint) {
  throw PartitionError("asset '" + owner + "': partition key '" + key + "' " + what + "; expected " + hint);
}

std::vector<std::string> slice(const std::vector<std::string>& keys, const std::string& first, const std::string& last,
                               const std::string& owner) {
  auto a = std::find(keys.begin(), keys.end(), first);
  auto b = std::find(keys.begin(), keys.end(), last);
  if (b < a) {
    throw PartitionError("asset '" + owner + "': partition range " + first + ".." + last + " ends before it starts");
  }
  return {a, b + 1};
}

// --- static ----------------------------------------------------------------------------------

class StaticPartitions : public PartitionsDefinition {
 public:
  explicit StaticPartitions(std::vector<std::string> keys) : keys_(std::move(keys)) {
    std::unordered_set<std::string> seen;
    for (const auto& key : keys_) {
      if (std::string problem = storage_component_problem(key); !problem.empty()) {
        throw DefinitionError("static partitions: key '" + printable(key) + "' " + problem +
                              "; partition keys name files and directories");
      }
      if (!seen.insert(key).second) throw DefinitionError("static partitions: key '" + key + "' is listed twice");
    }
    index_ = std::move(seen);
  }
  Kind kind() const override { return Kind::kStatic; }
  std::vector<std::string> keys(DynamicPartitionsStore*) const override { return keys_; }
  void validate_key(const std::string& key, const std::string& owner, DynamicPartitionsStore* store) const override {
    if (!index_.count(key)) bad_key(owner, key, "is not one of its partitions", format_hint(store));
  }
  std::string format_hint(DynamicPartitionsStore*) const override { return "one of: " + join(keys_, 10); }
  std::string describe() const override { return "static partitions [" + join(keys_, keys_.size()) + "]"; }

 private:
  std::vector<std::string> keys_;
  std::unordered_set<std::string> index_;
};

// --- dynamic ---------------------------------------------------------------------------------

class DynamicPartitions : public PartitionsDefinition {
 public:
  explicit DynamicPartitions(std::string name) : name_(std::move(name)) {
    if (name_.empty()) throw DefinitionError("dynamic partitions need a name");
  }
  Kind kind() const override { return Kind::kDynamic; }
  std::vector<std::string> keys(DynamicPartitionsStore* store) const override {
    if (store == nullptr) {
      throw PartitionError("dynamic partitions '" + name_ + "' are kept in the instance; run with an instance");
    }
    return store->dynamic_partitions(name_);
  }
  void validate_key(const std::string& key, const std::string& owner, DynamicPartitionsStore* store) const override {
    auto all = keys(store);
    if (std::find(all.begin(), all.end(), key) == all.end()) {
      bad_key(owner, key, "has not been added to dynamic partitions '" + name_ + "'", format_hint(store));
    }
  }
  std::string format_hint(DynamicPartitionsStore* store) const override {
    if (store == nullptr) return "a key added to dynamic partitions '" + name_ + "'";
    auto all = store->dynamic_partitions(name_);
    return all.empty() ? "a key added to dynamic partitions '" + name_ + "' (none added yet)"
                       : "one of: " + join(all, 10);
  }
  std::string describe() const override { return "dynamic partitions '" + name_ + "'"; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
};

// --- time windows ----------------------------------------------------------------------------

using Civil = cctz::civil_second;

const char* default_format(TimeGranularity granularity) {
  return granularity == TimeGranularity::kHourly ? "%Y-%m-%d-%H:%M" : "%Y-%m-%d";
}

const char* granularity_name(TimeGranularity granularity) {
  switch (granularity) {
    case TimeGranularity::kHourly:
      return "hourly";
    case TimeGranularity::kDaily:
      return "daily";
    case TimeGranularity::kWeekly:
      return "weekly";
    case TimeGranularity::kMonthly:
      return "monthly";
  }
  return "time";
}

// Formats and parses keys with a strftime subset: %Y %m %d %H %M and literal characters.
class KeyFormat {
 public:
  explicit KeyFormat(std::string pattern) : pattern_(std::move(pattern)) {
    for (size_t i = 0; i < pattern_.size(); ++i) {
      if (pattern_[i] != '%') continue;
      char c = i + 1 < pattern_.size() ? pattern_[i + 1] : '\0';
      if (c != 'Y' && c != 'm' && c != 'd' && c != 'H' && c != 'M' && c != '%') {
        throw DefinitionError("time partitions: key format '" + pattern_ + "' uses %" + std::string(1, c) +
                              "; supported: %Y %m %d %H %M %%");
      }
      ++i;
    }
  }
  std::string format(const Civil& c) const {
    std::string out;
    out.reserve(pattern_.size() + 8);
    for (size_t i = 0; i < pattern_.size(); ++i) {
      if (pattern_[i] != '%') {
        out += pattern_[i];
        continue;
      }
      switch (pattern_[++i]) {
        case 'Y':
          append(out, c.year(), 4);
          break;
        case 'm':
          append(out, c.month(), 2);
          break;
        case 'd':
          append(out, c.day(), 2);
          break;
        case 'H':
          append(out, c.hour(), 2);
          break;
        case 'M':
          append(out, c.minute(), 2);
          break;
        default:
          out += '%';
      }
    }
    return out;
  }
  std::optional<Civil> parse(const std::string& text) const {
    int fields[5] = {1970, 1, 1, 0, 0};
    size_t pos = 0;
    for (size_t i = 0; i < pattern_.size(); ++i) {
      if (pattern_[i] != '%' || pattern_[i + 1] == '%') {
        if (pos >= text.size() || text[pos] != pattern_[i]) return std::nullopt;
        ++pos;
        if (pattern_[i] == '%') ++i;
        continue;
      }
      char spec = pattern_[++i];
      size_t width = spec == 'Y' ? 4 : 2;
      if (pos + width > text.size()) return std::nullopt;
      int value = 0;
      for (size_t k = 0; k < width; ++k) {
        char d = text[pos + k];
        if (d < '0' || d > '9') return std::nullopt;
        value = value * 10 + (d - '0');
      }
      pos += width;
      int slot = spec == 'Y' ? 0 : spec == 'm' ? 1 : spec == 'd' ? 2 : spec == 'H' ? 3 : 4;
      fields[slot] = value;
    }
    if (pos != text.size()) return std::nullopt;
    Civil c(fields[0], fields[1], fields[2], fields[3], fields[4], 0);
    // cctz normalizes out-of-range fields (month 13 → next year); a real date must round-trip.
    if (c.year() != fields[0] || c.month() != fields[1] || c.day() != fields[2] || c.hour() != fields[3] ||
        c.minute() != fields[4]) {
      return std::nullopt;
    }
    return c;
  }
  // "YYYY-MM-DD" for "%Y-%m-%d".
  std::string hint() const {
    std::string out;
    for (size_t i = 0; i < pattern_.size(); ++i) {
      if (pattern_[i] != '%') {
        out += pattern_[i];
        continue;
      }
      char spec = pattern_[++i];
      out += spec == 'Y'   ? "YYYY"
             : spec == 'm' ? "MM"
             : spec == 'd' ? "DD"
             : spec == 'H' ? "HH"
             : spec == 'M' ? "MM"
                           : "%";
    }
    return out;
  }
  const std::string& pattern() const { return pattern_; }

 private:
  static void append(std::string& out, int value, int width) {
    char digits[8];
    for (int k = width - 1; k >= 0; --k) {
      digits[k] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    out.append(digits, static_cast<size_t>(width));
  }
  std::string pattern_;
};

class TimeWindowPartitions : public PartitionsDefinition {
 public:
  TimeWindowPartitions(TimeGranularity granularity, const std::string& start, TimeWindowOptions options)
      : granularity_(granularity),
        options_(std::move(options)),
        format_(options_.format.empty() ? default_format(granularity) : options_.format) {
    if (!cctz::load_time_zone(options_.timezone, &zone_)) {
      throw DefinitionError(std::string(granularity_name(granularity)) + " partitions: unknown time zone '" +
                            options_.timezone + "' (use an IANA name such as UTC or Europe/Berlin)");
    }
    auto parsed = format_.parse(start);
    if (!parsed) {
      throw DefinitionError(std::string(granularity_name(granularity)) + " partitions: start '" + start +
                            "' does not match the key format " + format_.hint());
    }
    start_ = align_up(*parsed);
    if (!options_.end.empty()) {
      auto end = format_.parse(options_.end);
      if (!end) {
        throw DefinitionError(std::string(granularity_name(granularity)) + " partitions: end '" + options_.end +
                              "' does not match the key format " + format_.hint());
      }
      end_ = *end;
    }
    start_text_ = start;
  }

  Kind kind() const override { return Kind::kTimeWindow; }

  std::vector<std::string> keys(DynamicPartitionsStore*) const override {
    std::vector<std::string> out;
    Civil end = end_boundary();
    // Complete windows only. Each boundary's instant is looked up once and carried to the next step.
    auto begin = instant(start_);
    for (Civil c = start_, n = next(c); n <= end; c = n, n = next(n)) {
      auto finish = instant(n);
      if (begin < finish) out.push_back(format_.format(c));
      begin = finish;
    }
    return out;
  }

  void validate_key(const std::string& key, const std::string& owner, DynamicPartitionsStore* store) const override {
    auto c = format_.parse(key);
    if (!c)
      bad_key(owner, key, std::string("is not a ") + granularity_name(granularity_) + " partition key",
              format_hint(store));
    if (align_up(*c) != *c) {
      bad_key(owner, key, std::string("does not start a ") + granularity_name(granularity_) + " window",
              format_hint(store));
    }
    if (*c < start_ || next(*c) > end_boundary())
      bad_key(owner, key, "is outside the partitions' range", format_hint(store));
    if (!exists(*c))
      bad_key(owner, key, "names a local time that does not exist in " + options_.timezone, format_hint(store));
  }

  std::vector<std::string> key_range(const std::string& first, const std::string& last, const std::string& owner,
                                     DynamicPartitionsStore* store) const override {
    validate_key(first, owner, store);
    validate_key(last, owner, store);
    Civil a = *format_.parse(first);
    Civil b = *format_.parse(last);
    if (b < a)
      throw PartitionError("asset '" + owner + "': partition range " + first + ".." + last + " ends before it starts");
    std::vector<std::string> out;
    for (Civil c = a; c <= b; c = next(c)) {
      if (exists(c)) out.push_back(format_.format(c));
    }
    return out;
  }

  std::optional<TimeWindow> time_window(const std::string& key) const override {
    auto c = format_.parse(key);
    if (!c) return std::nullopt;
    return TimeWindow{instant(*c), instant(next(*c))};
  }

  std::string format_hint(DynamicPartitionsStore*) const override {
    std::string range = "from " + format_.format(start_);
    Civil end = end_boundary();
    if (next(start_) <= end) {
      Civil last = start_;
      for (Civil c = start_; next(c) <= end; c = next(c)) last = c;
      range += " to " + format_.format(last);
    }
    return format_.hint() + ", e.g. " + format_.format(start_) + " (" + range + ")";
  }

  std::string describe() const override {
    return std::string(granularity_name(granularity_)) + " partitions from " + start_text_ +
           (options_.end.empty() ? "" : " to " + options_.end) + " in " + options_.timezone + " (" + format_.pattern() +
           ", end offset " + std::to_string(options_.end_offset) + ")";
  }

  std::vector<std::string> overlapping(const TimeWindow& window) const {
    std::vector<std::string> out;
    // Start one window before the one holding window.start, to be safe around DST shifts.
    Civil c = previous(align_down(cctz::convert(window.start, zone_)));
    if (c < start_) c = start_;
    Civil end = end_boundary();
    for (; next(c) <= end; c = next(c)) {
      auto begin = instant(c);
      if (begin >= window.end) break;
      if (!exists(c)) continue;
      if (instant(next(c)) > window.start) out.push_back(format_.format(c));
    }
    return out;
  }

 private:
  Civil next(const Civil& c) const {
    switch (granularity_) {
      case TimeGranularity::kHourly:
        return Civil(cctz::civil_hour(c) + 1);
      case TimeGranularity::kDaily:
        return Civil(cctz::civil_day(c) + 1);
      case TimeGranularity::kWeekly:
        return Civil(cctz::civil_day(c) + 7);
      case TimeGranularity::kMonthly:
        return Civil(cctz::civil_month(c) + 1);
    }
    return c;
  }
  Civil previous(const Civil& c) const {
    switch (granularity_) {
      case TimeGranularity::kHourly:
        return Civil(cctz::civil_hour(c) - 1);
      case TimeGranularity::kDaily:
        return Civil(cctz::civil_day(c) - 1);
      case TimeGranularity::kWeekly:
        return Civil(cctz::civil_day(c) - 7);
      case TimeGranularity::kMonthly:
        return Civil(cctz::civil_month(c) - 1);
    }
    return c;
  }
  // The window boundary at or before `c`.
  Civil align_down(const Civil& c) const {
    switch (granularity_) {
      case TimeGranularity::kHourly:
        return Civil(cctz::civil_hour(c));
      case TimeGranularity::kDaily:
        return Civil(cctz::civil_day(c));
      case TimeGranularity::kWeekly: {
        cctz::civil_day day(c);
        while (cctz::get_weekday(day) != cctz::weekday::sunday) --day;
        return Civil(day);
      }
      case TimeGranularity::kMonthly:
        return Civil(cctz::civil_month(c));
    }
    return c;
  }
  // The window boundary at or after `c`.
  Civil align_up(const Civil& c) const {
    Civil down = align_down(c);
    return down == c ? c : next(down);
  }
  // The instant a local boundary denotes: a skipped local time maps to the moment the clock jumped,
  // a repeated one to its first occurrence.
  std::chrono::sys_seconds instant(const Civil& c) const {
    auto lookup = zone_.lookup(c);
    auto at = lookup.kind == cctz::time_zone::civil_lookup::SKIPPED ? lookup.trans : lookup.pre;
    return std::chrono::time_point_cast<std::chrono::seconds>(at);
  }
  // A window whose start does not exist locally (spring forward) has no length and no partition.
  bool exists(const Civil& c) const { return instant(c) < instant(next(c)); }
  Civil end_boundary() const {
    if (end_) return *end_;
    Civil now = cctz::convert(std::chrono::system_clock::now(), zone_);
    Civil end = align_down(now);
    for (int i = 0; i < options_.end_offset; ++i) end = next(end);
    return end;
  }

  TimeGranularity granularity_;
  TimeWindowOptions options_;
  KeyFormat format_;
  cctz::time_zone zone_;
  Civil start_;
  std::optional<Civil> end_;
  std::string start_text_;
};

// --- multi -----------------------------------------------------------------------------------

class MultiPartitions : public PartitionsDefinition {
 public:
  explicit MultiPartitions(std::vector<std::pair<std::string, PartitionsPtr>> dimensions)
      : dimensions_(std::move(dimensions)) {
    if (dimensions_.size() != 2) throw DefinitionError("multi partitions need exactly two dimensions");
    for (const auto& [name, definition] : dimensions_) {
      if (name.empty() || !definition)
        throw DefinitionError("multi partitions: every dimension needs a name and a definition");
      if (definition->kind() == Kind::kMulti) throw DefinitionError("multi partitions cannot nest");
    }
  }
  Kind kind() const override { return Kind::kMulti; }
  std::vector<std::string> keys(DynamicPartitionsStore* store) const override {
    auto first = dimensions_[0].second->keys(store);
    auto second = dimensions_[1].second->keys(store);
    std::vector<std::string> out;
    out.reserve(first.size() * second.size());
    for (const auto& a : first) {
      for (const auto& b : second) out.push_back(a + "|" + b);
    }
    return out;
  }
  void validate_key(const std::string& key, const std::string& owner, DynamicPartitionsStore* store) const override {
    auto parts = split_multi_key(key);
    if (parts.size() != 2) bad_key(owner, key, "is not a two-dimensional key", format_hint(store));
    for (size_t i = 0; i < 2; ++i) {
      try {
        dimensions_[i].second->validate_key(parts[i], owner, store);
      } catch (const PartitionError& e) {
        throw PartitionError(std::string(e.what()) + " (dimension '" + dimensions_[i].first + "' of key '" + key +
                             "')");
      }
    }
  }
  std::string format_hint(DynamicPartitionsStore* store) const override {
    return "<" + dimensions_[0].first + ">|<" + dimensions_[1].first + ">, where " + dimensions_[0].first + " is " +
           dimensions_[0].second->format_hint(store) + " and " + dimensions_[1].first + " is " +
           dimensions_[1].second->format_hint(store);
  }
  std::string describe() const override {
    return "multi partitions (" + dimensions_[0].first + ": " + dimensions_[0].second->describe() + "; " +
           dimensions_[1].first + ": " + dimensions_[1].second->describe() + ")";
  }
  const std::vector<std::pair<std::string, PartitionsPtr>>& dimensions() const { return dimensions_; }

 private:
  std::vector<std::pair<std::string, PartitionsPtr>> dimensions_;
};

}  // namespace

void PartitionsDefinition::validate_key(const std::string& key, const std::string& owner,
                                        DynamicPartitionsStore* store) const {
  auto all = keys(store);
  if (std::find(all.begin(), all.end(), key) == all.end())
    bad_key(owner, key, "is not a partition", format_hint(store));
}

std::vector<std::string> PartitionsDefinition::key_range(const std::string& first, const std::string& last,
                                                         const std::string& owner,
                                                         DynamicPartitionsStore* store) const {
  validate_key(first, owner, store);
  validate_key(last, owner, store);
  return slice(keys(store), first, last, owner);
}

std::optional<TimeWindow> PartitionsDefinition::time_window(const std::string&) const { return std::nullopt; }

PartitionsPtr static_partitions(std::vector<std::string> keys) {
  return std::make_shared<StaticPartitions>(std::move(keys));
}

PartitionsPtr time_window_partitions(TimeGranularity granularity, const std::string& start, TimeWindowOptions options) {
  return std::make_shared<TimeWindowPartitions>(granularity, start, std::move(options));
}
PartitionsPtr hourly_partitions(const std::string& start, TimeWindowOptions options) {
  return time_window_partitions(TimeGranularity::kHourly, start, std::move(options));
}
PartitionsPtr daily_partitions(const std::string& start, TimeWindowOptions options) {
  return time_window_partitions(TimeGranularity::kDaily, start, std::move(options));
}
PartitionsPtr weekly_partitions(const std::string& start, TimeWindowOptions options) {
  return time_window_partitions(TimeGranularity::kWeekly, start, std::move(options));
}
PartitionsPtr monthly_partitions(const std::string& start, TimeWindowOptions options) {
  return time_window_partitions(TimeGranularity::kMonthly, start, std::move(options));
}

PartitionsPtr dynamic_partitions(std::string name) { return std::make_shared<DynamicPartitions>(std::move(name)); }

PartitionsPtr multi_partitions(std::vector<std::pair<std::string, PartitionsPtr>> dimensions) {
  return std::make_shared<MultiPartitions>(std::move(dimensions));
}

std::vector<std::pair<std::string, PartitionsPtr>> partition_dimensions(const PartitionsDefinition& definition) {
  if (const auto* multi = dynamic_cast<const MultiPartitions*>(&definition)) return multi->dimensions();
  return {};
}

std::vector<std::string> split_multi_key(const std::string& key) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t bar = key.find('|'); bar != std::string::npos; bar = key.find('|', start)) {
    parts.push_back(key.substr(start, bar - start));
    start = bar + 1;
  }
  parts.push_back(key.substr(start));
  return parts;
}

std::string join_multi_key(const std::vector<std::string>& parts) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? "|" : "") + parts[i];
  return out;
}

PartitionScope make_partition_scope(const PartitionsDefinition& definition, std::vector<std::string> keys) {
  PartitionScope scope;
  if (!keys.empty()) {
    auto first = definition.time_window(keys.front());
    auto last = definition.time_window(keys.back());
    if (first && last) scope.window = TimeWindow{first->start, last->end};
  }
  scope.keys = std::move(keys);
  return scope;
}

std::vector<std::string> time_keys_overlapping(const PartitionsDefinition& definition, const TimeWindow& window) {
  const auto* time = dynamic_cast<const TimeWindowPartitions*>(&definition);
  if (time == nullptr) throw PartitionError(definition.describe() + " are not time windows");
  return time->overlapping(window);
}

}  // namespace strata
