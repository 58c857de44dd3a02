#include "strata/core/definitions/job.hpp"

namespace strata {
namespace detail {
std::vector<OpInvocation> record_graph(const std::string& job_name, const std::function<void()>& body);
}

JobDefinition::JobDefinition(std::string name, AssetSelection selection, JobOptions options)
    : name_(std::move(name)), kind_(Kind::kAssets), selection_(std::move(selection)), options_(std::move(options)) {
  if (options_.op_retry_policy) options_.op_retry_policy->validate("job '" + name_ + "'");
}

JobDefinition::JobDefinition(std::string name, std::vector<OpInvocation> invocations, JobOptions options)
    : name_(std::move(name)),
      kind_(Kind::kOps),
      selection_(AssetSelection::keys({})),
      invocations_(std::move(invocations)),
      options_(std::move(options)) {
  if (options_.op_retry_policy) options_.op_retry_policy->validate("job '" + name_ + "'");
}

JobDefinition job(std::string name, const std::function<void()>& body, JobOptions options) {
  if (name.empty()) throw DefinitionError("a job needs a name");
  auto invocations = detail::record_graph(name, body);
  if (invocations.empty()) throw DefinitionError("job '" + name + "' invokes no ops");
  return JobDefinition(std::move(name), std::move(invocations), std::move(options));
}

JobDefinition define_asset_job(std::string name, AssetSelection selection, JobOptions options) {
  if (name.empty()) throw DefinitionError("a job needs a name");
  return JobDefinition(std::move(name), std::move(selection), std::move(options));
}

}  // namespace strata
