// `ui`: serves the web UI (strata::web::UiServer) on --host/--port until Ctrl-C (or SIGTERM), then
// stops it cleanly. A non-loopback host without an access token (STRATA_UI_TOKEN or strata.yaml's
// ui.access_token) is refused as bad input (exit 2); a port in use is exit 1.
#pragma once

#include <string>

#include "cli_session.hpp"

namespace strata::cli {

struct UiCommandOptions {
  std::string host = "127.0.0.1";
  int port = 3000;
};

int ui_command(CliSession& session, const UiCommandOptions& options);

// `dev`: the UI server and the daemon (every loop) in this one process, on the instance of
// STRATA_HOME (./.strata by default), like `dagster dev`; Ctrl-C stops both.
int dev_command(CliSession& session, const UiCommandOptions& options);

}  // namespace strata::cli
