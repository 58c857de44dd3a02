#include "strata/core/run_config.hpp"

#include <nlohmann/json.hpp>

#include "strata/core/config_document.hpp"
#include "strata/core/error.hpp"

namespace strata {
namespace {

using json = nlohmann::json;

}  // namespace

RunConfig::RunConfig() : doc_(std::make_shared<const json>(json::object())) {}

RunConfig RunConfig::parse(const std::string& text, bool is_json, const std::string& source) {
  json doc = parse_config_document(text, is_json, source);
  check_sections(doc, source);
  return RunConfig(std::make_shared<const json>(std::move(doc)));
}

RunConfig RunConfig::from_yaml(const std::string& text) { return parse(text, false, "run config"); }

RunConfig RunConfig::from_json(const std::string& text) { return parse(text, true, "run config"); }

RunConfig RunConfig::from_file(const std::filesystem::path& path) {
  std::string source = "config file '" + path.string() + "'";
  json doc = read_config_document(path, source);
  check_sections(doc, source);
  return RunConfig(std::make_shared<const json>(std::move(doc)));
}

bool RunConfig::empty() const { return doc_->empty(); }

const json* RunConfig::resource_config(const std::string& key) const {
  auto resources = doc_->find("resources");
  if (resources == doc_->end() || !resources->is_object()) return nullptr;
  auto entry = resources->find(key);
  if (entry == resources->end()) return nullptr;
  if (!entry->is_object()) throw ConfigError("run config: resources." + key + " must be a mapping with 'config'");
  auto config = entry->find("config");
  if (config == entry->end() || config->is_null()) return nullptr;
  if (!config->is_object()) throw ConfigError("run config: resources." + key + ".config must be a mapping");
  return &*config;
}

std::vector<std::string> RunConfig::configured_resource_keys() const {
  std::vector<std::string> keys;
  auto resources = doc_->find("resources");
  if (resources != doc_->end() && resources->is_object()) {
    for (const auto& [key, _] : resources->items()) keys.push_back(key);
  }
  return keys;
}

void RunConfig::validate_sections() const { check_sections(*doc_, "run config"); }

void RunConfig::check_sections(const json& doc, const std::string& source) {
  for (const auto& [section, value] : doc.items()) {
    if (section != "resources") {
      throw ConfigError(source + ": section '" + section +
                        "' is not supported; run config configures resources only (resources.<key>.config)");
    }
    if (!value.is_object()) throw ConfigError(source + ": 'resources' must be a mapping");
  }
}

}  // namespace strata
