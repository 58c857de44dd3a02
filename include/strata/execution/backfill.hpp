// Backfills: materializing many partitions of a selection, split into runs by the assets'
// BackfillPolicy (single_run: one run covering every partition; multi_run(n): runs of at most n
// partitions). A backfill is recorded in the instance with its progress, and every run it launches
// carries the tag strata/backfill_id.
#pragma once

#include <string>
#include <vector>

#include "strata/core/definitions/definitions.hpp"
#include "strata/execution/run_options.hpp"
#include "strata/execution/run_result.hpp"

namespace strata {

struct BackfillPlan {
  std::string backfill_id{};
  std::vector<AssetKey> assets{};
  std::vector<std::string> partitions{};
  BackfillPolicy policy{};
  std::vector<std::vector<std::string>> runs{};  // the partition keys of each run, in order
};

// Validates `partition_keys` against the selection's partitions definition (PartitionError naming
// the asset, the bad key and the expected format) and splits them into runs by the strictest policy
// among the selected assets.
BackfillPlan plan_backfill(const Definitions& defs, const AssetSelection& selection,
                           std::vector<std::string> partition_keys, DynamicPartitionsStore* store = nullptr);
// The same for every partition from `first` to `last` inclusive.
BackfillPlan plan_backfill_range(const Definitions& defs, const AssetSelection& selection, const std::string& first,
                                 const std::string& last, DynamicPartitionsStore* store = nullptr);

struct BackfillResult {
  std::string backfill_id{};
  std::vector<RunResult> runs{};
  int succeeded = 0;
  int failed = 0;
  bool success() const { return failed == 0; }
};

// Runs the plan's runs one after another (each with RunOptions' settings and its partition keys),
// recording the backfill and its progress in options.instance when given. Step config that does not
// fit (configure_steps) throws ConfigError before the backfill is recorded. When
// options.cancellation is canceled, the running run is canceled, no further run starts and the
// backfill is recorded CANCELED.
BackfillResult launch_backfill(const Definitions& defs, const BackfillPlan& plan, RunOptions options = {});

enum class PartitionState { kMissing, kMaterialized, kFailed };
const char* partition_state_name(PartitionState state);

struct AssetPartitionStatus {
  std::vector<std::string> keys{};
  std::vector<PartitionState> states{};  // parallel to keys
  size_t materialized = 0;
  size_t failed = 0;
  size_t missing = 0;
};

// Every partition of `key` with its state from the instance (materialized, failed on its latest
// attempt, or missing). Throws DefinitionError when the asset is unknown or not partitioned.
AssetPartitionStatus asset_partition_status(const Definitions& defs, const AssetKey& key, Storage& storage);

}  // namespace strata
