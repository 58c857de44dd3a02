// Completes the two-phase outputs of a run that died: a materialization the instance recorded whose
// staged local file (core/resources/staged_files.hpp) was never published is published now, so that the data
// readers load is the data the catalog names. Called by Instance::reap_dead_runs for each run it
// reaps; safe to call again (a published file is no longer staged).
#pragma once

#include <cstddef>

#include "strata/storage/run_record.hpp"
#include "strata/storage/storage.hpp"

namespace strata {

// Publishes the recorded-but-unpublished staged files of `run` (written by run.owner_pid on this
// host). Returns how many were published. Throws StorageError when a staged file exists but cannot
// be published.
size_t publish_recorded_outputs(Storage& storage, const RunRecord& run);

}  // namespace strata
