#include "strata/core/automation/sensor.hpp"

namespace strata {

const char* instigator_status_name(InstigatorStatus status) {
  return status == InstigatorStatus::kRunning ? "RUNNING" : "STOPPED";
}

SensorDefinition sensor(std::string name, SensorOptions options, std::function<TickResult(const SensorContext&)> fn) {
  SensorDefinition def;
  def.name = std::move(name);
  def.job_name = std::move(options.job_name);
  def.evaluate = std::move(fn);
  def.minimum_interval = options.minimum_interval;
  def.default_status = options.default_status;
  return def;
}

SensorDefinition asset_sensor(std::string name, std::vector<AssetKey> assets, SensorOptions options,
                              std::function<TickResult(const SensorContext&)> fn) {
  SensorDefinition def = sensor(std::move(name), std::move(options), std::move(fn));
  def.kind = SensorDefinition::Kind::kAsset;
  def.monitored_assets = std::move(assets);
  return def;
}

SensorDefinition run_status_sensor(std::string name, std::string job, bool on_failure, SensorOptions options,
                                   std::function<TickResult(const SensorContext&)> fn) {
  SensorDefinition def = sensor(std::move(name), std::move(options), std::move(fn));
  def.kind = SensorDefinition::Kind::kRunStatus;
  def.monitored_job = std::move(job);
  def.monitor_failure = on_failure;
  return def;
}

}  // namespace strata
