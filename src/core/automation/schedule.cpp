#include "strata/core/automation/schedule.hpp"

#include "strata/core/automation/cron.hpp"
#include "strata/core/util/error.hpp"

namespace strata {

void validate_cron(const std::string& schedule_name, const std::string& cron) {
  try {
    CronSchedule::parse(cron);
  } catch (const DefinitionError& e) {
    throw DefinitionError("schedule '" + schedule_name + "': " + e.what());
  }
}

}  // namespace strata
