#include "strata/core/config/config_schema.hpp"

#include <nlohmann/json.hpp>

namespace strata {

std::vector<ConfigFieldInfo> ConfigSchema::fields() const {
  std::shared_ptr<void> defaults = make_();
  std::vector<ConfigFieldInfo> out;
  for (const auto& field : fields_(defaults.get())) {
    bool missing = field.ops->missing(field.field);
    out.push_back({field.name, field.ops->type_name, describe_field(field), missing, field.ops->secret(field.field)});
  }
  return out;
}

Value ConfigSchema::instantiate(const std::string& owner, const std::string& step_key,
                                const nlohmann::json* config) const {
  std::shared_ptr<void> object = make_();
  apply_config(fields_(object.get()), config, owner, "ops", step_key);
  return Value(std::shared_ptr<const void>(std::move(object)), *type_);
}

nlohmann::json ConfigSchema::record(const Value& config) const {
  // The fields are only read: the visitor needs a mutable object, the Value holds a const one.
  return recorded_fields(fields_(const_cast<void*>(config.raw())));
}

}  // namespace strata
