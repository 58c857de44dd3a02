// Configuration documents (run config, the instance's strata.yaml) read from text or files that
// users and operators control, under one set of limits so that hostile input is refused before it
// costs much: at most kConfigMaxBytes of text, kConfigMaxDepth levels of nesting, kConfigMaxValues
// values with YAML aliases expanded; duplicate keys, invalid UTF-8 and non-string keys refused; only
// regular files read (a FIFO, device or directory is refused without blocking on it). Every error
// is a ConfigError that starts with `source` and names the line where it can. Thread-safe.
#pragma once

#include <cstddef>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace strata {

inline constexpr size_t kConfigMaxBytes = 16 * 1024 * 1024;  // the text (or file) size
inline constexpr int kConfigMaxDepth = 64;                   // nested mappings/sequences; the top level is 1
inline constexpr size_t kConfigMaxValues = 1000000;          // values, with YAML aliases expanded

// `text` (YAML, or JSON when `json`) as a JSON object; an empty YAML document is an empty object.
// Throws ConfigError when it is not a mapping at the top level or breaks a limit above.
nlohmann::json parse_config_document(const std::string& text, bool json, const std::string& source);

// The file at `path` as parse_config_document reads it: JSON for a .json extension, else YAML.
nlohmann::json read_config_document(const std::filesystem::path& path, const std::string& source);

}  // namespace strata
