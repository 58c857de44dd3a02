#include "strata/core/resources/resource_definition.hpp"

#include <nlohmann/json.hpp>

namespace strata {

std::shared_ptr<Resource> ResourceDefinition::instantiate(const std::string& key, const RunConfig& run_config) const {
  std::shared_ptr<Resource> instance = clone_ ? clone_(*prototype_) : prototype_;
  apply_config(fields_(*instance), run_config.resource_config(key), "resource '" + key + "'", "resources", key);
  return instance;
}

std::vector<std::pair<std::string, std::string>> ResourceDefinition::describe() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& field : fields_(*prototype_)) out.emplace_back(field.name, describe_field(field));
  return out;
}

std::vector<std::string> ResourceDefinition::secret_fields() const { return secret_field_names(fields_(*prototype_)); }

}  // namespace strata
