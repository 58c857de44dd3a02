// The in-process executor: runs a plan's ready steps concurrently on a pool of threads
// (RunOptions::max_concurrency, default = cores). A failed step's downstream is skipped while
// independent branches finish; exceptions from user code become step failures with message and type.
#pragma once

#include "strata/execution/plan.hpp"
#include "strata/execution/run_options.hpp"
#include "strata/execution/run_result.hpp"

namespace strata {

RunResult execute_plan(const ExecutionPlan& plan, RunOptions options);

// Throws PartitionError, before anything runs, for partition keys that do not fit `plan`: a
// partitioned selection without keys, keys for an unpartitioned one, assets partitioned
// differently, keys that are not partitions of the assets (dynamic ones looked up in `store`, which
// may be null), several keys for outputs whose managers cannot store a range.
void validate_partition_keys(const ExecutionPlan& plan, const std::vector<std::string>& keys,
                             DynamicPartitionsStore* store);

}  // namespace strata
