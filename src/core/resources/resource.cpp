#include "strata/core/resources/resource.hpp"

#include "strata/core/resources/io_manager.hpp"
#include "strata/core/types/type_info.hpp"

namespace strata {

Resource& Resources::at(const std::string& key) const {
  auto it = by_key_.find(key);
  if (it == by_key_.end() || !it->second) {
    std::string known;
    for (const auto& [k, _] : by_key_) known += (known.empty() ? "" : ", ") + k;
    throw ConfigError("no resource under key '" + key + "' (available: " + (known.empty() ? "none" : known) + ")");
  }
  return *it->second;
}

std::shared_ptr<Resource> Resources::find(const std::string& key) const {
  auto it = by_key_.find(key);
  return it == by_key_.end() ? nullptr : it->second;
}

void Resources::throw_wrong_type(const std::string& key, const std::type_info& wanted, const std::type_info& actual) {
  throw ConfigError("resource '" + key + "' is a " + demangle(actual.name()) + ", not a " + demangle(wanted.name()));
}

}  // namespace strata

namespace strata {

std::string local_location_reason(const std::string& location, bool shared_filesystem) {
  size_t scheme = location.find("://");
  bool local = scheme == std::string::npos || location.compare(0, scheme, "file") == 0;
  if (!local || shared_filesystem) return "";
  return "it stores files in the local directory '" + location +
         "', which other nodes cannot reach; set shared_filesystem when every node mounts it at that path, or "
         "store on S3";
}

}  // namespace strata
