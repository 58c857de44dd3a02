#include "strata/core/config/secret_masking.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <vector>

#include "strata/core/config/run_config.hpp"
#include "strata/core/resources/resource_definition.hpp"

namespace strata {
namespace {

using json = nlohmann::json;

// Fragments of normalized key names (lower case, without '_', '-', '.', ' ') that name a secret.
constexpr std::string_view kSecretFragments[] = {"password",   "passwd",     "pwd",          "passphrase",
                                                 "secret",     "token",      "apikey",       "accesskey",
                                                 "privatekey", "credential", "authorization"};

bool is_env_reference(const json& value) {
  return value.is_object() && value.size() == 1 && value.contains("env") && value["env"].is_string();
}

json masked(const json& value) { return is_env_reference(value) ? value : json(kMaskedValue); }

// `depth` is the level of `value` in the whole document (the top level is 1).
json mask(const json& value, int depth) {
  if (depth > RunConfig::kMaxDepth) return kMaskedValue;
  if (value.is_string()) return mask_url_passwords(value.get_ref<const std::string&>());
  if (value.is_array()) {
    json out = json::array();
    for (const auto& item : value) out.push_back(mask(item, depth + 1));
    return out;
  }
  if (value.is_object()) {
    json out = json::object();
    for (const auto& [key, item] : value.items()) out[key] = is_secret_name(key) ? masked(item) : mask(item, depth + 1);
    return out;
  }
  return value;
}

// resources.<key> or ops.<step>: the names `resources`/`ops`, <key> and `config` are structure,
// never secrets; the fields under `config` are secret by name or by their declaration.
json masked_entry(const json& entry, const std::vector<std::string>& secret_fields) {
  if (!entry.is_object()) return mask(entry, 3);
  json out = json::object();
  for (const auto& [name, item] : entry.items()) {
    if (name != "config" || !item.is_object()) {
      out[name] = mask(item, 4);
      continue;
    }
    json& fields = out[name] = json::object();
    for (const auto& [field, value] : item.items()) {
      bool declared = std::find(secret_fields.begin(), secret_fields.end(), field) != secret_fields.end();
      fields[field] = declared || is_secret_name(field) ? masked(value) : mask(value, 5);
    }
  }
  return out;
}

bool is_scheme_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.'; }

}  // namespace

bool is_secret_name(std::string_view name) {
  std::string normalized;
  for (char c : name) {
    if (c == '_' || c == '-' || c == '.' || c == ' ') continue;
    normalized += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  for (std::string_view fragment : kSecretFragments) {
    if (normalized.find(fragment) != std::string::npos) return true;
  }
  return false;
}

std::string mask_url_passwords(std::string_view text) {
  std::string out;
  size_t copied = 0;
  for (size_t marker = text.find("://"); marker != std::string_view::npos; marker = text.find("://", marker + 3)) {
    if (marker == 0 || !is_scheme_char(text[marker - 1])) continue;
    size_t authority = marker + 3;
    size_t end = text.find_first_of("/?#\"' \t\r\n", authority);
    if (end == std::string_view::npos) end = text.size();
    size_t at = text.rfind('@', end == 0 ? 0 : end - 1);
    if (at == std::string_view::npos || at < authority) continue;
    size_t colon = text.find(':', authority);
    if (colon == std::string_view::npos || colon > at || colon + 1 == at) continue;
    out.append(text, copied, colon + 1 - copied);
    out += kMaskedValue;
    copied = at;
  }
  out.append(text, copied);
  return out;
}

json mask_secrets(const json& doc) { return mask(doc, 1); }

json masked_run_config(const RunConfig& config, const std::map<std::string, ResourceDefinition>& resources) {
  json out = json::object();
  for (const auto& [section, value] : config.document().items()) {
    bool is_resources = section == "resources";
    if ((!is_resources && section != "ops") || !value.is_object()) {
      out[section] = mask(value, 2);
      continue;
    }
    json& masked = out[section] = json::object();
    for (const auto& [key, entry] : value.items()) {
      auto definition = is_resources ? resources.find(key) : resources.end();
      masked[key] = masked_entry(
          entry, definition == resources.end() ? std::vector<std::string>{} : definition->second.secret_fields());
    }
  }
  return out;
}

}  // namespace strata
