// The in-process executor: runs a plan's ready steps concurrently on a pool of threads
// (RunOptions::max_concurrency, default = cores). A failed step's downstream is skipped while
// independent branches finish; exceptions from user code become step failures with message and type.
#pragma once

#include "strata/execution/plan.hpp"
#include "strata/execution/run_options.hpp"
#include "strata/execution/run_result.hpp"

namespace strata {

RunResult execute_plan(const ExecutionPlan& plan, RunOptions options);

}  // namespace strata
