// A run's identity: its id (the one given, or a new random one) and its STRATA_HOME (the one given,
// the instance's, or a temporary directory removed with everything in it when the last RunResult
// holding it goes). Throws StorageError when no temporary directory can be made.
#pragma once

#include <memory>

#include "run_result_data.hpp"
#include "strata/execution/plan.hpp"
#include "strata/execution/run_options.hpp"

namespace strata::detail {

// The result data of a new run of `plan`, its id, job name and home set; fills in
// options.strata_home from the instance when it is empty.
std::shared_ptr<RunResult::Data> new_run_data(const ExecutionPlan& plan, RunOptions& options);

}  // namespace strata::detail
