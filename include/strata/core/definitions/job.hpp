// Jobs: what a run executes. An asset job materializes a selection of assets; an op job runs the
// ops wired in its body. Either may carry resource definitions of its own (resource_defs), which
// take precedence over the Definitions' resources for that job.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/definitions/asset_selection.hpp"
#include "strata/core/definitions/executor_kind.hpp"
#include "strata/core/definitions/op.hpp"
#include "strata/core/resources/resource_definition.hpp"

namespace strata {

// One op invocation in an op job: its step key and where each input comes from.
struct OpInvocation {
  std::string step_key{};
  NodePtr node{};
  std::vector<OutputHandle> inputs{};  // in input order; invocation kRootInput: loaded by the input manager
};

struct JobOptions {
  std::map<std::string, ResourceDefinition> resources{};
  std::string description{};
  std::map<std::string, std::string> tags{};
  std::optional<RetryPolicy> op_retry_policy{};  // for every step without its own retry policy
  // Where the job's steps run unless a run says otherwise (run config, --executor); unset: in process.
  std::optional<ExecutorKind> executor{};
};

class JobDefinition {
 public:
  enum class Kind { kAssets, kOps };

  JobDefinition(std::string name, AssetSelection selection, JobOptions options);
  JobDefinition(std::string name, std::vector<OpInvocation> invocations, JobOptions options);

  const std::string& name() const { return name_; }
  Kind kind() const { return kind_; }
  const AssetSelection& selection() const { return selection_; }
  const std::vector<OpInvocation>& invocations() const { return invocations_; }
  const std::map<std::string, ResourceDefinition>& resources() const { return options_.resources; }
  const std::string& description() const { return options_.description; }
  const std::map<std::string, std::string>& tags() const { return options_.tags; }
  const std::optional<RetryPolicy>& op_retry_policy() const { return options_.op_retry_policy; }
  const std::optional<ExecutorKind>& executor() const { return options_.executor; }

 private:
  std::string name_;
  Kind kind_;
  AssetSelection selection_;
  std::vector<OpInvocation> invocations_;
  JobOptions options_;
};

// An op job: `body` calls ops (op_2(op_1())); each call becomes a step. Throws DefinitionError on
// wiring errors (type mismatch, wrong number of inputs) naming the ops and types.
JobDefinition job(std::string name, const std::function<void()>& body, JobOptions options = {});

// A job that materializes `selection` of the Definitions' assets.
JobDefinition define_asset_job(std::string name, AssetSelection selection, JobOptions options = {});

}  // namespace strata
