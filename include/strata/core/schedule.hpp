// ScheduleDefinition: a job to run on a cron schedule ("0 * * * *" = hourly). The definition is
// validated (job exists, five cron fields in range); the daemon that fires schedules comes later.
#pragma once

#include <string>

namespace strata {

struct ScheduleDefinition {
  std::string name{};
  std::string job_name{};
  std::string cron_schedule{};
  std::string timezone = "UTC";
};

// Throws DefinitionError naming the schedule and the bad field of `cron`.
void validate_cron(const std::string& schedule_name, const std::string& cron);

}  // namespace strata
