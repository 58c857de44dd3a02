// `asset value KEY [--partition K]`: the latest stored value of an asset, loaded through its I/O
// manager and printed as JSON (storable types) or a preview (tables; core/types/value_display.hpp).
#pragma once

#include <optional>
#include <string>

#include "cli_session.hpp"

namespace strata::cli {

// UsageError (exit 2) for an unknown key or partition, a partitioned asset without a partition (or
// a partition for an unpartitioned one), and an asset or partition never materialized.
int asset_value_command(CliSession& session, const std::string& key, const std::optional<std::string>& partition);

}  // namespace strata::cli
