#include "strata/execution/backfill.hpp"

#include <algorithm>
#include <random>
#include <unordered_map>

#include "strata/execution/executor.hpp"
#include "strata/execution/plan.hpp"
#include "strata/execution/run_cancellation.hpp"
#include "strata/execution/step_config.hpp"

namespace strata {
namespace {

std::string new_backfill_id() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::string id = "bf-";
  for (int i = 0; i < 10; ++i) id += alphabet[rng() % 36];
  return id;
}

struct Selected {
  std::vector<AssetKey> assets;
  const NodeDef* partitioned = nullptr;  // one of the partitioned assets (all share the definition)
  BackfillPolicy policy = BackfillPolicy::single_run();
};

Selected inspect(const Definitions& defs, const AssetSelection& selection) {
  Selected out;
  out.assets = selection.resolve(defs.asset_graph());
  bool all_single = true;
  int max_per_run = 0;
  for (const auto& key : out.assets) {
    const auto& entry = defs.asset_graph().entry(defs.asset_graph().find(key));
    const NodeDef& node = *entry.node;
    if (!node.partitions || entry.is_source) continue;
    if (out.partitioned && !out.partitioned->partitions->same_as(*node.partitions)) {
      throw PartitionError("a backfill covers assets partitioned alike; '" + key.to_string() + "' has " +
                           node.partitions->describe() + ", others " + out.partitioned->partitions->describe());
    }
    out.partitioned = &node;
    BackfillPolicy policy = node.backfill_policy.value_or(BackfillPolicy::multi_run(1));
    if (policy.kind == BackfillPolicy::Kind::kMultiRun) {
      all_single = false;
      int n = std::max(1, policy.max_partitions_per_run);
      max_per_run = max_per_run == 0 ? n : std::min(max_per_run, n);
    }
  }
  if (!out.partitioned) throw PartitionError("none of the selected assets is partitioned: nothing to backfill");
  out.policy = all_single ? BackfillPolicy::single_run() : BackfillPolicy::multi_run(max_per_run);
  return out;
}

BackfillPlan split(Selected selected, std::vector<std::string> keys) {
  BackfillPlan plan;
  plan.backfill_id = new_backfill_id();
  plan.assets = std::move(selected.assets);
  plan.policy = selected.policy;
  if (plan.policy.kind == BackfillPolicy::Kind::kSingleRun) {
    if (!keys.empty()) plan.runs.push_back(keys);
  } else {
    size_t per_run = static_cast<size_t>(plan.policy.max_partitions_per_run);
    plan.runs.reserve((keys.size() + per_run - 1) / per_run);
    for (size_t start = 0; start < keys.size(); start += per_run) {
      plan.runs.emplace_back(keys.begin() + static_cast<std::ptrdiff_t>(start),
                             keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), start + per_run)));
    }
  }
  plan.partitions = std::move(keys);
  return plan;
}

std::string owner(const NodeDef& node) {
  return node.outputs.size() == 1 && node.outputs[0].asset_key ? node.outputs[0].asset_key->to_string() : node.name;
}

}  // namespace

BackfillPlan plan_backfill(const Definitions& defs, const AssetSelection& selection, std::vector<std::string> keys,
                           DynamicPartitionsStore* store) {
  Selected selected = inspect(defs, selection);
  if (keys.empty()) throw PartitionError("a backfill needs at least one partition key");
  for (const auto& key : keys) selected.partitioned->partitions->validate_key(key, owner(*selected.partitioned), store);
  return split(std::move(selected), std::move(keys));
}

BackfillPlan plan_backfill_range(const Definitions& defs, const AssetSelection& selection, const std::string& first,
                                 const std::string& last, DynamicPartitionsStore* store) {
  Selected selected = inspect(defs, selection);
  auto keys = selected.partitioned->partitions->key_range(first, last, owner(*selected.partitioned), store);
  return split(std::move(selected), std::move(keys));
}

BackfillResult launch_backfill(const Definitions& defs, const BackfillPlan& plan, RunOptions options) {
  BackfillResult result;
  result.backfill_id = plan.backfill_id;
  Storage* storage = options.instance ? &options.instance->storage() : nullptr;
  std::string selection;
  for (const auto& key : plan.assets) selection += (selection.empty() ? "" : ",") + key.to_string();
  ExecutionPlan execution = ExecutionPlan::for_assets(defs, plan.assets);
  (void)configure_steps(execution, options.run_config);  // bad step config: refused before anything is recorded
  if (storage) {
    storage->add_backfill({plan.backfill_id, selection, plan.partitions, "RUNNING",
                           static_cast<int64_t>(plan.runs.size()), 0, 0, now_unix_us(), 0});
  }
  bool canceled = false;
  for (const auto& keys : plan.runs) {
    if (options.cancellation && options.cancellation->canceled()) {
      canceled = true;  // no further runs; the one that was running ended CANCELED
      break;
    }
    RunOptions run = options;
    run.run_id.clear();
    run.partition_keys = keys;
    run.tags["strata/backfill_id"] = plan.backfill_id;
    RunResult outcome = execute_plan(execution, std::move(run));
    (outcome.success() ? result.succeeded : result.failed) += 1;
    result.runs.push_back(std::move(outcome));
    if (storage) storage->update_backfill(plan.backfill_id, "RUNNING", result.succeeded, result.failed, 0);
  }
  if (storage) {
    const char* status = canceled ? "CANCELED" : result.failed == 0 ? "COMPLETED" : "FAILED";
    storage->update_backfill(plan.backfill_id, status, result.succeeded, result.failed, now_unix_us());
  }
  return result;
}

const char* partition_state_name(PartitionState state) {
  switch (state) {
    case PartitionState::kMissing:
      return "MISSING";
    case PartitionState::kMaterialized:
      return "MATERIALIZED";
    case PartitionState::kFailed:
      return "FAILED";
  }
  return "UNKNOWN";
}

AssetPartitionStatus asset_partition_status(const Definitions& defs, const AssetKey& key, Storage& storage) {
  const auto& entry = defs.asset_graph().entry(defs.asset_graph().at(key, ""));
  if (!entry.node->partitions) throw DefinitionError("asset '" + key.to_string() + "' is not partitioned");
  AssetPartitionStatus status;
  status.keys = entry.node->partitions->keys(&storage);
  auto records = storage.partition_status(key);  // sorted by partition key
  status.states.assign(status.keys.size(), PartitionState::kMissing);
  auto state_of = [](const PartitionStatusRecord& record) {
    return record.materialized ? PartitionState::kMaterialized : PartitionState::kFailed;
  };
  if (std::is_sorted(status.keys.begin(), status.keys.end())) {
    // Keys in lexicographic order (e.g. ISO dates): one merge pass, no hashing.
    size_t r = 0;
    for (size_t i = 0; i < status.keys.size() && r < records.size(); ++i) {
      while (r < records.size() && records[r].partition < status.keys[i]) ++r;
      if (r < records.size() && records[r].partition == status.keys[i]) status.states[i] = state_of(records[r]);
    }
  } else {
    std::unordered_map<std::string_view, PartitionState> stored;
    stored.reserve(records.size());
    for (const auto& record : records) stored.emplace(record.partition, state_of(record));
    for (size_t i = 0; i < status.keys.size(); ++i) {
      if (auto it = stored.find(status.keys[i]); it != stored.end()) status.states[i] = it->second;
    }
  }
  for (PartitionState state : status.states) {
    (state == PartitionState::kMaterialized ? status.materialized
     : state == PartitionState::kFailed     ? status.failed
                                            : status.missing) += 1;
  }
  return status;
}

}  // namespace strata
