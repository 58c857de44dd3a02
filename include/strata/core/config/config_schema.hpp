// ConfigSchema: the typed config of an asset or op, declared as a struct with STRATA_CONFIG_FIELDS
// (defaults in the struct) and taken by the step function as a parameter after the optional context:
//
//   struct FetchConfig {
//     int64_t limit = 100;                                    // optional: the default is used
//     s::Required<std::string> endpoint;                      // run config must give it
//     s::Secret<std::string> api_key = s::EnvVar{"API_KEY"};  // resolved at run start, never shown
//     STRATA_CONFIG_FIELDS(limit, endpoint, api_key)
//   };
//   auto items = s::asset("items", [](s::AssetContext& ctx, const FetchConfig& config) { ... });
//
// Run config sets it per run under ops.<step name>.config (Dagster's shape), with the field types,
// EnvVar and secret masking of resource config (config_field.hpp). A ConfigSchema is immutable and
// thread-safe; instantiate() builds a fresh config object for each run.
#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

#include "strata/core/config/config_field.hpp"
#include "strata/core/types/typed.hpp"
#include "strata/core/types/value.hpp"

namespace strata {

// One field of a config struct as `asset show` lists it.
struct ConfigFieldInfo {
  std::string name;
  std::string type;           // "int", "string", "list of strings", ...
  std::string default_value;  // the code default as JSON, masked when secret; "(required)" when none
  bool required = false;
  bool secret = false;
};

class ConfigSchema {
 public:
  template <HasConfigFields T>
  static std::shared_ptr<const ConfigSchema> of() {
    auto schema = std::shared_ptr<ConfigSchema>(new ConfigSchema());
    schema->type_ = &type_of<T>();
    schema->make_ = [] { return std::make_shared<T>(); };
    schema->fields_ = [](void* object) { return config_fields(*static_cast<T*>(object)); };
    return schema;
  }

  // The C++ type of the config struct.
  const TypeInfo& type() const { return *type_; }
  // The fields in declaration order, with the struct's defaults.
  std::vector<ConfigFieldInfo> fields() const;

  // The config of one run of step `step_key`: the struct's defaults, then `config` (the mapping at
  // ops.<step_key>.config, null when none) applied, then EnvVar fields resolved. Throws ConfigError
  // naming `owner` and the field (see apply_config).
  Value instantiate(const std::string& owner, const std::string& step_key, const nlohmann::json* config) const;
  // `config` (an instantiate() result) as a run record stores it (recorded_fields): every field's
  // value, with EnvVar sources as {"env": NAME} and secrets masked.
  nlohmann::json record(const Value& config) const;

 private:
  ConfigSchema() = default;

  const TypeInfo* type_ = nullptr;
  std::function<std::shared_ptr<void>()> make_;
  std::function<std::vector<FieldRef>(void*)> fields_;
};

using ConfigSchemaPtr = std::shared_ptr<const ConfigSchema>;

}  // namespace strata
