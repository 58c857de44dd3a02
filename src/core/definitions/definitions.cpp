#include "strata/core/definitions/definitions.hpp"

#include <map>
#include <set>
#include <unordered_set>

#include "strata/core/automation/cron.hpp"
#include "strata/core/partitions/per_partition.hpp"
#include "strata/core/resources/io_manager.hpp"
#include "strata/core/util/nearest_name.hpp"

namespace strata {
namespace {

std::string describe_output(const NodeDef& node, const OutputDef& out) {
  if (out.asset_key) return std::string(node_kind_name(node.kind)) + " '" + out.asset_key->to_string() + "'";
  return "op '" + node.name + "' output '" + out.name + "'";
}

// Checks that `resource` can store (or, for input managers, load) `type`.
void check_manager(const std::string& key, const Resource& resource, const TypeInfo& type, const std::string& who,
                   bool load_only) {
  bool ok = false;
  std::string role = load_only ? "input manager" : "I/O manager";
  if (const auto* io = dynamic_cast<const IOManager*>(&resource)) {
    ok = load_only ? io->can_load(type) : io->can_handle(type);
  } else if (const auto* factory = dynamic_cast<const IOManagerFactory*>(&resource)) {
    ok = factory->can_handle(type);
  } else if (const auto* input = dynamic_cast<const InputManager*>(&resource); input && load_only) {
    ok = input->can_load(type);
  } else {
    throw DefinitionError(who + ": resource '" + key + "' is a " + demangle(typeid(resource).name()) + ", not an " +
                          role);
  }
  if (!ok) {
    throw DefinitionError(who + ": the " + role + " '" + key + "' (" + demangle(typeid(resource).name()) + ") cannot " +
                          (load_only ? "load" : "store") + " values of type " + type.name);
  }
}

}  // namespace

Definitions::Definitions(DefinitionsSpec spec) : spec_(std::move(spec)) {
  for (const auto& assets : spec_.assets) graph_.add(assets.node_ptr());
  graph_.link();
  validate_storage_locations();
  validate_asset_inputs();
  std::vector<const NodeDef*> asset_nodes;
  for (const auto& assets : spec_.assets) asset_nodes.push_back(&assets.node());
  validate_resources(spec_.resources, asset_nodes, "");
  validate_jobs();
  validate_schedules();
  validate_sensors();
}

std::string Definitions::io_manager_key_for(const OutputDef& output) {
  return output.io_manager_key.empty() ? kDefaultIOManagerKey : output.io_manager_key;
}

// Every asset has its own place in core/resources/storage_location.hpp unless one key is a prefix of another:
// asset `p` and asset `p/x` would meet at <base>/p/x (a partition of `p`, or `p` as a directory).
void Definitions::validate_storage_locations() const {
  std::unordered_set<AssetKey> keys;
  for (const auto& entry : graph_.entries()) keys.insert(entry.key);
  for (const auto& entry : graph_.entries()) {
    const auto& path = entry.key.path();
    for (size_t length = 1; length < path.size(); ++length) {
      AssetKey prefix(std::vector<std::string>(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(length)));
      if (keys.count(prefix)) {
        throw DefinitionError("assets '" + prefix.to_string() + "' and '" + entry.key.to_string() +
                              "' would share storage: '" + entry.key.to_string() +
                              "' lies where a partition or file of '" + prefix.to_string() +
                              "' is stored; rename one of them (e.g. '" + prefix.to_string() + "_all')");
      }
    }
  }
}

namespace {

// Whether backfills of `node` may run several of its partitions in one run.
bool runs_several_partitions(const NodeDef& node) {
  if (!node.partitions || !node.backfill_policy) return false;
  const BackfillPolicy& policy = *node.backfill_policy;
  return policy.kind == BackfillPolicy::Kind::kSingleRun || policy.max_partitions_per_run > 1;
}

}  // namespace

void Definitions::validate_asset_inputs() const {
  for (const auto& assets : spec_.assets) {
    const NodeDef& node = assets.node();
    std::string who = std::string(node_kind_name(node.kind)) + " '" +
                      (node.kind == NodeKind::kMultiAsset ? node.name : assets.keys().front().to_string()) + "'";
    for (const auto& in : node.inputs) {
      int up = graph_.find(*in.asset_key);
      if (!in.input_manager_key.empty()) continue;  // checked with the resources
      const auto& entry = graph_.entry(up);
      const OutputDef& produced = entry.node->outputs[static_cast<size_t>(entry.output_index)];
      if (!produced.has_value()) {
        throw DefinitionError(who + " input '" + in.name + "' loads asset '" + entry.key.to_string() +
                              "', which returns no value (void); depend on it with `deps` instead");
      }
      const PartitionsDefinition* upstream_partitions = entry.node->partitions.get();
      bool per_partition_map = upstream_partitions != nullptr && in.type->partition_map_value != nullptr &&
                               *in.type->partition_map_value == *produced.type;
      if (!(*produced.type == *in.type) && !per_partition_map) {
        throw DefinitionError(who + " input '" + in.name + "' expects " + in.type->name + " but asset '" +
                              entry.key.to_string() + "' produces " + produced.type->name +
                              (upstream_partitions ? " (as a partitioned asset it can also be loaded as "
                                                     "std::map<std::string, " +
                                                         produced.type->name + ">)"
                                                   : ""));
      }
      if (upstream_partitions != nullptr && !in.partition_mapping) {
        default_partition_mapping(node.partitions.get(), *upstream_partitions, who + " input '" + in.name + "'");
      }
      if (upstream_partitions == nullptr && in.partition_mapping) {
        throw DefinitionError(who + " input '" + in.name + "' has a partition mapping but asset '" +
                              entry.key.to_string() + "' is not partitioned");
      }
    }
  }
}

void Definitions::validate_resources(const std::map<std::string, ResourceDefinition>& resources,
                                     const std::vector<const NodeDef*>& nodes, const std::string& scope) const {
  for (const auto& [key, definition] : resources) {
    try {
      definition.prototype().validate_config();
    } catch (const ConfigError& e) {
      throw ConfigError(scope + "resource '" + key + "': " + e.what());
    }
  }
  auto missing = [&](const std::string& who, const std::string& key) {
    std::vector<std::string> keys;
    std::string known;
    for (const auto& [k, _] : resources) {
      keys.push_back(k);
      known += (known.empty() ? "" : ", ") + k;
    }
    return DefinitionError(scope + who + " needs resource '" + key + "', which is not defined" +
                           did_you_mean(key, keys) + " (resources: " + (known.empty() ? "none" : known) + ")");
  };
  std::map<std::pair<std::string, std::string>, AssetKey> stored_at;  // (manager key, storage name) -> asset
  for (const NodeDef* node : nodes) {
    for (const auto& out : node->outputs) {
      if (!out.has_value()) continue;
      std::string who = describe_output(*node, out);
      std::string key = io_manager_key_for(out);
      auto it = resources.find(key);
      if (runs_several_partitions(*node)) {
        std::string problem =
            partition_range_problem(out, key, it == resources.end() ? nullptr : &it->second.prototype());
        if (!problem.empty())
          throw DefinitionError(scope + problem + " (its backfill policy runs several partitions at once)");
      }
      if (it != resources.end() && out.asset_key) {
        if (const auto* io = dynamic_cast<const IOManager*>(&it->second.prototype())) {
          std::string name = io->storage_name(*out.asset_key);
          auto [place, inserted] = stored_at.emplace(std::make_pair(key, name), *out.asset_key);
          if (!name.empty() && !inserted && place->second != *out.asset_key) {
            throw DefinitionError(scope + "assets '" + place->second.to_string() + "' and '" +
                                  out.asset_key->to_string() + "' would both be stored as '" + name +
                                  "' by I/O manager '" + key + "'; rename one of them or give it another manager");
          }
        }
      }
      if (it == resources.end()) {
        if (key != kDefaultIOManagerKey) throw missing(who, key);
        if (out.type->codec == nullptr) {
          throw DefinitionError(scope + who + " returns " + out.type->name +
                                ", which the built-in filesystem I/O manager cannot store (the type has no codec); "
                                "declare it with STRATA_SERIALIZABLE or set io_manager_key to a manager for this type");
        }
        continue;
      }
      check_manager(key, it->second.prototype(), *out.type, scope + who, false);
    }
    for (const auto& in : node->inputs) {
      if (in.input_manager_key.empty()) continue;
      std::string who = std::string(node_kind_name(node->kind)) + " '" + node->name + "' input '" + in.name + "'";
      auto it = resources.find(in.input_manager_key);
      if (it == resources.end()) throw missing(who, in.input_manager_key);
      check_manager(in.input_manager_key, it->second.prototype(), *in.type, scope + who, true);
    }
    for (const auto& key : node->required_resource_keys) {
      if (!resources.count(key)) throw missing(std::string(node_kind_name(node->kind)) + " '" + node->name + "'", key);
    }
  }
}

void Definitions::validate_jobs() const {
  std::set<std::string> names;
  for (const auto& job : spec_.jobs) {
    if (!names.insert(job.name()).second) throw DefinitionError("job '" + job.name() + "' is defined twice");
    std::string scope = "job '" + job.name() + "': ";
    auto resources = resources_for(&job);
    std::vector<const NodeDef*> nodes;
    if (job.kind() == JobDefinition::Kind::kAssets) {
      try {
        for (const auto& key : job.selection().resolve(graph_)) {
          nodes.push_back(graph_.entry(graph_.find(key)).node.get());
        }
      } catch (const DefinitionError& e) {
        throw DefinitionError(scope + e.what());
      }
      if (!job.resources().empty()) validate_resources(resources, nodes, scope);
    } else {
      for (const auto& invocation : job.invocations()) nodes.push_back(invocation.node.get());
      validate_resources(resources, nodes, scope);
    }
  }
}

void Definitions::validate_schedules() const {
  std::set<std::string> names;
  for (const auto& schedule : spec_.schedules) {
    if (!names.insert(schedule.name).second) {
      throw DefinitionError("schedule '" + schedule.name + "' is defined twice");
    }
    if (schedule.name.empty()) throw DefinitionError("a schedule has no name");
    if (!has_job(schedule.job_name)) {
      throw DefinitionError("schedule '" + schedule.name + "' runs job '" + schedule.job_name +
                            "', which is not defined" + did_you_mean(schedule.job_name, job_names()));
    }
    validate_cron(schedule.name, schedule.cron_schedule);
    if (!is_valid_time_zone(schedule.timezone)) {
      throw DefinitionError("schedule '" + schedule.name + "': unknown time zone '" + schedule.timezone +
                            "' (an IANA name such as 'UTC' or 'Europe/Berlin')");
    }
  }
}

void Definitions::validate_sensors() const {
  std::set<std::string> names;
  for (const auto& schedule : spec_.schedules) names.insert(schedule.name);
  for (const auto& sensor : spec_.sensors) {
    if (sensor.name.empty()) throw DefinitionError("a sensor has no name");
    if (!names.insert(sensor.name).second) {
      throw DefinitionError("sensor '" + sensor.name + "' is defined twice (schedules and sensors share names)");
    }
    if (!sensor.job_name.empty() && !has_job(sensor.job_name)) {
      throw DefinitionError("sensor '" + sensor.name + "' runs job '" + sensor.job_name + "', which is not defined" +
                            did_you_mean(sensor.job_name, job_names()));
    }
    if (!sensor.evaluate) throw DefinitionError("sensor '" + sensor.name + "' has no function");
    if (sensor.minimum_interval.count() <= 0) {
      throw DefinitionError("sensor '" + sensor.name + "': minimum_interval must be positive");
    }
    for (const auto& key : sensor.monitored_assets) {
      if (graph_.find(key) < 0) {
        throw DefinitionError("sensor '" + sensor.name + "' monitors asset '" + key.to_string() +
                              "', which is not defined");
      }
    }
    if (sensor.kind == SensorDefinition::Kind::kAsset && sensor.monitored_assets.empty()) {
      throw DefinitionError("asset sensor '" + sensor.name + "' monitors no asset");
    }
    if (!sensor.monitored_job.empty() && !has_job(sensor.monitored_job)) {
      throw DefinitionError("sensor '" + sensor.name + "' monitors job '" + sensor.monitored_job +
                            "', which is not defined" + did_you_mean(sensor.monitored_job, job_names()));
    }
  }
}

std::vector<std::string> Definitions::job_names() const {
  std::vector<std::string> names;
  for (const auto& job : spec_.jobs) names.push_back(job.name());
  return names;
}

bool Definitions::has_job(const std::string& name) const {
  for (const auto& job : spec_.jobs) {
    if (job.name() == name) return true;
  }
  return false;
}

const JobDefinition& Definitions::job(const std::string& name) const {
  for (const auto& job : spec_.jobs) {
    if (job.name() == name) return job;
  }
  std::vector<std::string> names;
  std::string known;
  for (const auto& job : spec_.jobs) {
    names.push_back(job.name());
    known += (known.empty() ? "" : ", ") + job.name();
  }
  throw DefinitionError("unknown job '" + name + "'" + did_you_mean(name, names) +
                        " (jobs: " + (known.empty() ? "none" : known) + ")");
}

std::map<std::string, ResourceDefinition> Definitions::resources_for(const JobDefinition* job) const {
  std::map<std::string, ResourceDefinition> merged = spec_.resources;
  if (job != nullptr) {
    for (const auto& [key, definition] : job->resources()) merged.insert_or_assign(key, definition);
  }
  return merged;
}

}  // namespace strata
