// The config schema of an asset or op rendered for a terminal (`asset show`): where run config sets
// it and one row per field with its type and code default (secrets masked, "(required)" when the
// run config must give it).
#pragma once

#include <ostream>
#include <string>

#include "strata/core/definitions/node.hpp"

namespace strata::cli {

// Prints nothing when the step's function takes no config.
void print_config_schema(std::ostream& out, const NodeDef& node, const std::string& indent);

}  // namespace strata::cli
