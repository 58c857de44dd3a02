#include "strata/core/definitions/asset.hpp"

#include <set>

namespace strata {
namespace {

std::vector<InputDef> make_inputs(const std::string& owner, const std::vector<InSpec>& ins,
                                  const std::vector<const TypeInfo*>& types, bool asset_inputs) {
  if (ins.size() != types.size()) {
    std::string names;
    for (const auto& in : ins) names += (names.empty() ? "" : ", ") + in.get().name;
    throw DefinitionError(owner + ": the function takes " + std::to_string(types.size()) +
                          " input(s) but `ins` names " + std::to_string(ins.size()) +
                          (names.empty() ? "" : " (" + names + ")") +
                          "; name each parameter after the optional context once, in order");
  }
  std::vector<InputDef> inputs;
  std::set<std::string> seen;
  for (size_t i = 0; i < ins.size(); ++i) {
    const AssetIn& in = ins[i].get();
    if (in.name.empty()) throw DefinitionError(owner + ": input " + std::to_string(i + 1) + " has an empty name");
    if (!seen.insert(in.name).second) throw DefinitionError(owner + ": input '" + in.name + "' is named twice");
    InputDef def{in.name, types[i], std::nullopt, in.metadata, in.input_manager_key, in.partition_mapping};
    if (asset_inputs) {
      def.asset_key = in.key.value_or(AssetKey(std::vector<std::string>{in.name}));
      def.asset_key->validate_components();
    }
    inputs.push_back(std::move(def));
  }
  return inputs;
}

// The parts an asset and a multi-asset node share (Options: AssetOptions or MultiAssetOptions).
template <class Options>
std::shared_ptr<NodeDef> new_asset_node(std::string name, NodeKind kind, const std::string& owner, Options& options,
                                        const std::vector<const TypeInfo*>& input_types) {
  auto node = std::make_shared<NodeDef>();
  node->name = std::move(name);
  node->kind = kind;
  node->description = options.description;
  node->inputs = make_inputs(owner, options.ins, input_types, true);
  for (const auto& dep : options.deps) dep.validate_components();
  node->deps = std::move(options.deps);
  node->required_resource_keys = std::move(options.required_resource_keys);
  node->partitions = std::move(options.partitions);
  node->backfill_policy = options.backfill_policy;
  if (options.retry_policy) options.retry_policy->validate(owner);
  node->retry_policy = options.retry_policy;
  node->pool = options.pool;
  options.resources.validate(owner);
  node->resources = options.resources;
  return node;
}

}  // namespace

InSpec::InSpec(const AssetsDefinition& upstream) {
  if (upstream.node().outputs.size() != 1) {
    throw DefinitionError("'" + upstream.node().name + "' defines " + std::to_string(upstream.node().outputs.size()) +
                          " assets: an input names one of them with AssetIn{.name = ..., .key = ...}");
  }
  const AssetKey& key = upstream.key();
  in_.name = key.path().back();
  in_.key = key;
}

const AssetKey& AssetsDefinition::key() const {
  if (node_->outputs.size() != 1) {
    throw DefinitionError("'" + node_->name + "' defines " + std::to_string(node_->outputs.size()) +
                          " assets; use keys()");
  }
  return *node_->outputs[0].asset_key;
}

std::vector<AssetKey> AssetsDefinition::keys() const {
  std::vector<AssetKey> keys;
  for (const auto& out : node_->outputs) {
    if (out.asset_key) keys.push_back(*out.asset_key);
  }
  return keys;
}

namespace detail {

AssetsDefinition make_asset(AssetKey key, AssetOptions options, std::vector<const TypeInfo*> input_types,
                            const TypeInfo& output_type, ComputeFn compute, ConfigSchemaPtr config,
                            bool per_partition) {
  key = key.with_prefix(options.key_prefix);
  key.validate_components();
  std::string owner = "asset '" + key.to_string() + "'";
  if (per_partition && !options.partitions) {
    throw DefinitionError(owner + " returns strata::PerPartition<" + output_type.name +
                          "> but is not partitioned; give it partitions, or return " + output_type.name);
  }
  auto node = new_asset_node(key.to_python_identifier(), NodeKind::kAsset, owner, options, input_types);
  OutputDef out;
  out.name = "result";
  out.type = &output_type;
  out.asset_key = key;
  out.io_manager_key = std::move(options.io_manager_key);
  out.metadata = std::move(options.metadata);
  out.description = std::move(options.description);
  out.group = options.group.empty() ? "default" : std::move(options.group);
  out.code_version = std::move(options.code_version);
  out.per_partition = per_partition;
  node->outputs.push_back(std::move(out));
  node->compute = std::move(compute);
  node->config = std::move(config);
  return AssetsDefinition(std::move(node));
}

AssetsDefinition make_multi_asset(MultiAssetOptions options, std::vector<const TypeInfo*> input_types,
                                  std::optional<std::vector<const TypeInfo*>> returned_types, ComputeFn compute,
                                  ConfigSchemaPtr config) {
  if (options.name.empty()) throw DefinitionError("multi_asset needs a name (MultiAssetOptions::name)");
  std::string owner = "multi-asset '" + options.name + "'";
  if (options.outs.empty()) throw DefinitionError(owner + " declares no outs");
  if (returned_types) {
    if (returned_types->size() != options.outs.size()) {
      throw DefinitionError(owner + ": the function returns a tuple of " + std::to_string(returned_types->size()) +
                            " values but declares " + std::to_string(options.outs.size()) + " outs");
    }
    for (size_t i = 0; i < options.outs.size(); ++i) {
      if (!(*(*returned_types)[i] == *options.outs[i].type)) {
        throw DefinitionError(owner + ": out '" + options.outs[i].name + "' is declared as " +
                              options.outs[i].type->name + " but the function returns " + (*returned_types)[i]->name);
      }
    }
  }
  auto node = new_asset_node(options.name, NodeKind::kMultiAsset, owner, options, input_types);
  std::set<std::string> names;
  for (auto& asset_out : options.outs) {
    if (!names.insert(asset_out.name).second)
      throw DefinitionError(owner + ": out '" + asset_out.name + "' is declared twice");
    OutputDef out;
    out.name = asset_out.name;
    out.type = asset_out.type;
    out.asset_key = asset_out.options.key.value_or(
        AssetKey(std::vector<std::string>{asset_out.name}).with_prefix(options.key_prefix));
    out.asset_key->validate_components();
    out.io_manager_key = std::move(asset_out.options.io_manager_key);
    out.is_required = asset_out.options.is_required;
    out.metadata = std::move(asset_out.options.metadata);
    out.description = std::move(asset_out.options.description);
    out.group = !asset_out.options.group.empty() ? asset_out.options.group
                                                 : (options.group.empty() ? "default" : options.group);
    out.code_version = std::move(asset_out.options.code_version);
    node->outputs.push_back(std::move(out));
  }
  node->compute = std::move(compute);
  node->config = std::move(config);
  return AssetsDefinition(std::move(node));
}

AssetsDefinition make_source_asset(AssetKey key, SourceAssetOptions options, const TypeInfo& type) {
  key.validate_components();
  auto node = std::make_shared<NodeDef>();
  node->name = key.to_python_identifier();
  node->kind = NodeKind::kSourceAsset;
  node->description = options.description;
  node->partitions = std::move(options.partitions);
  OutputDef out;
  out.type = &type;
  out.asset_key = std::move(key);
  out.io_manager_key = std::move(options.io_manager_key);
  out.metadata = std::move(options.metadata);
  out.description = std::move(options.description);
  out.group = options.group.empty() ? "default" : std::move(options.group);
  node->outputs.push_back(std::move(out));
  return AssetsDefinition(std::move(node));
}

}  // namespace detail
}  // namespace strata
