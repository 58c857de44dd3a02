#include "asset_value_command.hpp"

#include <algorithm>

#include "strata/core/resources/io_manager.hpp"
#include "strata/core/types/value_display.hpp"
#include "strata/core/util/nearest_name.hpp"
#include "strata/io/filesystem_io_manager.hpp"

namespace strata::cli {
namespace {

// Checks the partition argument against the asset's definition; returns the partition to load.
std::optional<std::string> checked_partition(CliSession& session, const AssetKey& key, const NodeDef& node,
                                             const std::optional<std::string>& partition) {
  std::string name = key.to_string();
  if (!node.partitions) {
    if (partition) {
      throw UsageError("asset '" + name + "' is not partitioned; --partition '" + *partition + "' names nothing",
                       "drop --partition");
    }
    return std::nullopt;
  }
  std::vector<std::string> keys = node.partitions->keys(&session.instance().storage());
  if (!partition) {
    throw UsageError("asset '" + name + "' is partitioned; name the partition to show",
                     "add --partition KEY" + (keys.empty() ? std::string() : " (e.g. " + keys.back() + ")") + "; '" +
                         session.program + " asset show " + name + "' lists the partitions");
  }
  if (std::find(keys.begin(), keys.end(), *partition) == keys.end()) {
    throw UsageError("asset '" + name + "' has no partition '" + *partition + "'" + did_you_mean(*partition, keys),
                     node.partitions->describe());
  }
  return partition;
}

// The manager under `manager_key` as a run would set it up (code configuration, EnvVar resolved),
// or the built-in default under the instance's storage directory.
std::shared_ptr<Resource> manager_resource(CliSession& session, const std::string& manager_key, Resources& resources) {
  InitContext init{manager_key, "", session.instance().home(), &resources, Logger{}};
  std::shared_ptr<Resource> resource;
  auto it = session.defs.resources().find(manager_key);
  if (it != session.defs.resources().end()) {
    resource = it->second.instantiate(manager_key, RunConfig{});
  } else {
    resource = std::make_shared<FilesystemIOManager>(
        FilesystemIOManager::Options{.base_dir = session.instance().config().storage_base_dir.string()});
  }
  resource->setup(init);
  if (auto* factory = dynamic_cast<IOManagerFactory*>(resource.get())) {
    std::shared_ptr<IOManager> manager = factory->create_io_manager(init);
    if (!manager) throw ConfigError("I/O manager factory '" + manager_key + "' created no manager");
    manager->setup(init);
    return manager;
  }
  return resource;
}

}  // namespace

int asset_value_command(CliSession& session, const std::string& key_text,
                        const std::optional<std::string>& partition_arg) {
  AssetKey key = known_asset_key(session.defs, key_text);
  const AssetGraph& graph = session.defs.asset_graph();
  const auto& entry = graph.entry(graph.find(key));
  const NodeDef& node = *entry.node;
  const OutputDef& output = node.outputs[static_cast<size_t>(entry.output_index)];
  std::string name = key.to_string();
  std::optional<std::string> partition = checked_partition(session, key, node, partition_arg);

  auto latest = session.instance().storage().latest_materialization(key, partition);
  if (!latest) {
    std::string what = "asset '" + name + "'" + (partition ? " partition '" + *partition + "'" : "");
    throw UsageError(what + " was never materialized (in " + session.instance().storage().describe() + ")",
                     "materialize it with: " + session.program + " materialize --select " + name +
                         (partition ? " --partition " + *partition : ""));
  }
  if (output.type == nullptr || !output.has_value()) {
    throw UsageError("asset '" + name + "' stores no value (its function returns nothing)", "");
  }

  std::string manager_key = output.io_manager_key.empty() ? std::string(kDefaultIOManagerKey) : output.io_manager_key;
  Resources resources;
  std::shared_ptr<Resource> resource = manager_resource(session, manager_key, resources);
  resources.put(manager_key, resource);
  auto* manager = dynamic_cast<InputManager*>(resource.get());
  if (manager == nullptr) throw ConfigError("resource '" + manager_key + "' is not an I/O manager");

  PartitionScope scope;
  if (partition) scope.keys = {*partition};
  auto upstream = std::make_shared<OutputContext>(OutputContextFields{key, output.name, node.name, latest->event.run_id,
                                                                      output.metadata, output.type, output.code_version,
                                                                      scope, Logger{}, &resources});
  InputContext context(
      InputContextFields{key, "value", "asset value", "", {}, output.type, scope, Logger{}, &resources, upstream});
  Value value = manager->load_input(context);
  resource->teardown();
  std::optional<std::string> text = display_value(value);
  if (!text) {
    throw Error("asset '" + name + "': values of type " + value.type().name +
                " cannot be shown (no JSON form, no registered printer)");
  }
  session.out << *text;
  return kExitSuccess;
}

}  // namespace strata::cli
