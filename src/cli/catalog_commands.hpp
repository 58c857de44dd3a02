// The commands that read definitions and the asset catalog: list, asset show, wipe.
#pragma once

#include <string>
#include <vector>

#include "cli_session.hpp"

namespace strata::cli {

// `what` is one of assets, jobs, schedules, resources. `dot`: the asset graph in Graphviz's language.
int list_command(CliSession& session, const std::string& what, bool dot = false);
// Definition, latest materialization with its metadata, partition status, and history.
int asset_show_command(CliSession& session, const std::string& key, int history_limit);
// Forgets the catalog history of the assets (stored data and runs' event logs are kept). Without
// `confirmed`, asks on a terminal and refuses elsewhere.
int wipe_command(CliSession& session, const std::vector<std::string>& keys, bool confirmed, std::istream& in,
                 bool in_is_terminal);

}  // namespace strata::cli
