#include "strata/core/run_config.hpp"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "strata/core/error.hpp"

namespace strata {
namespace {

using json = nlohmann::json;

// YAML scalars become JSON booleans, integers, floats or strings, as a YAML 1.2 reader would type them.
json scalar_to_json(const YAML::Node& node) {
  const std::string& text = node.Scalar();
  if (node.Tag() == "!") return text;  // quoted: always a string
  if (text == "true" || text == "True" || text == "TRUE") return true;
  if (text == "false" || text == "False" || text == "FALSE") return false;
  if (text == "null" || text == "~" || text.empty()) return nullptr;
  try {
    size_t used = 0;
    long long integer = std::stoll(text, &used);
    if (used == text.size()) return integer;
    double real = std::stod(text, &used);
    if (used == text.size()) return real;
  } catch (const std::exception&) {
  }
  return text;
}

json yaml_to_json(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      json object = json::object();
      for (const auto& item : node) object[item.first.as<std::string>()] = yaml_to_json(item.second);
      return object;
    }
    case YAML::NodeType::Sequence: {
      json array = json::array();
      for (const auto& item : node) array.push_back(yaml_to_json(item));
      return array;
    }
    case YAML::NodeType::Scalar:
      return scalar_to_json(node);
    default:
      return nullptr;
  }
}

}  // namespace

RunConfig::RunConfig() : doc_(std::make_shared<const json>(json::object())) {}

RunConfig RunConfig::from_yaml(const std::string& text) {
  try {
    json doc = yaml_to_json(YAML::Load(text));
    if (doc.is_null()) doc = json::object();
    if (!doc.is_object()) throw ConfigError("run config must be a mapping at the top level");
    RunConfig config(std::make_shared<const json>(std::move(doc)));
    config.validate_sections();
    return config;
  } catch (const YAML::Exception& e) {
    throw ConfigError("run config is not valid YAML (line " + std::to_string(e.mark.line + 1) + ", column " +
                      std::to_string(e.mark.column + 1) + "): " + e.msg);
  }
}

RunConfig RunConfig::from_json(const std::string& text) {
  try {
    json doc = json::parse(text);
    if (!doc.is_object()) throw ConfigError("run config must be a JSON object at the top level");
    RunConfig config(std::make_shared<const json>(std::move(doc)));
    config.validate_sections();
    return config;
  } catch (const json::parse_error& e) {
    throw ConfigError(std::string("run config is not valid JSON: ") + e.what());
  }
}

RunConfig RunConfig::from_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw ConfigError("cannot read run config file '" + path.string() + "'");
  std::stringstream text;
  text << in.rdbuf();
  try {
    return path.extension() == ".json" ? from_json(text.str()) : from_yaml(text.str());
  } catch (const ConfigError& e) {
    throw ConfigError(path.string() + ": " + e.what());
  }
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

void RunConfig::validate_sections() const {
  for (const auto& [section, value] : doc_->items()) {
    if (section != "resources") {
      throw ConfigError("run config: section '" + section +
                        "' is not supported; run config configures resources only (resources.<key>.config)");
    }
    if (!value.is_object()) throw ConfigError("run config: 'resources' must be a mapping");
  }
}

}  // namespace strata
