// RunConfig: configuration supplied for one run, from YAML or JSON, shaped like Dagster's:
//
//   resources:
//     io_manager:
//       config:
//         base_dir: /data/storage
//
// Values given here override the resource's code defaults for that run only.
#pragma once

#include <filesystem>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <vector>

namespace strata {

class RunConfig {
 public:
  RunConfig();  // empty
  // Parse errors are ConfigErrors naming the line (YAML) or position (JSON).
  static RunConfig from_yaml(const std::string& text);
  static RunConfig from_json(const std::string& text);
  // By extension: .json is JSON, anything else YAML. Names the file when unreadable or invalid.
  static RunConfig from_file(const std::filesystem::path& path);

  bool empty() const;
  // The `config` mapping given for resource `key`, or null when the run config has none.
  const nlohmann::json* resource_config(const std::string& key) const;
  // The keys listed under `resources`.
  std::vector<std::string> configured_resource_keys() const;
  const nlohmann::json& document() const { return *doc_; }
  // Throws ConfigError on any top-level section but `resources` (typos such as "resource:", and
  // Dagster's ops/execution sections, which Strata does not read).
  void validate_sections() const;

 private:
  explicit RunConfig(std::shared_ptr<const nlohmann::json> doc) : doc_(std::move(doc)) {}
  std::shared_ptr<const nlohmann::json> doc_;
};

}  // namespace strata
