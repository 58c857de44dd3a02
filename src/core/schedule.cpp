#include "strata/core/schedule.hpp"

#include <sstream>
#include <vector>

#include "strata/core/error.hpp"

namespace strata {
namespace {

struct CronField {
  const char* name;
  int min;
  int max;
};

constexpr CronField kFields[] = {
    {"minute", 0, 59}, {"hour", 0, 23}, {"day of month", 1, 31}, {"month", 1, 12}, {"day of week", 0, 7}};

bool parse_number(const std::string& text, int& out) {
  if (text.empty() || text.size() > 4) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  out = std::stoi(text);
  return true;
}

// One comma-separated item: *, N, N-M, with an optional /step.
bool valid_item(const std::string& item, const CronField& field) {
  std::string range = item;
  if (size_t slash = item.find('/'); slash != std::string::npos) {
    int step = 0;
    if (!parse_number(item.substr(slash + 1), step) || step == 0) return false;
    range = item.substr(0, slash);
  }
  if (range == "*") return true;
  size_t dash = range.find('-');
  int low = 0;
  int high = 0;
  if (dash == std::string::npos) {
    return parse_number(range, low) && low >= field.min && low <= field.max;
  }
  return parse_number(range.substr(0, dash), low) && parse_number(range.substr(dash + 1), high) && low >= field.min &&
         high <= field.max && low <= high;
}

}  // namespace

void validate_cron(const std::string& schedule_name, const std::string& cron) {
  std::istringstream in(cron);
  std::vector<std::string> parts;
  for (std::string part; in >> part;) parts.push_back(part);
  if (parts.size() != 5) {
    throw DefinitionError("schedule '" + schedule_name + "': cron '" + cron + "' has " + std::to_string(parts.size()) +
                          " fields; expected 5 (minute hour day-of-month month day-of-week), e.g. '0 * * * *'");
  }
  for (size_t i = 0; i < 5; ++i) {
    std::stringstream items(parts[i]);
    for (std::string item; std::getline(items, item, ',');) {
      if (!valid_item(item, kFields[i])) {
        throw DefinitionError("schedule '" + schedule_name + "': cron '" + cron + "': bad " + kFields[i].name +
                              " field '" + parts[i] + "' (allowed " + std::to_string(kFields[i].min) + "-" +
                              std::to_string(kFields[i].max) + ", '*', ranges a-b, lists a,b, steps */n)");
      }
    }
  }
}

}  // namespace strata
