#include "strata/core/contexts/execution_context.hpp"

#include <thread>

#include "strata/core/util/error.hpp"

namespace strata {

ExecutionContext::ExecutionContext(const NodeDef& node, std::string run_id, std::string step_key, Logger log,
                                   const Resources& resources, PartitionScope partitions, StepRuntime& runtime)
    : PartitionAccessors(std::move(partitions), step_key),
      node_(node),
      run_id_(std::move(run_id)),
      step_key_(std::move(step_key)),
      log_(std::move(log)),
      resources_(resources),
      runtime_(runtime) {}

bool StepRuntime::wait_unless_canceled(std::chrono::milliseconds timeout) const {
  // A runtime without cancellation: nothing can wake the wait early.
  std::this_thread::sleep_for(timeout);
  return is_canceled();
}

void ExecutionContext::check_canceled() const {
  if (is_canceled()) throw CanceledError("step '" + step_key_ + "' stopped: the run was canceled");
}

const AssetKey& ExecutionContext::asset_key() const {
  if (node_.outputs.size() != 1 || !node_.outputs[0].asset_key) {
    throw Error("step '" + step_key_ + "' is a " + node_kind_name(node_.kind) +
                (node_.outputs.size() > 1 ? " with several outputs" : "") + ": asset_key() needs a single-asset step");
  }
  return *node_.outputs[0].asset_key;
}

size_t ExecutionContext::output_index_for(const std::string& output_name) const {
  if (output_name.empty()) {
    if (node_.outputs.size() == 1) return 0;
    throw Error("step '" + step_key_ + "' has " + std::to_string(node_.outputs.size()) +
                " outputs: name the output to add metadata to");
  }
  int index = node_.output_index(output_name);
  if (index < 0) {
    std::string known;
    for (const auto& out : node_.outputs) known += (known.empty() ? "" : ", ") + out.name;
    throw Error("step '" + step_key_ + "' has no output named '" + output_name + "' (outputs: " + known + ")");
  }
  return static_cast<size_t>(index);
}

void ExecutionContext::add_output_metadata(const Metadata& metadata, const std::string& output_name) {
  runtime_.add_output_metadata(output_index_for(output_name), metadata);
}

void ExecutionContext::yield_value(const std::string& output_name, Value value, Metadata metadata) {
  size_t index = output_index_for(output_name);
  const OutputDef& out = node_.outputs[index];
  if (out.type && value.has_value() && !(value.type() == *out.type)) {
    throw TypeMismatchError("step '" + step_key_ + "' yielded output '" + out.name + "' as " + value.type().name +
                            " but it is declared as " + out.type->name);
  }
  runtime_.yield_output(index, std::move(value), std::move(metadata));
}

}  // namespace strata
