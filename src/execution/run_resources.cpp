#include "run_resources.hpp"

#include "strata/core/resources/io_manager.hpp"
#include "strata/io/filesystem_io_manager.hpp"

namespace strata::detail {

std::string RunResources::check_configured() {
  failure_type_.clear();
  for (const std::string& key : options_.run_config.configured_resource_keys()) {
    if (!plan_.resources().count(key)) {
      std::string error =
          "resource initialization failed: run config configures resource '" + key + "', which is not defined";
      Event event = RunEvents::make(EventType::kLog, "", error);
      event.level = LogLevel::kError;
      event.error_type = failure_type_ = ConfigError("").code();
      events_.emit(std::move(event));
      return error;
    }
  }
  return "";
}

std::string RunResources::setup(const std::vector<std::string>& keys) {
  if (std::string error = check_configured(); !error.empty()) return error;
  try {
    for (const std::string& key : keys) {
      InitContext init{key, data_.run_id, data_.strata_home, &resources_, events_.logger_for("")};
      if (StepChannel* channel = events_.channel()) {
        init.latest_materialization_run = [channel](const AssetKey& asset,
                                                    const std::optional<std::string>& partition) {
          return channel->latest_materialization_run(asset, partition);
        };
      } else if (options_.instance) {
        init.latest_materialization_run = [instance = options_.instance](const AssetKey& asset,
                                                                         const std::optional<std::string>& partition) {
          auto latest = instance->storage().latest_materialization(asset, partition);
          return latest ? latest->event.run_id : std::string();
        };
      }
      std::shared_ptr<Resource> resource;
      auto it = plan_.resources().find(key);
      if (it != plan_.resources().end()) {
        resource = it->second.instantiate(key, options_.run_config);
      } else if (key == kDefaultIOManagerKey) {
        // The built-in default: under the instance's storage directory (strata.yaml io_manager.base_dir).
        std::string base = options_.instance ? options_.instance->config().storage_base_dir.string() : "";
        resource = std::make_shared<FilesystemIOManager>(FilesystemIOManager::Options{.base_dir = base});
      } else {
        throw ConfigError("resource '" + key + "' is required but not defined");
      }
      resource->setup(init);
      set_up_.push_back(resource);
      if (auto* factory = dynamic_cast<IOManagerFactory*>(resource.get())) {
        std::shared_ptr<IOManager> manager = factory->create_io_manager(init);
        if (!manager) throw ConfigError("I/O manager factory '" + key + "' created no manager");
        manager->setup(init);
        set_up_.push_back(manager);
        resources_.put(key, std::move(manager));
      } else {
        resources_.put(key, std::move(resource));
      }
    }
    return "";
  } catch (const std::exception& e) {
    Event event = RunEvents::make(EventType::kLog, "", std::string("resource initialization failed: ") + e.what());
    event.level = LogLevel::kError;
    event.error_type = failure_type_ = error_type_of(e);
    events_.emit(std::move(event));
    return std::string("resource initialization failed: ") + e.what();
  }
}

std::string RunResources::teardown() {
  std::string error;
  for (auto it = set_up_.rbegin(); it != set_up_.rend(); ++it) {
    try {
      (*it)->teardown();
    } catch (const std::exception& e) {
      Event event = RunEvents::make(EventType::kLog, "", std::string("resource teardown failed: ") + e.what());
      event.level = LogLevel::kError;
      events_.emit(std::move(event));
      if (error.empty()) error = std::string("resource teardown failed: ") + e.what();
    }
  }
  set_up_.clear();
  return error;
}

}  // namespace strata::detail
