// BackfillPolicy: how a backfill over many partitions of an asset is split into runs.
//
//   BackfillPolicy::single_run()        one run covering every requested partition (the asset's
//                                       function sees the whole range and its time window)
//   BackfillPolicy::multi_run(n)        runs of at most n partitions each (default: one per run)
#pragma once

namespace strata {

struct BackfillPolicy {
  enum class Kind { kSingleRun, kMultiRun };
  Kind kind = Kind::kMultiRun;
  int max_partitions_per_run = 1;

  static BackfillPolicy single_run() { return {Kind::kSingleRun, 0}; }
  static BackfillPolicy multi_run(int max_partitions_per_run = 1) { return {Kind::kMultiRun, max_partitions_per_run}; }
};

}  // namespace strata
