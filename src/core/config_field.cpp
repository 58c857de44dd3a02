#include "strata/core/config_field.hpp"

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "strata/core/error.hpp"

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
  };
  return ops;
}

}  // namespace

template <class T>
const T& Setting<T>::value() const {
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

}  // namespace strata
