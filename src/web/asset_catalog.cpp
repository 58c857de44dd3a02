#include "asset_catalog.hpp"

#include <typeinfo>

#include "api_error.hpp"
#include "json_views.hpp"
#include "strata/core/definitions/asset_selection.hpp"
#include "strata/core/types/type_info.hpp"

namespace strata::web {
namespace {

std::string manager_kind(const Definitions& defs, const std::string& key) {
  auto it = defs.resources().find(key);
  if (it != defs.resources().end()) return demangle(typeid(it->second.prototype()).name());
  return key == kDefaultIOManagerKey ? "strata::FilesystemIOManager" : "";
}

Json dump_ready(const std::string& text) { return json_text(text); }

}  // namespace

const char* asset_status_name(AssetStatus status) {
  switch (status) {
    case AssetStatus::kNeverMaterialized:
      return "never_materialized";
    case AssetStatus::kFresh:
      return "fresh";
    case AssetStatus::kUpstreamNewer:
      return "upstream_newer";
    case AssetStatus::kFailed:
      return "failed";
    case AssetStatus::kRunning:
      return "running";
  }
  return "unknown";
}

AssetCatalog::AssetCatalog(const Definitions& defs) : defs_(defs) {
  const AssetGraph& graph = defs.asset_graph();
  assets_.reserve(graph.entries().size());
  for (const auto& entry : graph.entries()) {
    const NodeDef& node = *entry.node;
    const OutputDef& output = node.outputs[static_cast<size_t>(entry.output_index)];
    AssetInfo info;
    info.key = entry.key.to_string();
    info.group = output.group.empty() ? "default" : output.group;
    info.description = output.description.empty() ? node.description : output.description;
    info.io_manager = Definitions::io_manager_key_for(output);
    info.kind = manager_kind(defs, info.io_manager);
    info.type = output.type ? output.type->name : "";
    info.partitioned = node.partitions != nullptr;
    info.is_source = entry.is_source;
    Json deps = Json::array();
    for (int up : entry.upstream) deps.push_back(dump_ready(graph.entry(up).key.to_string()));
    Json head = {{"key", dump_ready(info.key)},
                 {"group", dump_ready(info.group)},
                 {"description", dump_ready(info.description)},
                 {"io_manager", dump_ready(info.io_manager)},
                 {"kind", dump_ready(info.kind)},
                 {"partitioned", info.partitioned},
                 {"is_source", info.is_source},
                 {"deps", std::move(deps)}};
    std::string text = head.dump();
    text.pop_back();  // the closing brace: status and latest follow
    info.json_prefix = std::move(text);
    assets_.push_back(std::move(info));
  }
}

int AssetCatalog::index_of(const std::string& key) const {
  int index = key.empty() ? -1 : defs_.asset_graph().find(AssetKey(key));
  if (index < 0) {
    std::string message = "unknown asset key '" + key + "'";
    if (auto nearest = defs_.asset_graph().nearest(AssetKey(key))) {
      message += "; did you mean '" + nearest->to_string() + "'?";
    }
    throw ApiError(404, "unknown_asset", message);
  }
  return index;
}

std::vector<int> AssetCatalog::select(const std::string& selection) const {
  try {
    std::vector<int> out;
    for (const auto& key : AssetSelection::parse(selection).resolve(defs_.asset_graph())) {
      out.push_back(defs_.asset_graph().find(key));
    }
    return out;
  } catch (const DefinitionError& e) {
    throw ApiError(400, "bad_selection", std::string("bad selection '") + selection + "': " + e.what());
  }
}

std::vector<int> AssetCatalog::run_coverage(const RunRecord& run) const {
  std::string cache_key = run.selection.empty() ? "j:" + run.job_name : "s:" + run.selection;
  {
    std::lock_guard lock(mutex_);
    auto it = coverage_.find(cache_key);
    if (it != coverage_.end()) return it->second;
  }
  std::vector<int> covered;
  try {
    std::vector<AssetKey> keys;
    if (!run.selection.empty()) {
      keys = AssetSelection::parse(run.selection).resolve(defs_.asset_graph());
    } else if (defs_.has_job(run.job_name) && defs_.job(run.job_name).kind() == JobDefinition::Kind::kAssets) {
      keys = defs_.job(run.job_name).selection().resolve(defs_.asset_graph());
    }
    for (const auto& key : keys) covered.push_back(defs_.asset_graph().find(key));
  } catch (const Error&) {
    covered.clear();  // a run of definitions this program no longer has
  }
  std::lock_guard lock(mutex_);
  if (coverage_.size() > 4096) coverage_.clear();
  coverage_[cache_key] = covered;
  return covered;
}

AssetStates AssetCatalog::states(Storage& storage) const {
  const AssetGraph& graph = defs_.asset_graph();
  size_t n = assets_.size();
  AssetStates out;
  out.entries = storage.asset_catalog();
  out.stored.assign(n, nullptr);
  for (const auto& entry : out.entries) {
    int index = graph.find(entry.key);
    if (index >= 0) out.stored[static_cast<size_t>(index)] = &entry;
  }
  std::vector<char> running(n, 0);
  for (RunStatus status : {RunStatus::kStarted, RunStatus::kCanceling}) {
    for (const auto& run : storage.runs({.status = status, .limit = 10'000})) {
      for (int index : run_coverage(run)) {
        const AssetCatalogEntry* stored = out.stored[static_cast<size_t>(index)];
        bool recorded =
            stored && (stored->materialization_run_id == run.run_id || stored->failure_run_id == run.run_id);
        if (!recorded) running[static_cast<size_t>(index)] = 1;
      }
    }
  }
  out.status.assign(n, AssetStatus::kNeverMaterialized);
  for (size_t i = 0; i < n; ++i) {
    const AssetCatalogEntry* stored = out.stored[i];
    int64_t materialized = stored ? stored->last_materialization_id : 0;
    if (running[i]) {
      out.status[i] = AssetStatus::kRunning;
    } else if (stored && stored->last_failure_id > materialized) {
      out.status[i] = AssetStatus::kFailed;
    } else if (materialized == 0) {
      out.status[i] = AssetStatus::kNeverMaterialized;
    } else {
      bool newer = false;
      for (int up : graph.entry(static_cast<int>(i)).upstream) {
        const AssetCatalogEntry* upstream = out.stored[static_cast<size_t>(up)];
        newer = newer || (upstream && upstream->last_materialization_id > materialized);
      }
      out.status[i] = newer ? AssetStatus::kUpstreamNewer : AssetStatus::kFresh;
    }
  }
  return out;
}

}  // namespace strata::web
