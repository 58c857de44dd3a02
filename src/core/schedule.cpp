#include "strata/core/schedule.hpp"

#include "strata/core/cron.hpp"
#include "strata/core/error.hpp"

namespace strata {

void validate_cron(const std::string& schedule_name, const std::string& cron) {
  try {
    CronSchedule::parse(cron);
  } catch (const DefinitionError& e) {
    throw DefinitionError("schedule '" + schedule_name + "': " + e.what());
  }
}

}  // namespace strata
