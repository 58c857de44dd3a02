// ExecutionContext: what an asset or op body receives as its optional first parameter
// (`AssetContext& ctx`): run and step identity, a logger, resources, partitions, and the means to
// add output metadata and to yield outputs one by one (multi-assets, multi-output ops).
#pragma once

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "strata/core/contexts/logger.hpp"
#include "strata/core/definitions/asset_key.hpp"
#include "strata/core/definitions/node.hpp"
#include "strata/core/partitions/partition_scope.hpp"
#include "strata/core/resources/resource.hpp"
#include "strata/core/types/metadata.hpp"
#include "strata/core/types/value.hpp"

namespace strata {

// The executor's side of a running step (implemented in strata::execution).
class StepRuntime {
 public:
  virtual ~StepRuntime() = default;
  // The value loaded for input `index`.
  virtual const Value& input(size_t index) = 0;
  // Stores output `index` now (through its I/O manager) and records its materialization.
  virtual void yield_output(size_t index, Value value, Metadata metadata) = 0;
  // Stores output `index` as one value per partition (PerPartition<T>), each through the I/O
  // manager as in a run of that one partition, and records one materialization per partition.
  virtual void yield_per_partition(size_t index, std::vector<std::pair<std::string, Value>> values,
                                   Metadata metadata) = 0;
  // Metadata to add to output `index`'s materialization when it is stored.
  virtual void add_output_metadata(size_t index, const Metadata& metadata) = 0;
  // Whether the run was asked to stop (see ExecutionContext::is_canceled).
  virtual bool is_canceled() const { return false; }
  // Waits up to `timeout`, returning early (true) when the run is canceled.
  virtual bool wait_unless_canceled(std::chrono::milliseconds timeout) const;
  // The step's config object for this run (NodeDef::config instantiated), empty when it has none.
  virtual const Value& config() = 0;
};

// One step's context, created by the executor for one attempt of the step and valid only while the
// step's function runs: do not keep it, or pointers into it, after the function returns. It belongs
// to the step's thread; a function that starts threads of its own may call log(), is_canceled() and
// the const accessors from them, but must join them before it returns.
class ExecutionContext : public PartitionAccessors {
 public:
  ExecutionContext(const NodeDef& node, std::string run_id, std::string step_key, Logger log,
                   const Resources& resources, PartitionScope partitions, StepRuntime& runtime);

  const std::string& run_id() const { return run_id_; }
  const std::string& step_key() const { return step_key_; }
  const std::string& op_name() const { return node_.name; }
  const Logger& log() const { return log_; }
  const Resources& resources() const { return resources_; }
  const NodeDef& node() const { return node_; }

  // The asset key of a single-asset step; throws Error for multi-assets and ops.
  const AssetKey& asset_key() const;

  // Adds metadata to the materialization of the only output, or of `output_name`.
  void add_output_metadata(const Metadata& metadata, const std::string& output_name = "");

  // Stores one output now (multi-assets and multi-output ops may yield outputs one by one; an output
  // that is never yielded is skipped, which fails the step only if it is required). Throws
  // TypeMismatchError when T is not the declared type, Error for unknown or twice-yielded outputs.
  template <class T>
  void yield_output(const std::string& output_name, T&& value, Metadata metadata = {}) {
    yield_value(output_name, Value::of(std::forward<T>(value)), std::move(metadata));
  }
  void yield_value(const std::string& output_name, Value value, Metadata metadata = {});

  // Whether the run was asked to stop (`runs cancel`, Ctrl-C, RunOptions::cancellation). A long
  // step checks it now and then and returns or throws; check_canceled() throws CanceledError.
  // Thread-safe, cheap (an atomic load).
  bool is_canceled() const { return runtime_.is_canceled(); }
  void check_canceled() const;
  // Sleeps up to `timeout`, waking at once when the run is canceled; true when it was.
  bool wait_unless_canceled(std::chrono::milliseconds timeout) const { return runtime_.wait_unless_canceled(timeout); }

  const Value& input_value(size_t index) { return runtime_.input(index); }
  // The config object the function takes as a parameter (config_schema.hpp); empty when none.
  const Value& step_config() { return runtime_.config(); }
  StepRuntime& runtime() { return runtime_; }

 private:
  size_t output_index_for(const std::string& output_name) const;

  const NodeDef& node_;
  std::string run_id_;
  std::string step_key_;
  Logger log_;
  const Resources& resources_;
  StepRuntime& runtime_;
};

using AssetContext = ExecutionContext;
using OpContext = ExecutionContext;

}  // namespace strata
