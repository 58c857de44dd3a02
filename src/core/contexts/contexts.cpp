// OutputContext and InputContext: accessors that fail with a message when a field is absent.
#include "strata/core/contexts/input_context.hpp"
#include "strata/core/contexts/output_context.hpp"

namespace strata {
namespace {

std::string describe_owner(const std::optional<AssetKey>& key, const std::string& step_key, const std::string& name) {
  if (key) return key->to_string();
  return step_key.empty() ? name : step_key + "." + name;
}

}  // namespace

OutputContext::OutputContext(OutputContextFields fields)
    : PartitionAccessors(fields.partitions, describe_owner(fields.asset_key, fields.step_key, fields.name)),
      fields_(std::move(fields)) {}

const AssetKey& OutputContext::asset_key() const {
  if (!fields_.asset_key) {
    throw Error("output '" + fields_.name + "' of step '" + fields_.step_key +
                "' is not an asset: it has no asset key");
  }
  return *fields_.asset_key;
}

const TypeInfo& OutputContext::type() const {
  if (!fields_.type) throw Error("output context for '" + owner_ + "' was built without a type");
  return *fields_.type;
}

const Resources& OutputContext::resources() const {
  if (!fields_.resources) throw Error("output context for '" + owner_ + "' was built without resources");
  return *fields_.resources;
}

InputContext::InputContext(InputContextFields fields)
    : PartitionAccessors(fields.partitions, describe_owner(fields.asset_key, fields.step_key, fields.name)),
      fields_(std::move(fields)) {}

const AssetKey& InputContext::asset_key() const {
  if (!fields_.asset_key) {
    throw Error("input '" + fields_.name + "' of step '" + fields_.step_key + "' does not load an asset");
  }
  return *fields_.asset_key;
}

const TypeInfo& InputContext::type() const {
  if (!fields_.type) throw Error("input context for '" + owner_ + "' was built without a type");
  return *fields_.type;
}

const Resources& InputContext::resources() const {
  if (!fields_.resources) throw Error("input context for '" + owner_ + "' was built without resources");
  return *fields_.resources;
}

}  // namespace strata
