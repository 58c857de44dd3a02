// The commands that inspect and control recorded backfills: `backfill list` (newest first, with
// progress), `backfill show ID` (one backfill and the run of each of its chunks) and `backfill
// cancel ID` (a backfill the daemon drives: daemon/daemon_backfill.hpp). An unknown id, or the cancel
// of a finished backfill, is a UsageError.
#pragma once

#include <string>

#include "cli_session.hpp"

namespace strata::cli {

int backfill_list_command(CliSession& session, int limit);
int backfill_show_command(CliSession& session, const std::string& backfill_id);
int backfill_cancel_command(CliSession& session, const std::string& backfill_id);

}  // namespace strata::cli
