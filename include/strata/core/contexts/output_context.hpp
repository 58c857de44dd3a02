// OutputContext: everything an I/O manager may need to store one output: which asset or op output,
// which run and step, definition metadata, type, partitions, a logger, resources. Managers add
// metadata to the materialization through add_output_metadata().
#pragma once

#include <optional>
#include <string>

#include "strata/core/contexts/logger.hpp"
#include "strata/core/definitions/asset_key.hpp"
#include "strata/core/partitions/partition_scope.hpp"
#include "strata/core/resources/resource.hpp"
#include "strata/core/types/metadata.hpp"
#include "strata/core/types/type_info.hpp"

namespace strata {

struct OutputContextFields {
  std::optional<AssetKey> asset_key{};  // set for asset outputs, empty for plain op outputs
  std::string name = "result";          // the output's name
  std::string step_key{};
  std::string run_id{};
  Metadata definition_metadata{};  // metadata declared on the asset or Out
  const TypeInfo* type = nullptr;  // the C++ type of the value
  std::string code_version{};
  PartitionScope partitions{};
  Logger log{};
  const Resources* resources = nullptr;
  // Set by the executor when it records the materialization durably before readers may see the new
  // data: the manager stages the write and Strata calls IOManager::publish_output afterwards.
  bool publish_deferred = false;
};

class OutputContext : public PartitionAccessors {
 public:
  explicit OutputContext(OutputContextFields fields);

  bool has_asset_key() const { return fields_.asset_key.has_value(); }
  // Throws Error naming the step and output when this output is not an asset.
  const AssetKey& asset_key() const;
  const std::string& name() const { return fields_.name; }
  const std::string& step_key() const { return fields_.step_key; }
  const std::string& run_id() const { return fields_.run_id; }
  const Metadata& metadata() const { return fields_.definition_metadata; }
  const std::string& code_version() const { return fields_.code_version; }
  // The value's type; throws Error when the context was built without one.
  const TypeInfo& type() const;
  bool has_type() const { return fields_.type != nullptr; }
  const Logger& log() const { return fields_.log; }
  // Throws Error when the context has no resources (a context built in a test without them).
  const Resources& resources() const;
  // Whether handle_output must stage the new data and leave what readers load unchanged until
  // IOManager::publish_output (see core/resources/io_manager.hpp).
  bool publish_deferred() const { return fields_.publish_deferred; }

  // Adds entries to the materialization (and handled-output) event of this output.
  void add_output_metadata(const Metadata& metadata) { added_.merge(metadata); }
  const Metadata& output_metadata() const { return added_; }

 private:
  OutputContextFields fields_;
  Metadata added_;
};

}  // namespace strata
