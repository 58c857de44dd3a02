// ResourceDefinition: how Definitions hold a resource.
//
// - Given by value (`{"io_manager", FilesystemIOManager{...}}`), the object is a prototype: every
//   run gets its own copy, with run config applied and EnvVar fields resolved, then set up.
// - Given as std::shared_ptr, the same instance serves every run (its state outlives runs, e.g. a
//   mock manager a test inspects afterwards); run config and EnvVar resolution apply to it in place.
#pragma once

#include <concepts>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "strata/core/config/config_field.hpp"
#include "strata/core/config/run_config.hpp"
#include "strata/core/resources/resource.hpp"

namespace strata {

class ResourceDefinition {
 public:
  template <class T>
  requires std::derived_from<T, Resource> && std::copy_constructible<T> ResourceDefinition(T prototype)
      : prototype_(std::make_shared<T>(std::move(prototype))),
        clone_([](const Resource& r) -> std::shared_ptr<Resource> {
          return std::make_shared<T>(static_cast<const T&>(r));
        }),
        fields_([](Resource& r) { return config_fields(static_cast<T&>(r)); }) {}

  template <class T>
  requires std::derived_from<T, Resource> ResourceDefinition(std::shared_ptr<T> instance)
      : prototype_(std::move(instance)), fields_([](Resource& r) { return config_fields(static_cast<T&>(r)); }) {}

  // The object as configured in code.
  const Resource& prototype() const { return *prototype_; }
  bool shared() const { return !clone_; }

  // The object for one run: configured from `run_config` (may be empty) and with EnvVar fields
  // resolved. Throws ConfigError naming the resource key and field on unknown fields, wrong types
  // or unset environment variables.
  std::shared_ptr<Resource> instantiate(const std::string& key, const RunConfig& run_config) const;

  // Field name → display value, in declaration order. Secrets never show: EnvVar fields as
  // EnvVar(NAME), other secret fields and fields with secret names as ***, URL passwords masked
  // (see secret_masking.hpp).
  std::vector<std::pair<std::string, std::string>> describe() const;
  // The fields the resource declares secret (Secret<T>, or a Setting given an EnvVar in code).
  std::vector<std::string> secret_fields() const;

 private:
  std::shared_ptr<Resource> prototype_;
  std::function<std::shared_ptr<Resource>(const Resource&)> clone_;  // empty when shared
  std::function<std::vector<FieldRef>(Resource&)> fields_;
};

}  // namespace strata
