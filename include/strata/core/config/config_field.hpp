// Typed configuration fields for resources and for the config of assets and ops (config_schema.hpp),
// settable from code, from environment variables (EnvVar, resolved at run start and never shown) and
// from run config (YAML or JSON).
//
//   struct MyIOManager : strata::IOManager {
//     std::vector<std::string> path_prefix;
//     strata::Setting<std::string> api_token = strata::EnvVar{"API_TOKEN"};
//     strata::Secret<std::string> signing_key = "dev-only-key";
//     STRATA_CONFIG_FIELDS(path_prefix, api_token, signing_key)
//     ...
//   };
//
// Supported field types: std::string, bool, int, int64_t, double, std::vector<std::string>,
// std::map<std::string, std::string>, std::optional of those, and
// Setting/Secret/Required<std::string|int64_t|bool|double>.
//
// Secret fields: a Secret<T>, and a Setting<T> given an EnvVar in code. Their values are never shown
// (listings print EnvVar(NAME) or ***) and are masked in stored run config even when run config
// sets them literally (see secret_masking.hpp, which also masks fields by name and URL passwords).
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace strata {

// A reference to an environment variable, resolved when a run starts.
struct EnvVar {
  std::string name;
};

// A value given literally or through an EnvVar. A value that came from the environment is secret:
// describe() shows only the variable's name.
template <class T>
class Setting {
 public:
  Setting() = default;
  Setting(T literal) : value_(std::move(literal)) {}
  Setting(const char* literal) requires std::is_same_v<T, std::string> : value_(std::string(literal)) {}
  Setting(EnvVar env) : env_name_(std::move(env.name)) {}

  // The literal value, or the environment's value once resolved; throws ConfigError before that.
  const T& value() const;
  bool from_env() const { return env_name_.has_value(); }
  const std::string& env_name() const { return *env_name_; }
  bool resolved() const { return !from_env() || resolved_; }

  // Reads the environment variable; throws ConfigError naming `field_path` and the variable (never a
  // value) when it is unset or does not parse as T.
  void resolve(const std::string& field_path);
  // Sets a literal value (from run config); it no longer comes from the environment, and it stays
  // secret when it replaces an EnvVar.
  void set(T literal) {
    value_ = std::move(literal);
    if (env_name_) secret_ = true;
    env_name_.reset();
    given_ = true;
  }
  // Reads the value from environment variable `name` when the run resolves it.
  void set_env(std::string name) {
    env_name_ = std::move(name);
    resolved_ = false;
    given_ = true;
  }
  // A Required<T> that no run config has set yet.
  bool missing() const { return required_ && !given_; }
  // Declared secret (Secret<T>) or from the environment: the value is never shown.
  bool secret() const { return secret_ || from_env(); }
  // "EnvVar(NAME)", "***" for a secret literal, else the literal.
  std::string describe() const;

 protected:
  bool secret_ = false;
  bool required_ = false;
  bool given_ = false;

 private:
  T value_{};
  std::optional<std::string> env_name_;
  bool resolved_ = false;
};

// A Setting whose value is secret however it is given (literal, EnvVar or run config): listings
// show *** (or EnvVar(NAME)) and stored run config masks it.
template <class T>
class Secret : public Setting<T> {
 public:
  Secret() { this->secret_ = true; }
  Secret(T literal) : Setting<T>(std::move(literal)) { this->secret_ = true; }
  Secret(const char* literal) requires std::is_same_v<T, std::string> : Setting<T>(literal) { this->secret_ = true; }
  Secret(EnvVar env) : Setting<T>(std::move(env)) { this->secret_ = true; }
};

// A Setting with no value in code: run config must give it (a literal or {env: NAME}), else the
// run is refused before it starts, naming the field. value() throws ConfigError until then.
template <class T>
class Required : public Setting<T> {
 public:
  Required() { this->required_ = true; }
};

extern template class Setting<std::string>;
extern template class Setting<int64_t>;
extern template class Setting<bool>;
extern template class Setting<double>;

// How one field type reads from run config, resolves secrets and prints itself.
struct FieldOps {
  const char* type_name;
  // Replaces the field's value from JSON; throws std::exception when the JSON does not fit.
  void (*apply)(void* field, const nlohmann::json& value);
  // Resolves EnvVar sources; `path` names the field in errors.
  void (*resolve)(void* field, const std::string& path);
  // A display form with secrets redacted.
  std::string (*describe)(const void* field);
  // Whether the field is secret (Secret<T>, or a Setting from an EnvVar).
  bool (*secret)(const void* field);
  // Whether the field is a Required<T> that nothing has set.
  bool (*missing)(const void* field);
  // The value as a run record stores it: the literal as JSON, {"env": NAME} for an EnvVar source,
  // "***" for another secret, null for a missing Required<T>.
  nlohmann::json (*record)(const void* field);
};

const FieldOps& field_ops(std::string*);
const FieldOps& field_ops(bool*);
const FieldOps& field_ops(int*);
const FieldOps& field_ops(int64_t*);
const FieldOps& field_ops(double*);
const FieldOps& field_ops(std::vector<std::string>*);
const FieldOps& field_ops(std::map<std::string, std::string>*);
const FieldOps& field_ops(std::optional<std::string>*);
const FieldOps& field_ops(std::optional<int64_t>*);
const FieldOps& field_ops(Setting<std::string>*);
const FieldOps& field_ops(Setting<int64_t>*);
const FieldOps& field_ops(Setting<bool>*);
const FieldOps& field_ops(Setting<double>*);  // also Secret<T> and Required<T>, through their base

// One field of a configurable object, found through STRATA_CONFIG_FIELDS.
struct FieldRef {
  const char* name;
  void* field;
  const FieldOps* ops;
};

// The display form of a field (FieldOps::describe) with secrets masked as listings show them: secret
// fields describe themselves masked; fields with secret names, and secrets inside literals (map keys,
// URL passwords), are masked too (secret_masking.hpp). A missing Required<T> shows "(required)".
std::string describe_field(const FieldRef& field);

// Field name → FieldOps::record, with fields named like secrets and secrets inside literals masked:
// what a run record stores of a config object (secret_masking.hpp).
nlohmann::json recorded_fields(const std::vector<FieldRef>& fields);

// The names of the fields that are secret (FieldOps::secret).
std::vector<std::string> secret_field_names(const std::vector<FieldRef>& fields);

// Applies the run config mapping `config` (null: none given) to `fields`, then resolves EnvVar
// sources. `owner` starts every error ("resource 'db'", "asset 'a/b'"); the fields live at
// <section>.<key>.config in run config ("ops.clean.config"). Throws ConfigError, one line naming
// the owner and the field, on an unknown field (with the nearest name), a value of the wrong type,
// a Required<T> field left unset, or an unset environment variable.
void apply_config(const std::vector<FieldRef>& fields, const nlohmann::json* config, const std::string& owner,
                  const std::string& section, const std::string& key);

template <class T>
concept HasConfigFields = requires(T& object) {
  object.strata_visit_fields([](const char*, auto&) {});
};

// The fields of `object` in declaration order (empty when it declares none).
template <class T>
std::vector<FieldRef> config_fields(T& object) {
  std::vector<FieldRef> fields;
  if constexpr (HasConfigFields<T>) {
    object.strata_visit_fields([&](const char* name, auto& field) {
      fields.push_back({name, &field, &field_ops(&field)});
    });
  }
  return fields;
}

}  // namespace strata

#include "strata/core/detail/for_each.hpp"

#define STRATA_DETAIL_VISIT_FIELD(visitor, field) visitor(#field, field);
// Declares a resource's configurable fields (inside the class body), in order.
#define STRATA_CONFIG_FIELDS(...)                                                  \
  template <class StrataVisitor>                                                   \
  void strata_visit_fields(StrataVisitor&& strata_visitor) {                       \
    STRATA_DETAIL_FOR_EACH(STRATA_DETAIL_VISIT_FIELD, strata_visitor, __VA_ARGS__) \
  }
