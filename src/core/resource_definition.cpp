#include "strata/core/resource_definition.hpp"

#include <nlohmann/json.hpp>

#include "strata/core/secret_masking.hpp"

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
  for (const auto& field : fields_(*prototype_)) {
    std::string text = field.ops->describe(field.field);  // secret fields describe themselves masked
    if (!field.ops->secret(field.field)) {
      if (is_secret_name(field.name)) {
        text = kMaskedValue;
      } else {
        // Literals are described as JSON: mask what is secret inside (map keys, URL passwords).
        nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
        text = value.is_discarded() ? mask_url_passwords(text) : mask_secrets(value).dump();
      }
    }
    out.emplace_back(field.name, std::move(text));
  }
  return out;
}

std::vector<std::string> ResourceDefinition::secret_fields() const {
  std::vector<std::string> names;
  for (const auto& field : fields_(*prototype_)) {
    if (field.ops->secret(field.field)) names.emplace_back(field.name);
  }
  return names;
}

}  // namespace strata
