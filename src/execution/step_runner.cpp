#include "step_runner.hpp"

#include <map>
#include <set>

#include "run.hpp"
#include "strata/core/resources/io_manager.hpp"
#include "strata/core/types/system_metadata.hpp"

namespace strata::detail {

StepRunner::StepRunner(Run& run, int index, int64_t start_us)
    : run_(run),
      index_(index),
      start_us_(start_us),
      step_(run.plan().steps()[static_cast<size_t>(index)]),
      logger_(run.events().logger_for(step_.key)),
      pending_metadata_(step_.node->outputs.size()) {}

void StepRunner::load_inputs() {
  const NodeDef& node = *step_.node;
  inputs_.reserve(step_.inputs.size());
  for (size_t i = 0; i < step_.inputs.size(); ++i) {
    const PlanInput& source = step_.inputs[i];
    const InputDef& def = node.inputs[i];
    Resource& resource = run_.resources().at(source.manager_key);
    auto* manager = dynamic_cast<InputManager*>(&resource);
    if (manager == nullptr) {
      throw ConfigError("input '" + def.name + "' of step '" + step_.key + "': resource '" + source.manager_key +
                        "' is not an input or I/O manager");
    }
    PartitionScope scope;
    if (source.mapping) {
      const PartitionsDefinition& upstream_partitions = *source.upstream_node->partitions;
      const PartitionsDefinition* own = node.partitions.get();
      std::vector<std::string> keys =
          source.mapping->upstream_keys(own ? run_.options().partition_keys : std::vector<std::string>{}, own,
                                        upstream_partitions, run_.partition_store());
      scope = make_partition_scope(upstream_partitions, std::move(keys));
    }
    std::shared_ptr<const OutputContext> upstream;
    if (source.step >= 0) {
      upstream = run_.state(source.step).outputs[static_cast<size_t>(source.output)];
    } else if (source.upstream_output != nullptr) {
      upstream = std::make_shared<OutputContext>(
          OutputContextFields{source.upstream_output->asset_key, source.upstream_output->name, source.upstream_step_key,
                              source.from_run_id, source.upstream_output->metadata, source.upstream_output->type,
                              source.upstream_output->code_version, scope, logger_, &run_.resources()});
    }
    InputContext context(InputContextFields{def.asset_key, def.name, step_.key, run_.run_id(), def.metadata, def.type,
                                            std::move(scope), logger_, &run_.resources(), std::move(upstream)});
    Value value = manager->load_input(context);
    if (!value.has_value() || !(value.type() == *def.type)) {
      throw TypeMismatchError("input '" + def.name + "' of step '" + step_.key + "' expects " + def.type->name +
                              " but manager '" + source.manager_key + "' returned " +
                              (value.has_value() ? value.type().name : std::string("nothing")));
    }
    Event event = RunEvents::make(EventType::kLoadedInput, step_.key,
                                  "Loaded input '" + def.name + "' using input manager '" + source.manager_key + "'");
    event.name = def.name;
    event.asset_key = def.asset_key;
    run_.events().emit(std::move(event));
    inputs_.push_back(std::move(value));
  }
}

void StepRunner::yield_output(size_t index, Value value, Metadata metadata) {
  std::vector<Piece> pieces;
  pieces.push_back({run_.step_scope(*step_.node), std::move(value)});
  store_output(index, std::move(pieces), metadata);
}

void StepRunner::yield_per_partition(size_t index, std::vector<std::pair<std::string, Value>> values,
                                     Metadata metadata) {
  const NodeDef& node = *step_.node;
  PartitionScope scope = run_.step_scope(node);
  std::map<std::string, Value> by_key;
  for (auto& [key, value] : values) by_key.emplace(key, std::move(value));
  std::vector<std::string> missing;
  for (const auto& key : scope.keys) {
    if (!by_key.count(key)) missing.push_back(key);
  }
  std::vector<std::string> unexpected;
  std::set<std::string> in_scope(scope.keys.begin(), scope.keys.end());
  for (const auto& [key, value] : by_key) {
    if (!in_scope.count(key)) unexpected.push_back(key);
  }
  if (node.partitions == nullptr || !missing.empty() || !unexpected.empty()) {
    auto list = [](const std::vector<std::string>& keys) {
      std::string text;
      for (size_t i = 0; i < keys.size() && i < 10; ++i) text += (i ? ", " : "") + keys[i];
      return keys.size() > 10 ? text + ", ... (" + std::to_string(keys.size()) + " in all)" : text;
    };
    std::string why = node.partitions == nullptr ? "the asset is not partitioned"
                      : !missing.empty()         ? "no value for partition(s) " + list(missing)
                                                 : "value(s) for partition(s) not in this run: " + list(unexpected);
    throw Error("step '" + step_.key + "' returned PerPartition values that do not match the run's " +
                std::to_string(scope.keys.size()) + " partition(s): " + why);
  }
  std::vector<Piece> pieces;
  for (const auto& key : scope.keys) {
    pieces.push_back({make_partition_scope(*node.partitions, {key}), std::move(by_key.at(key))});
  }
  store_output(index, std::move(pieces), metadata);
}

bool StepRunner::is_canceled() const { return run_.canceled(); }

bool StepRunner::wait_unless_canceled(std::chrono::milliseconds timeout) const {
  return run_.cancellation().wait_for(timeout);
}

void StepRunner::store_output(size_t index, std::vector<Piece> pieces, const Metadata& metadata) {
  auto& st = run_.state(index_);
  const OutputDef& out = step_.node->outputs.at(index);
  if (st.yielded[index]) throw Error("step '" + step_.key + "' yielded output '" + out.name + "' twice");
  if (run_.canceled()) {
    throw CanceledError("step '" + step_.key + "' yielded output '" + out.name +
                        "' after the run was canceled; it was not stored");
  }
  for (const auto& piece : pieces) {
    if (out.has_value() && !piece.value.has_value()) {
      throw Error("step '" + step_.key + "' yielded no value for output '" + out.name + "'");
    }
  }
  IOManager* manager = nullptr;
  std::string manager_key;
  if (out.has_value()) {
    manager_key = step_.output_managers[index];
    manager = dynamic_cast<IOManager*>(&run_.resources().at(manager_key));
    if (manager == nullptr)
      throw ConfigError("output '" + out.name + "': resource '" + manager_key + "' is not an I/O manager");
  }
  // With an instance, new asset data becomes what readers load only after its materialization is
  // durable: a run that dies in between never changes what downstream reads.
  bool deferred = manager != nullptr && manager->stages_outputs() && run_.events().records_events() && out.asset_key;
  std::vector<std::shared_ptr<OutputContext>> contexts;  // one per piece, in order
  size_t staged = 0;                                     // pieces whose data the manager holds staged
  try {
    for (auto& piece : pieces) {
      auto context = std::make_shared<OutputContext>(
          OutputContextFields{out.asset_key, out.name, step_.key, run_.run_id(), out.metadata, out.type,
                              out.code_version, piece.scope, logger_, &run_.resources(), deferred});
      context->add_output_metadata(pending_metadata_[index]);
      context->add_output_metadata(metadata);
      contexts.push_back(context);
      if (manager != nullptr) {
        manager->handle_output(*context, piece.value);
        if (deferred) ++staged;
      }
    }
    int64_t duration_us = now_unix_us() - start_us_;
    for (const auto& context : contexts) {
      if (out.has_value()) {
        Event handled = RunEvents::make(EventType::kHandledOutput, step_.key,
                                        "Handled output '" + out.name + "' using I/O manager '" + manager_key + "'");
        handled.name = out.name;
        handled.asset_key = out.asset_key;
        handled.metadata = context->output_metadata();
        run_.events().emit(std::move(handled));
      }
      if (!out.asset_key) continue;
      // One materialization per partition the output covers (one for an unpartitioned asset).
      const auto& keys = context->partition_scope().keys;
      std::vector<std::optional<std::string>> partitions = {std::nullopt};
      if (!keys.empty()) partitions.assign(keys.begin(), keys.end());
      Metadata recorded = context->output_metadata();
      recorded.set(kMetadataDuration, static_cast<double>(duration_us) / 1000.0);
      for (const auto& partition : partitions) {
        Event materialization = RunEvents::make(EventType::kMaterialization, step_.key,
                                                "Materialized asset '" + out.asset_key->to_string() + "'" +
                                                    (partition ? " partition '" + *partition + "'" : ""));
        materialization.name = out.name;
        materialization.asset_key = out.asset_key;
        materialization.partition = partition;
        materialization.metadata = recorded;
        run_.events().emit(std::move(materialization));
      }
    }
    if (staged > 0) run_.events().commit();
  } catch (...) {
    for (size_t i = 0; i < staged; ++i) manager->discard_output(*contexts[i]);
    throw;
  }
  for (size_t i = 0; i < staged; ++i) manager->publish_output(*contexts[i]);
  if (contexts.size() == 1) {
    st.outputs[index] = contexts.front();
  } else {
    // Several partitions: what downstream sees of this output covers the run's whole scope.
    st.outputs[index] = std::make_shared<OutputContext>(
        OutputContextFields{out.asset_key, out.name, step_.key, run_.run_id(), out.metadata, out.type, out.code_version,
                            run_.step_scope(*step_.node), logger_, &run_.resources(), deferred});
  }
  st.yielded[index] = 1;
  if (pieces.size() == 1) run_.events().keep_output(step_.key, out, pieces.front().value);
}

void StepRunner::add_output_metadata(size_t index, const Metadata& metadata) {
  if (run_.state(index_).yielded[index]) {
    throw Error("step '" + step_.key + "' added metadata to output '" + step_.node->outputs[index].name +
                "' after it was stored");
  }
  pending_metadata_[index].merge(metadata);
}

const Value& StepRunner::config() { return run_.step_config(index_); }

void StepRunner::check_required_outputs() const {
  auto& st = run_.state(index_);
  for (size_t i = 0; i < step_.node->outputs.size(); ++i) {
    const OutputDef& out = step_.node->outputs[i];
    if (out.is_required && !st.yielded[i]) {
      throw Error("step '" + step_.key + "' did not yield required output '" + out.name + "'");
    }
  }
}

}  // namespace strata::detail
