#include "strata/core/resource_definition.hpp"

#include <nlohmann/json.hpp>

namespace strata {

std::shared_ptr<Resource> ResourceDefinition::instantiate(const std::string& key, const RunConfig& run_config) const {
  std::shared_ptr<Resource> instance = clone_ ? clone_(*prototype_) : prototype_;
  std::vector<FieldRef> fields = fields_(*instance);
  if (const nlohmann::json* config = run_config.resource_config(key)) {
    for (const auto& [name, value] : config->items()) {
      auto field = std::find_if(fields.begin(), fields.end(), [&](const FieldRef& f) { return name == f.name; });
      if (field == fields.end()) {
        std::string known;
        for (const auto& f : fields) known += (known.empty() ? "" : ", ") + std::string(f.name);
        throw ConfigError("resource '" + key + "': unknown config field '" + name +
                          "' (fields: " + (known.empty() ? "none" : known) + ")");
      }
      try {
        field->ops->apply(field->field, value);
      } catch (const ConfigError&) {
        throw;
      } catch (const std::exception&) {
        throw ConfigError("resource '" + key + "': config field '" + name + "' expects " + field->ops->type_name +
                          ", got " + value.type_name());
      }
    }
  }
  for (const auto& field : fields) field.ops->resolve(field.field, key + "." + field.name);
  return instance;
}

std::vector<std::pair<std::string, std::string>> ResourceDefinition::describe() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& field : fields_(*prototype_)) out.emplace_back(field.name, field.ops->describe(field.field));
  return out;
}

}  // namespace strata
