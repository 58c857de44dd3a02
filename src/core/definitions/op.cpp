#include "strata/core/definitions/op.hpp"

#include <map>
#include <set>

#include "strata/core/definitions/job.hpp"

namespace strata {
namespace detail {

// The job body being recorded on this thread (op calls outside a job body are an error).
struct GraphBuilder {
  std::string job_name;
  std::vector<OpInvocation> invocations;
  std::map<std::string, int> uses;  // op name → times invoked, for step keys op, op_2, op_3
};

thread_local GraphBuilder* current_graph = nullptr;

std::vector<OpInvocation> record_graph(const std::string& job_name, const std::function<void()>& body) {
  if (current_graph != nullptr) throw DefinitionError("job '" + job_name + "' is defined inside another job's body");
  GraphBuilder builder{job_name, {}, {}};
  current_graph = &builder;
  try {
    body();
  } catch (...) {
    current_graph = nullptr;
    throw;
  }
  current_graph = nullptr;
  return std::move(builder.invocations);
}

OpDefinition make_op(std::string name, OpOptions options, std::vector<const TypeInfo*> input_types,
                     const TypeInfo* single_output_type, std::optional<std::vector<const TypeInfo*>> returned_types,
                     ComputeFn compute, ConfigSchemaPtr config) {
  if (name.empty()) throw DefinitionError("an op needs a name");
  std::string owner = "op '" + name + "'";
  auto node = std::make_shared<NodeDef>();
  node->name = name;
  node->kind = NodeKind::kOp;
  node->description = options.description;
  node->pool = options.pool;
  options.resources.validate(owner);
  node->resources = options.resources;
  if (options.ins.size() != input_types.size()) {
    throw DefinitionError(owner + ": the function takes " + std::to_string(input_types.size()) +
                          " input(s) but `ins` names " + std::to_string(options.ins.size()));
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < input_types.size(); ++i) {
    const AssetIn& in = options.ins[i].get();
    if (!seen.insert(in.name).second) throw DefinitionError(owner + ": input '" + in.name + "' is named twice");
    node->inputs.push_back({in.name, input_types[i], std::nullopt, in.metadata, in.input_manager_key, nullptr});
  }
  node->required_resource_keys = std::move(options.required_resource_keys);
  if (options.retry_policy) options.retry_policy->validate("op '" + node->name + "'");
  node->retry_policy = options.retry_policy;
  if (single_output_type != nullptr) {
    OutputDef out;
    out.type = single_output_type;
    out.io_manager_key = std::move(options.out.io_manager_key);
    out.is_required = options.out.is_required;
    out.metadata = std::move(options.out.metadata);
    out.description = std::move(options.out.description);
    node->outputs.push_back(std::move(out));
  } else {
    if (returned_types && returned_types->size() != options.outs.size()) {
      throw DefinitionError(owner + ": the function returns a tuple of " + std::to_string(returned_types->size()) +
                            " values but declares " + std::to_string(options.outs.size()) + " outs");
    }
    std::set<std::string> names;
    for (size_t i = 0; i < options.outs.size(); ++i) {
      OpOut& op_out = options.outs[i];
      if (!names.insert(op_out.name).second)
        throw DefinitionError(owner + ": out '" + op_out.name + "' is declared twice");
      if (returned_types && !(*(*returned_types)[i] == *op_out.type)) {
        throw DefinitionError(owner + ": out '" + op_out.name + "' is declared as " + op_out.type->name +
                              " but the function returns " + (*returned_types)[i]->name);
      }
      OutputDef out;
      out.name = op_out.name;
      out.type = op_out.type;
      out.io_manager_key = std::move(op_out.options.io_manager_key);
      out.is_required = op_out.options.is_required;
      out.metadata = std::move(op_out.options.metadata);
      out.description = std::move(op_out.options.description);
      node->outputs.push_back(std::move(out));
    }
  }
  node->compute = std::move(compute);
  node->config = std::move(config);
  return OpDefinition(std::move(node));
}

// The inputs of one invocation, one per node input: all of them as given, or, when only the inputs
// without an input manager are given, those in order and a root-input handle for the others.
std::vector<OutputHandle> wire_root_inputs(const NodeDef& node, std::vector<OutputHandle> given,
                                           const std::string& where) {
  if (given.size() == node.inputs.size()) return given;
  std::vector<OutputHandle> wired;
  std::string roots;
  size_t next = 0;
  for (const auto& in : node.inputs) {
    if (!in.input_manager_key.empty()) {
      wired.push_back(OutputHandle{kRootInput, 0, in.type, in.name});
      roots += (roots.empty() ? "" : ", ") + in.name;
      continue;
    }
    if (next == given.size()) {
      throw DefinitionError(where + ": input '" + in.name +
                            "' has no upstream output and no input manager; wire an output to it or give it "
                            "`input_manager_key` (takes " +
                            std::to_string(node.inputs.size()) + " input(s), was given " +
                            std::to_string(given.size()) + ")");
    }
    wired.push_back(given[next++]);
  }
  if (next != given.size()) {
    throw DefinitionError(where + ": takes " + std::to_string(node.inputs.size()) + " input(s)" +
                          (roots.empty() ? "" : " (" + roots + " loaded by input managers when left unwired)") +
                          " but was given " + std::to_string(given.size()));
  }
  return wired;
}

}  // namespace detail

InvocationResult::operator OutputHandle() const {
  if (node_->outputs.size() != 1) {
    throw DefinitionError("op '" + step_key_ + "' has " + std::to_string(node_->outputs.size()) +
                          " outputs: pick one with [\"name\"]");
  }
  return (*this)[node_->outputs[0].name];
}

OutputHandle InvocationResult::operator[](const std::string& output_name) const {
  int index = node_->output_index(output_name);
  if (index < 0) throw DefinitionError("op '" + step_key_ + "' has no output named '" + output_name + "'");
  return OutputHandle{invocation_, index, node_->outputs[static_cast<size_t>(index)].type,
                      step_key_ + "." + output_name};
}

OpDefinition OpDefinition::alias(const std::string& name) const {
  auto copy = std::make_shared<NodeDef>(*node_);
  copy->name = name;
  return OpDefinition(std::move(copy));
}

InvocationResult OpDefinition::invoke(std::vector<OutputHandle> inputs) const {
  detail::GraphBuilder* graph = detail::current_graph;
  if (graph == nullptr) {
    throw DefinitionError("op '" + node_->name + "' was called outside a job body; call ops inside strata::job(...)");
  }
  int uses = ++graph->uses[node_->name];
  std::string step_key = uses == 1 ? node_->name : node_->name + "_" + std::to_string(uses);
  std::string where = "job '" + graph->job_name + "', op '" + step_key + "'";
  inputs = detail::wire_root_inputs(*node_, std::move(inputs), where);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const InputDef& in = node_->inputs[i];
    const OutputHandle& handle = inputs[i];
    if (handle.invocation == kRootInput) continue;
    if (handle.invocation < 0 || handle.invocation >= static_cast<int>(graph->invocations.size())) {
      throw DefinitionError(where + ": input '" + in.name + "' is wired to an output of another job body");
    }
    if (!(*handle.type == *in.type)) {
      throw DefinitionError(where + ": input '" + in.name + "' expects " + in.type->name + " but '" + handle.label +
                            "' produces " + handle.type->name);
    }
  }
  int index = static_cast<int>(graph->invocations.size());
  graph->invocations.push_back({step_key, node_, std::move(inputs)});
  return InvocationResult(index, node_, step_key);
}

}  // namespace strata
