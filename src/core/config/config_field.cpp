#include "strata/core/config/config_field.hpp"

#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>

#include "strata/core/config/secret_masking.hpp"
#include "strata/core/util/error.hpp"
#include "strata/core/util/nearest_name.hpp"

namespace strata {
namespace {

using json = nlohmann::json;

template <class T>
T parse_env(const std::string& text, const std::string& field_path, const std::string& env_name);

template <>
std::string parse_env(const std::string& text, const std::string&, const std::string&) {
  return text;
}

template <>
int64_t parse_env(const std::string& text, const std::string& field_path, const std::string& env_name) {
  try {
    size_t used = 0;
    int64_t value = std::stoll(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw ConfigError("field '" + field_path + "': environment variable " + env_name + " is not an integer");
}

template <>
double parse_env(const std::string& text, const std::string& field_path, const std::string& env_name) {
  try {
    size_t used = 0;
    double value = std::stod(text, &used);
    if (used == text.size()) return value;
  } catch (const std::exception&) {
  }
  throw ConfigError("field '" + field_path + "': environment variable " + env_name + " is not a number");
}

template <>
bool parse_env(const std::string& text, const std::string& field_path, const std::string& env_name) {
  if (text == "1" || text == "true" || text == "TRUE" || text == "yes") return true;
  if (text == "0" || text == "false" || text == "FALSE" || text == "no" || text.empty()) return false;
  throw ConfigError("field '" + field_path + "': environment variable " + env_name + " is not a boolean");
}

template <class T>
std::string describe_literal(const T& value) {
  return json(value).dump();
}

template <class T>
const FieldOps& plain_ops(const char* type_name) {
  static const FieldOps ops{
      type_name,
      [](void* field, const json& value) { *static_cast<T*>(field) = value.get<T>(); },
      [](void*, const std::string&) {},
      [](const void* field) { return describe_literal(*static_cast<const T*>(field)); },
      [](const void*) { return false; },
      [](const void*) { return false; },
      [](const void* field) { return json(*static_cast<const T*>(field)); },
  };
  return ops;
}

template <class T>
const FieldOps& optional_ops(const char* type_name) {
  static const FieldOps ops{
      type_name,
      [](void* field, const json& value) {
        auto& target = *static_cast<std::optional<T>*>(field);
        if (value.is_null()) {
          target.reset();
        } else {
          target = value.get<T>();
        }
      },
      [](void*, const std::string&) {},
      [](const void* field) {
        const auto& value = *static_cast<const std::optional<T>*>(field);
        return value ? describe_literal(*value) : std::string("null");
      },
      [](const void*) { return false; },
      [](const void*) { return false; },
      [](const void* field) {
        const auto& value = *static_cast<const std::optional<T>*>(field);
        return value ? json(*value) : json(nullptr);
      },
  };
  return ops;
}

template <class T>
const FieldOps& setting_ops(const char* type_name) {
  static const FieldOps ops{
      type_name,
      [](void* field, const json& value) {
        auto& setting = *static_cast<Setting<T>*>(field);
        if (value.is_object() && value.contains("env")) {
          setting.set_env(value.at("env").get<std::string>());
        } else {
          setting.set(value.get<T>());
        }
      },
      [](void* field, const std::string& path) { static_cast<Setting<T>*>(field)->resolve(path); },
      [](const void* field) { return static_cast<const Setting<T>*>(field)->describe(); },
      [](const void* field) { return static_cast<const Setting<T>*>(field)->secret(); },
      [](const void* field) { return static_cast<const Setting<T>*>(field)->missing(); },
      [](const void* field) {
        const auto& setting = *static_cast<const Setting<T>*>(field);
        if (setting.from_env()) return json{{"env", setting.env_name()}};
        if (setting.secret()) return json(kMaskedValue);
        return setting.missing() ? json(nullptr) : json(setting.value());
      },
  };
  return ops;
}

}  // namespace

template <class T>
const T& Setting<T>::value() const {
  if (missing()) throw ConfigError("required setting read before run config set it");
  if (from_env() && !resolved_) {
    throw ConfigError("setting from environment variable " + *env_name_ + " read before the run resolved it");
  }
  return value_;
}

template <class T>
void Setting<T>::resolve(const std::string& field_path) {
  if (!from_env()) return;
  const char* raw = std::getenv(env_name_->c_str());
  if (raw == nullptr) {
    throw ConfigError("field '" + field_path + "' reads environment variable " + *env_name_ + ", which is not set");
  }
  value_ = parse_env<T>(raw, field_path, *env_name_);
  resolved_ = true;
}

template <class T>
std::string Setting<T>::describe() const {
  if (missing()) return "(required)";
  if (from_env()) return "EnvVar(" + *env_name_ + ")";
  if (secret_) return "***";
  return describe_literal(value_);
}

template class Setting<std::string>;
template class Setting<int64_t>;
template class Setting<bool>;
template class Setting<double>;

const FieldOps& field_ops(std::string*) { return plain_ops<std::string>("string"); }
const FieldOps& field_ops(bool*) { return plain_ops<bool>("bool"); }
const FieldOps& field_ops(int*) { return plain_ops<int>("int"); }
const FieldOps& field_ops(int64_t*) { return plain_ops<int64_t>("int"); }
const FieldOps& field_ops(double*) { return plain_ops<double>("float"); }
const FieldOps& field_ops(std::vector<std::string>*) { return plain_ops<std::vector<std::string>>("list of strings"); }
const FieldOps& field_ops(std::map<std::string, std::string>*) {
  return plain_ops<std::map<std::string, std::string>>("map of strings");
}
const FieldOps& field_ops(std::optional<std::string>*) { return optional_ops<std::string>("optional string"); }
const FieldOps& field_ops(std::optional<int64_t>*) { return optional_ops<int64_t>("optional int"); }
const FieldOps& field_ops(Setting<std::string>*) { return setting_ops<std::string>("string"); }
const FieldOps& field_ops(Setting<int64_t>*) { return setting_ops<int64_t>("int"); }
const FieldOps& field_ops(Setting<bool>*) { return setting_ops<bool>("bool"); }
const FieldOps& field_ops(Setting<double>*) { return setting_ops<double>("float"); }

std::string describe_field(const FieldRef& field) {
  std::string text = field.ops->describe(field.field);  // secret fields describe themselves masked
  if (field.ops->secret(field.field) || field.ops->missing(field.field)) return text;
  if (is_secret_name(field.name)) return kMaskedValue;
  // Literals are described as JSON: mask what is secret inside (map keys, URL passwords).
  json value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return value.is_discarded() ? mask_url_passwords(text) : mask_secrets(value).dump();
}

json recorded_fields(const std::vector<FieldRef>& fields) {
  json out = json::object();
  for (const auto& field : fields) {
    json value = field.ops->record(field.field);
    bool env_reference = value.is_object() && value.contains("env");
    out[field.name] = is_secret_name(field.name) && !env_reference ? json(kMaskedValue) : mask_secrets(value);
  }
  return out;
}

std::vector<std::string> secret_field_names(const std::vector<FieldRef>& fields) {
  std::vector<std::string> names;
  for (const auto& field : fields) {
    if (field.ops->secret(field.field)) names.emplace_back(field.name);
  }
  return names;
}

void apply_config(const std::vector<FieldRef>& fields, const json* config, const std::string& owner,
                  const std::string& section, const std::string& key) {
  if (config != nullptr) {
    for (const auto& item : config->items()) {
      const std::string& name = item.key();
      const json& value = item.value();
      auto field = std::find_if(fields.begin(), fields.end(), [&](const FieldRef& f) { return name == f.name; });
      if (field == fields.end()) {
        std::vector<std::string> names;
        std::string known;
        for (const auto& f : fields) {
          names.emplace_back(f.name);
          known += (known.empty() ? "" : ", ") + std::string(f.name);
        }
        throw ConfigError(owner + ": unknown config field '" + name + "' (fields: " + (known.empty() ? "none" : known) +
                          ")" + did_you_mean(name, names));
      }
      try {
        field->ops->apply(field->field, value);
      } catch (const ConfigError&) {
        throw;
      } catch (const std::exception&) {
        throw ConfigError(owner + ": config field '" + name + "' expects " + field->ops->type_name + ", got " +
                          value.type_name());
      }
    }
  }
  for (const auto& field : fields) {
    if (field.ops->missing(field.field)) {
      throw ConfigError(owner + ": required config field '" + field.name + "' (" + field.ops->type_name +
                        ") is not set; give it in run config at " + section + "." + key + ".config." + field.name);
    }
    field.ops->resolve(field.field, key + "." + field.name);
  }
}

}  // namespace strata
