// InputContext: everything an I/O manager or input manager may need to load one input: the
// upstream asset key, the input's name and metadata, the upstream output's context, type,
// partitions, a logger, resources.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "strata/core/contexts/output_context.hpp"

namespace strata {

struct InputContextFields {
  std::optional<AssetKey> asset_key{};  // the upstream asset, when loading an asset
  std::string name{};                   // the input's name
  std::string step_key{};               // the step that consumes the input
  std::string run_id{};
  Metadata metadata{};             // metadata declared on the input (AssetIn / In)
  const TypeInfo* type = nullptr;  // the C++ type the consumer expects
  PartitionScope partitions{};     // the upstream partitions to load
  Logger log{};
  const Resources* resources = nullptr;
  std::shared_ptr<const OutputContext> upstream_output{};  // null when nothing upstream produced it
};

class InputContext : public PartitionAccessors {
 public:
  explicit InputContext(InputContextFields fields);

  bool has_asset_key() const { return fields_.asset_key.has_value(); }
  const AssetKey& asset_key() const;
  const std::string& name() const { return fields_.name; }
  const std::string& step_key() const { return fields_.step_key; }
  const std::string& run_id() const { return fields_.run_id; }
  const Metadata& metadata() const { return fields_.metadata; }
  const TypeInfo& type() const;
  bool has_type() const { return fields_.type != nullptr; }
  const Logger& log() const { return fields_.log; }
  const Resources& resources() const;
  // The context the upstream output was stored with, or null (external data, input managers).
  const OutputContext* upstream_output() const { return fields_.upstream_output.get(); }

 private:
  InputContextFields fields_;
};

}  // namespace strata
