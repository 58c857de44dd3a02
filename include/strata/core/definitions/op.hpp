// Ops: plain computations wired output → input inside a job body, Dagster's `op_2(op_1())` shape:
//
//   auto op_1 = strata::op("op_1", [] { return 1; });
//   auto op_2 = strata::op("op_2", {.ins = {"a"}}, [](int a) { return a + 1; });
//   auto my_job = strata::job("my_job", [&] { op_2(op_1()); },
//                             {.resources = {{"io_manager", strata::FilesystemIOManager{}}}});
//
// Calling an op inside a job body records an invocation and returns a handle to its output(s); the
// types of the wired output and input are checked right there. An input with no upstream is loaded
// by an input manager (a root input, as for assets):
//
//   auto load = strata::op("load", {.ins = {strata::AssetIn{.name = "raw", .input_manager_key = "files"}}},
//                          [](const std::string& raw) { return raw.size(); });
//   auto j = strata::job("j", [&] { load(); });   // `raw` comes from the input manager "files"
#pragma once

#include <string>
#include <vector>

#include "strata/core/definitions/asset.hpp"

namespace strata {

// Options of an op's output.
struct Out {
  std::string io_manager_key{};
  bool is_required = true;
  Metadata metadata{};
  std::string description{};
};

// A typed, named output of a multi-output op: strata::op_out<T>("name", {...}).
struct OpOut {
  std::string name{};
  const TypeInfo* type = nullptr;
  Out options{};
};

template <class T>
OpOut op_out(std::string name, Out options = {}) {
  return OpOut{std::move(name), &type_of<T>(), std::move(options)};
}

struct OpOptions {
  std::vector<InSpec> ins{};  // one name per parameter after the optional context
  Out out{};                  // the single output "result"
  std::vector<OpOut> outs{};  // or several named outputs, yielded by the body or returned as a tuple
  std::string description{};
  std::vector<std::string> required_resource_keys{};
  std::optional<RetryPolicy> retry_policy{};  // retries of a failed step (null: the job's default)
  std::string pool{};                         // concurrency pool of the step (strata.yaml concurrency.pools limits it)
  StepResources resources{};                  // what the step asks of a cluster node (the Slurm executor)
};

// OutputHandle::invocation of an op input with no upstream, loaded by its input manager.
inline constexpr int kRootInput = -2;

// One output of one op invocation inside a job body (or, with kRootInput, an unwired root input).
struct OutputHandle {
  int invocation = -1;
  int output = 0;
  const TypeInfo* type = nullptr;
  std::string label{};  // "op_1.result", for messages
};

// What calling an op in a job body returns: its single output, or its outputs by name.
class InvocationResult {
 public:
  InvocationResult(int invocation, NodePtr node, std::string step_key)
      : invocation_(invocation), node_(std::move(node)), step_key_(std::move(step_key)) {}
  // The only output; throws DefinitionError when the op has several (use ["name"]).
  operator OutputHandle() const;
  OutputHandle operator[](const std::string& output_name) const;

 private:
  int invocation_;
  NodePtr node_;
  std::string step_key_;
};

class OpDefinition {
 public:
  explicit OpDefinition(NodePtr node) : node_(std::move(node)) {}
  const NodeDef& node() const { return *node_; }
  const NodePtr& node_ptr() const { return node_; }
  const std::string& name() const { return node_->name; }

  // The same op under another step name (to use it twice with distinct names).
  OpDefinition alias(const std::string& name) const;

  // Records an invocation in the job body being built; inputs are wired in parameter order. Inputs
  // declared with `input_manager_key` may be left out (all of them at once): they are root inputs,
  // loaded by that input manager, and the given handles wire the other inputs in order.
  template <class... Handles>
  InvocationResult operator()(const Handles&... inputs) const {
    return invoke({static_cast<OutputHandle>(inputs)...});
  }
  InvocationResult invoke(std::vector<OutputHandle> inputs) const;

 private:
  NodePtr node_;
};

namespace detail {
OpDefinition make_op(std::string name, OpOptions options, std::vector<const TypeInfo*> input_types,
                     const TypeInfo* single_output_type, std::optional<std::vector<const TypeInfo*>> returned_types,
                     ComputeFn compute, ConfigSchemaPtr config);
}

template <class F>
OpDefinition op(std::string name, OpOptions options, F fn) {
  using Sig = detail::Signature<F>;
  using R = typename Sig::result;
  auto inputs = detail::input_types<Sig>(std::make_index_sequence<Sig::input_count>());
  if (options.outs.empty()) {
    using Stored = typename detail::stored_type<R>::type;
    return detail::make_op(std::move(name), std::move(options), std::move(inputs), &type_of<Stored>(), std::nullopt,
                           detail::single_output_compute(std::move(fn)), detail::config_schema<Sig>());
  }
  std::optional<std::vector<const TypeInfo*>> returned;
  if constexpr (!std::is_void_v<R> && !is_output<R>::value) {
    if constexpr (requires { std::tuple_size<R>::value; }) returned = detail::tuple_types<R>::get();
  }
  if constexpr (requires { std::tuple_size<R>::value; } || std::is_void_v<R>) {
    return detail::make_op(std::move(name), std::move(options), std::move(inputs), nullptr, std::move(returned),
                           detail::multi_output_compute(std::move(fn)), detail::config_schema<Sig>());
  } else {
    throw DefinitionError("op '" + name +
                          "' declares several outs: its function must return void (and yield "
                          "outputs through the context) or a std::tuple with one element per out");
  }
}

template <class F>
OpDefinition op(std::string name, F fn) {
  return op(std::move(name), OpOptions{}, std::move(fn));
}

}  // namespace strata
