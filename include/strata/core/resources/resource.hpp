// Resources: configured objects (clients, connections, I/O managers) available to a run under a
// string key. A resource has a lifecycle: configured (code defaults, EnvVar, run config), set up
// when a run starts, torn down after it ends.
#pragma once

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <typeinfo>

#include "strata/core/contexts/logger.hpp"
#include "strata/core/definitions/asset_key.hpp"
#include "strata/core/types/type_info.hpp"
#include "strata/core/util/error.hpp"

namespace strata {

class Resources;

// What a resource sees while it is set up for a run.
struct InitContext {
  std::string resource_key{};
  std::string run_id{};
  std::filesystem::path strata_home{};   // the instance directory ($STRATA_HOME)
  const Resources* resources = nullptr;  // resources set up before this one
  Logger log{};
  // When the run is recorded by an instance: the id of the run whose materialization of `key` (of
  // `partition`, when given) is the latest recorded one, or "" when there is none. Managers that
  // stage outputs use it to complete or abandon what a dead process left staged. Empty otherwise.
  std::function<std::string(const AssetKey& key, const std::optional<std::string>& partition)>
      latest_materialization_run{};

  // Where the default filesystem storage lives: $STRATA_HOME/storage.
  std::filesystem::path storage_dir() const { return strata_home / "storage"; }
};

// Base of everything that can be placed under a resource key.
//
// Lifetime and threads: a resource given by value is copied for every run (ResourceDefinition); a
// shared_ptr resource serves every run of the program, possibly several runs at once. setup() and
// teardown() are called once per run, from one thread, never while a step of that run uses the
// resource. Between them, the run's steps may call the resource from several threads at once, so
// its methods must be safe to call concurrently (guard mutable state such as caches or counters).
class Resource {
 public:
  virtual ~Resource() = default;
  // Called when Definitions are built: throw ConfigError naming the field when the configuration
  // given in code cannot work (EnvVar values are not resolved yet).
  virtual void validate_config() const {}
  // Called once per run, before any step uses the resource (EnvVar fields are resolved by then).
  virtual void setup(InitContext&) {}
  // Called once per run after the last step, in reverse set-up order, even when the run failed.
  virtual void teardown() {}
};

// The resources of one run, set up and ready, by key.
class Resources {
 public:
  bool contains(const std::string& key) const { return by_key_.count(key) != 0; }
  // The resource under `key` as T; throws ConfigError naming the key when it is missing or not a T.
  template <class T>
  T& get(const std::string& key) const {
    Resource& resource = at(key);
    if (auto* typed = dynamic_cast<T*>(&resource)) return *typed;
    throw_wrong_type(key, typeid(T), typeid(resource));
  }
  Resource& at(const std::string& key) const;
  void put(const std::string& key, std::shared_ptr<Resource> resource) { by_key_[key] = std::move(resource); }
  std::shared_ptr<Resource> find(const std::string& key) const;
  const std::map<std::string, std::shared_ptr<Resource>>& all() const { return by_key_; }

 private:
  [[noreturn]] static void throw_wrong_type(const std::string& key, const std::type_info& wanted,
                                            const std::type_info& actual);
  std::map<std::string, std::shared_ptr<Resource>> by_key_;
};

}  // namespace strata
