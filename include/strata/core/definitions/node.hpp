// NodeDef: the compiled form of an asset, multi-asset, source asset or op: typed inputs, typed
// outputs, ordering-only deps, required resources and a compute function. The user-facing builders
// (asset(), multi_asset(), op(), source_asset()) fill it in from the callable's signature.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/definitions/asset_key.hpp"
#include "strata/core/definitions/backfill_policy.hpp"
#include "strata/core/definitions/retry_policy.hpp"
#include "strata/core/definitions/step_resources.hpp"
#include "strata/core/partitions/partition_mapping.hpp"
#include "strata/core/partitions/partitions.hpp"
#include "strata/core/types/metadata.hpp"
#include "strata/core/types/type_info.hpp"

namespace strata {

class ExecutionContext;
class ConfigSchema;

struct InputDef {
  std::string name{};
  const TypeInfo* type = nullptr;
  std::optional<AssetKey> asset_key{};  // the upstream asset (asset inputs); empty for op inputs
  Metadata metadata{};
  std::string input_manager_key{};          // load with this input manager instead of the upstream's manager
  PartitionMappingPtr partition_mapping{};  // null: the default mapping for the two definitions
};

struct OutputDef {
  std::string name = "result";
  const TypeInfo* type = nullptr;       // type_of<void>() when the function returns nothing
  std::optional<AssetKey> asset_key{};  // set for asset outputs
  std::string io_manager_key{};         // empty: "io_manager", then the built-in default
  bool is_required = true;              // a multi-asset / op may skip a non-required output
  bool per_partition = false;           // the function returns PerPartition<T>: one value per partition
  Metadata metadata{};
  std::string description{};
  std::string group{};
  std::string code_version{};

  bool has_value() const;  // false for `void` outputs: nothing to store or load
};

enum class NodeKind { kAsset, kMultiAsset, kSourceAsset, kOp };
const char* node_kind_name(NodeKind kind);

// Runs the user's function: reads inputs and yields outputs through the context.
using ComputeFn = std::function<void(ExecutionContext&)>;

struct NodeDef {
  std::string name;  // op name; for assets the key in identifier form
  NodeKind kind = NodeKind::kAsset;
  std::string description;
  std::vector<InputDef> inputs;
  std::vector<OutputDef> outputs;
  std::vector<AssetKey> deps;  // ordering only, nothing loaded
  std::vector<std::string> required_resource_keys;
  PartitionsPtr partitions;                       // null: not partitioned
  std::optional<BackfillPolicy> backfill_policy;  // null: one partition per run
  std::optional<RetryPolicy> retry_policy;        // null: the job's default, else no retries
  ComputeFn compute;                              // empty for source assets
  std::shared_ptr<const ConfigSchema> config;     // the function's config parameter; null: it takes none
  // The concurrency pool the step runs in (empty: none); the instance limits how many steps of a
  // pool run at once across all runs and processes (storage/pool_slots.hpp).
  std::string pool;
  // What the step asks of the node that runs it on a cluster (core/definitions/step_resources.hpp).
  StepResources resources;

  // Index of the output named `name`, or -1.
  int output_index(const std::string& name) const;
};

using NodePtr = std::shared_ptr<const NodeDef>;

}  // namespace strata
