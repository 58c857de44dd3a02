#include "strata/execution/reexecution.hpp"

#include <nlohmann/json.hpp>
#include <set>

#include "strata/core/config/secret_masking.hpp"

namespace strata {
namespace {

constexpr const char* kAssetJobName = "__ASSET_JOB";

std::string joined(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

// The plan the parent ran, rebuilt from these Definitions.
ExecutionPlan parent_plan(const Definitions& defs, const RunRecord& parent) {
  std::string run = "run " + parent.run_id;
  if (parent.job_name != kAssetJobName) {
    if (!defs.has_job(parent.job_name)) {
      throw Error(run + " is a run of job '" + parent.job_name + "', which this program does not define");
    }
    return ExecutionPlan::for_job(defs, defs.job(parent.job_name));
  }
  std::vector<AssetKey> keys;
  size_t start = 0;
  while (start <= parent.selection.size() && !parent.selection.empty()) {
    size_t comma = parent.selection.find(',', start);
    std::string text = parent.selection.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    AssetKey key(text);
    if (defs.asset_graph().find(key) < 0) {
      throw Error(run + " materialized asset '" + text + "', which this program no longer defines");
    }
    keys.push_back(key);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return ExecutionPlan::for_assets(defs, keys);
}

// The partitions the parent ran: the recorded list, else its single partition or range.
std::vector<std::string> parent_partitions(const RunRecord& parent, const ExecutionPlan& plan, Storage& storage) {
  const auto& tags = parent.tags;
  if (auto it = tags.find("strata/partition_keys"); it != tags.end()) {
    auto keys = nlohmann::json::parse(it->second, nullptr, false);
    if (keys.is_array()) return keys.get<std::vector<std::string>>();
  }
  if (auto it = tags.find("strata/partition"); it != tags.end()) return {it->second};
  if (auto it = tags.find("strata/partition_range"); it != tags.end()) {
    size_t dots = it->second.find("..");
    for (const auto& step : plan.steps()) {
      if (step.node->partitions && dots != std::string::npos) {
        return step.node->partitions->key_range(it->second.substr(0, dots), it->second.substr(dots + 2),
                                                "run " + parent.run_id, &storage);
      }
    }
  }
  return {};
}

RunConfig parent_run_config(const RunRecord& parent) {
  if (parent.run_config.empty() || parent.run_config == "{}" || parent.run_config == "null") return RunConfig();
  if (parent.run_config.find(std::string("\"") + kMaskedValue + "\"") != std::string::npos) {
    throw Error("run " + parent.run_id +
                " had secret values in its run config, which are never stored; give the run config again");
  }
  try {
    return RunConfig::from_json(parent.run_config);
  } catch (const ConfigError& e) {
    throw StorageError("run " + parent.run_id + ": stored run config is damaged: " + e.what());
  }
}

}  // namespace

ReexecutionPlan plan_reexecution(const Definitions& defs, Storage& storage, const std::string& parent_run_id,
                                 const ReexecutionRequest& request) {
  auto parent = storage.get_run(parent_run_id);
  if (!parent) throw Error("no run " + parent_run_id + " in " + storage.describe());
  std::string run = "run " + parent->run_id;
  if (!is_finished(parent->status)) {
    throw Error(run + " is " + run_status_name(parent->status) + "; re-execute it once it has finished");
  }
  ExecutionPlan full = parent_plan(defs, *parent);
  std::set<std::string> plan_steps;
  for (const auto& step : full.steps()) plan_steps.insert(step.key);
  std::set<std::string> succeeded;
  for (const auto& record : storage.events_for_run(parent->run_id)) {
    const Event& event = record.event;
    if (event.step_key.empty()) continue;
    if (!plan_steps.count(event.step_key)) {
      throw Error(run + " ran step '" + event.step_key +
                  "', which this program's definitions no longer have; it cannot be re-executed");
    }
    if (event.type == EventType::kStepSuccess) succeeded.insert(event.step_key);
  }

  std::set<std::string> chosen;
  if (request.from_failure && !request.steps.empty()) throw Error("give either from_failure or steps, not both");
  if (request.from_failure) {
    for (const auto& key : plan_steps) {
      if (!succeeded.count(key)) chosen.insert(key);
    }
    if (chosen.empty()) throw Error(run + " succeeded: no step failed, nothing to re-execute from failure");
  } else if (!request.steps.empty()) {
    for (const auto& name : request.steps) {
      if (plan_steps.count(name)) {
        chosen.insert(name);
        continue;
      }
      std::string step_of_asset;
      for (const auto& step : full.steps()) {
        for (const auto& out : step.node->outputs) {
          if (out.asset_key && out.asset_key->to_string() == name) step_of_asset = step.key;
        }
      }
      if (step_of_asset.empty()) {
        throw Error("'" + name + "' is not a step or asset of " + run +
                    " (steps: " + joined(std::vector<std::string>(plan_steps.begin(), plan_steps.end())) + ")");
      }
      chosen.insert(step_of_asset);
    }
  } else {
    chosen = plan_steps;
  }

  ReexecutionPlan out{full.subset(chosen, parent->run_id), RunOptions{}, parent->run_id, parent->run_id};
  if (auto root = parent->tags.find("strata/root_run_id"); root != parent->tags.end()) out.root_run_id = root->second;
  for (const auto& [key, value] : parent->tags) {
    if (key.rfind("strata/", 0) != 0) out.options.tags[key] = value;
  }
  out.options.tags["strata/parent_run_id"] = out.parent_run_id;
  out.options.tags["strata/root_run_id"] = out.root_run_id;
  out.options.partition_keys = parent_partitions(*parent, full, storage);
  out.options.run_config = request.run_config ? *request.run_config : parent_run_config(*parent);
  return out;
}

}  // namespace strata
