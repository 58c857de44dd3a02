// Reads a YAML document into JSON from yaml-cpp's parse events, without building yaml-cpp's node
// tree and without recursion of its own, so that hostile input is refused before it costs much:
// nesting beyond `max_depth` (the top level is 1), more than `max_values` values once aliases are
// expanded (a "billion laughs" is refused at the alias that crosses the budget), duplicate keys,
// keys that are not strings, an alias to a node that contains it, invalid UTF-8, more than one
// document. Internal to strata::core; run_config.cpp is its user.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

namespace strata::detail {

struct YamlLimits {
  int max_depth;
  size_t max_values;
};

// The document in `text` as JSON (null when `text` holds no document). Scalars are typed as a
// YAML 1.2 reader types them (quoted ones are strings). Throws ConfigError "<source>: line N:
// <problem>" for the problems above and for YAML syntax errors.
nlohmann::json read_yaml_as_json(const std::string& text, const std::string& source, const YamlLimits& limits);

}  // namespace strata::detail
