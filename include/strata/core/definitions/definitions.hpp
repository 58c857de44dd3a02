// Definitions: everything a code location holds (assets, jobs, schedules, sensors, resources), validated
// when constructed so that nothing wrong is found only at run time:
//   duplicate keys, unknown upstream keys, cycles (printed), missing resource keys, input types that
//   differ from the upstream output type (both assets and both types named), I/O managers that
//   cannot handle an output type, invalid resource configuration, unknown jobs in schedules and
//   sensors, cron strings that do not parse, unknown time zones.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "strata/core/automation/schedule.hpp"
#include "strata/core/automation/sensor.hpp"
#include "strata/core/definitions/asset.hpp"
#include "strata/core/definitions/asset_graph.hpp"
#include "strata/core/definitions/job.hpp"
#include "strata/core/resources/resource_definition.hpp"

namespace strata {

struct DefinitionsSpec {
  std::vector<AssetsDefinition> assets{};  // assets, multi-assets and source assets
  std::vector<JobDefinition> jobs{};
  std::vector<ScheduleDefinition> schedules{};
  std::vector<SensorDefinition> sensors{};
  std::map<std::string, ResourceDefinition> resources{};
};

// The key every output falls back to, and the built-in default behind it when no resource has it.
inline constexpr const char* kDefaultIOManagerKey = "io_manager";

// Definitions are immutable once constructed: every const method may be called from any number of
// threads at once (runs, the daemon and the web server share one Definitions). The asset functions
// and resource prototypes it holds are shared by the runs that use it; it must outlive them.
class Definitions {
 public:
  // Validates everything; throws DefinitionError (or ConfigError) with a message naming the fault.
  explicit Definitions(DefinitionsSpec spec);

  const AssetGraph& asset_graph() const { return graph_; }
  const std::vector<AssetsDefinition>& assets() const { return spec_.assets; }
  const std::vector<JobDefinition>& jobs() const { return spec_.jobs; }
  const std::vector<ScheduleDefinition>& schedules() const { return spec_.schedules; }
  const std::vector<SensorDefinition>& sensors() const { return spec_.sensors; }
  const std::map<std::string, ResourceDefinition>& resources() const { return spec_.resources; }

  // The job named `name`; throws DefinitionError with the nearest name and the jobs that exist.
  const JobDefinition& job(const std::string& name) const;
  bool has_job(const std::string& name) const;
  std::vector<std::string> job_names() const;

  // The resource definitions a job runs with: the job's own over the Definitions'.
  std::map<std::string, ResourceDefinition> resources_for(const JobDefinition* job) const;

  // The manager key an output is stored with: its io_manager_key, else "io_manager".
  static std::string io_manager_key_for(const OutputDef& output);

 private:
  void validate_asset_inputs() const;
  void validate_storage_locations() const;
  void validate_jobs() const;
  void validate_schedules() const;
  void validate_sensors() const;
  void validate_resources(const std::map<std::string, ResourceDefinition>& resources,
                          const std::vector<const NodeDef*>& nodes, const std::string& scope) const;

  DefinitionsSpec spec_;
  AssetGraph graph_;
};

}  // namespace strata
