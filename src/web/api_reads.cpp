// The GET endpoints of the JSON API (docs/api.md). None of them changes anything.
#include <algorithm>
#include <chrono>
#include <map>
#include <set>

#include "api.hpp"
#include "api_error.hpp"
#include "strata/core/partitions/partitions.hpp"
#include "strata/daemon/default_loops.hpp"
#include "strata/daemon/schedule_loop.hpp"
#include "strata/execution/backfill.hpp"
#include "strata/execution/plan.hpp"

namespace strata::web {
namespace {

std::string dump(const Json& json) { return json.dump(-1, ' ', false, Json::error_handler_t::replace); }

// Case-insensitive substring match (ASCII).
bool contains_text(const std::string& haystack, const std::string& needle_lower) {
  if (needle_lower.empty()) return true;
  auto it = std::search(haystack.begin(), haystack.end(), needle_lower.begin(), needle_lower.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != haystack.end();
}

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// The graph indices a list request covers: ?select= (selection syntax) and ?q= (text in key, group
// or description) and ?group=.
std::vector<int> listed_assets(ApiContext& api, const HttpRequest& request) {
  std::vector<int> indices;
  if (auto select = request.param("select"); select && !select->empty()) {
    indices = api.catalog.select(*select);
    std::sort(indices.begin(), indices.end());
  } else {
    indices.resize(api.catalog.assets().size());
    for (size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<int>(i);
  }
  std::string q = lower(request.param("q").value_or(""));
  std::optional<std::string> group = request.param("group");
  if (q.empty() && !group) return indices;
  std::vector<int> out;
  for (int index : indices) {
    const AssetInfo& info = api.catalog.assets()[static_cast<size_t>(index)];
    if (group && info.group != *group) continue;
    if (!q.empty() && !contains_text(info.key, q) && !contains_text(info.group, q) &&
        !contains_text(info.description, q)) {
      continue;
    }
    out.push_back(index);
  }
  return out;
}

Json failure_json(const AssetCatalogEntry* stored) {
  if (!stored || stored->last_failure_id == 0) return nullptr;
  return {{"event_id", stored->last_failure_id}, {"run_id", json_text(stored->failure_run_id)}};
}

std::optional<RunStatus> status_param(const std::string& text) {
  std::string upper = text;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return run_status_from_name(upper);
}

// The steps of a run: what its plan holds (when these definitions can still plan it), with their
// state from the run's events.
Json run_steps(ApiContext& api, const RunRecord& run, const std::vector<EventRecord>& events) {
  struct Step {
    std::string status = "not_started";
    int64_t start = 0, end = 0;
    int attempts = 0;
    std::string error;
  };
  std::vector<std::string> order;
  std::map<std::string, Step> steps;
  auto step = [&](const std::string& key) -> Step& {
    auto [it, inserted] = steps.try_emplace(key);
    if (inserted) order.push_back(key);
    return it->second;
  };
  try {
    std::optional<ExecutionPlan> plan;
    if (!run.selection.empty()) {
      plan = ExecutionPlan::for_assets(api.defs, AssetSelection::parse(run.selection).resolve(api.defs.asset_graph()));
    } else if (api.defs.has_job(run.job_name)) {
      plan = ExecutionPlan::for_job(api.defs, api.defs.job(run.job_name));
    }
    if (plan && run.tags.count("strata/parent_run_id") == 0) {
      for (const auto& planned : plan->steps()) step(planned.key);
    }
  } catch (const Error&) {
    // Definitions that changed since the run: its events still say what ran.
  }
  for (const auto& record : events) {
    const Event& e = record.event;
    if (e.step_key.empty()) continue;
    switch (e.type) {
      case EventType::kStepStart: {
        Step& s = step(e.step_key);
        s.status = "running";
        s.start = e.timestamp_us;
        s.attempts = std::max(s.attempts, 1);
        break;
      }
      case EventType::kStepRestarted:
        step(e.step_key).attempts += 1;
        step(e.step_key).status = "running";
        break;
      case EventType::kStepUpForRetry:
        step(e.step_key).status = "up_for_retry";
        break;
      case EventType::kStepSuccess:
        step(e.step_key).status = "success";
        step(e.step_key).end = e.timestamp_us;
        break;
      case EventType::kStepFailure:
        step(e.step_key).status = "failure";
        step(e.step_key).end = e.timestamp_us;
        step(e.step_key).error = e.message;
        break;
      case EventType::kStepSkipped:
        step(e.step_key).status = "skipped";
        step(e.step_key).end = e.timestamp_us;
        break;
      default:
        break;
    }
  }
  Json out = Json::array();
  for (const auto& key : order) {
    Step& s = steps[key];
    if (is_finished(run.status) && (s.status == "running" || s.status == "up_for_retry")) s.status = "canceled";
    Json item = {{"key", json_text(key)},
                 {"status", s.status},
                 {"start", time_json(s.start)},
                 {"end", time_json(s.end)},
                 {"attempts", s.attempts}};
    if (!s.error.empty()) item["error"] = json_text(s.error);
    out.push_back(std::move(item));
  }
  return out;
}

Json backfill_json(const BackfillRecord& backfill) {
  return {{"backfill_id", json_text(backfill.backfill_id)},
          {"selection", json_text(backfill.selection)},
          {"status", backfill.status},
          {"partition_count", backfill.partitions.size()},
          {"first", backfill.partitions.empty() ? Json() : Json(json_text(backfill.partitions.front()))},
          {"last", backfill.partitions.empty() ? Json() : Json(json_text(backfill.partitions.back()))},
          {"num_runs", backfill.num_runs},
          {"runs_succeeded", backfill.runs_succeeded},
          {"runs_failed", backfill.runs_failed},
          {"create", time_json(backfill.create_time_us)},
          {"end", time_json(backfill.end_time_us)}};
}

}  // namespace

HttpResponse json_response(const Json& body, int status) { return raw_json_response(dump(body), status); }

HttpResponse raw_json_response(std::string body, int status) {
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

int int_param(const HttpRequest& request, const std::string& name, int fallback, int min, int max) {
  auto text = request.param(name);
  if (!text) return fallback;
  try {
    size_t used = 0;
    long long value = std::stoll(*text, &used);
    if (used != text->size() || value < min || value > max) throw std::out_of_range(name);
    return static_cast<int>(value);
  } catch (const std::exception&) {
    throw ApiError(400, "bad_parameter",
                   "parameter '" + name + "' must be a whole number from " + std::to_string(min) + " to " +
                       std::to_string(max) + ", got '" + *text + "'");
  }
}

RunRecord known_run(ApiContext& api, const std::string& run_id) {
  auto run = api.instance->storage().get_run(run_id);
  if (!run) throw ApiError(404, "unknown_run", "unknown run '" + run_id + "'");
  return *run;
}

namespace {

// The daemon as the instance knows it: the lease (is one active?) and each loop's heartbeat.
Json daemon_json(Storage& storage) {
  Json loops = Json::array();
  for (const auto& beat : storage.daemon_heartbeats()) {
    loops.push_back({{"name", json_text(beat.loop)},
                     {"daemon_id", json_text(beat.daemon_id)},
                     {"last_heartbeat", time_json(beat.time_us)},
                     {"last_error", beat.last_error.empty() ? Json() : Json(json_text(beat.last_error))},
                     {"last_error_time", beat.last_error.empty() ? Json() : time_json(beat.last_error_time_us)}});
  }
  auto lease = storage.daemon_lease();
  auto now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  bool running = lease && lease->expires_us > now_us;
  return {
      {"running", running}, {"holder", lease ? Json(json_text(lease->holder)) : Json()}, {"loops", std::move(loops)}};
}

}  // namespace

HttpResponse get_instance(ApiContext& api, const HttpRequest&) {
  const InstanceConfig& config = api.instance->config();
  const RunQueueConfig& queue = config.run_queue;
  bool queued = queue.max_concurrent_runs.has_value() || !queue.tag_concurrency_limits.empty();
  Json out = {
      {"strata_home", json_text(api.instance->home().string())},
      {"storage",
       {{"kind", config.backend == InstanceConfig::Backend::kSqlite ? "sqlite" : "postgres"},
        {"location", json_text(api.instance->storage().describe())}}},
      {"schema_version", Storage::kSchemaVersion},
      {"run_queue",
       {{"enabled", queued},
        {"max_concurrent_runs", queue.max_concurrent_runs ? Json(*queue.max_concurrent_runs) : Json()}}},
      {"launch", queued ? "queue" : "detached_process"},
      {"daemon", daemon_json(api.instance->storage())},
      {"auth", {{"token_required", api.token_required}}},
      {"asset_count", api.catalog.assets().size()},
      {"job_count", api.defs.jobs().size()},
  };
  return json_response(out);
}

HttpResponse get_assets(ApiContext& api, const HttpRequest& request) {
  std::vector<int> indices = listed_assets(api, request);
  AssetStates states = api.catalog.states(api.instance->storage());
  std::string body = "{\"assets\":[";
  body.reserve(indices.size() * 200);
  bool first = true;
  for (int index : indices) {
    size_t i = static_cast<size_t>(index);
    if (!first) body += ',';
    first = false;
    body += api.catalog.assets()[i].json_prefix;
    body += ",\"status\":\"";
    body += asset_status_name(states.status[i]);
    body += "\",\"latest\":";
    const AssetCatalogEntry* stored = states.stored[i];
    if (!stored || stored->last_materialization_id == 0) {
      body += "null}";
      continue;
    }
    body += "{\"event_id\":" + std::to_string(stored->last_materialization_id) + ",\"run_id\":";
    append_json_string(body, stored->materialization_run_id);
    body += ",\"timestamp\":";
    append_time(body, stored->materialization_timestamp_us);
    body += ",\"partition\":";
    if (stored->materialization_partition) {
      append_json_string(body, *stored->materialization_partition);
    } else {
      body += "null";
    }
    body += "}}";
  }
  body += "]}";
  return raw_json_response(std::move(body));
}

HttpResponse get_graph(ApiContext& api, const HttpRequest& request) {
  std::vector<int> indices = listed_assets(api, request);
  AssetStates states = api.catalog.states(api.instance->storage());
  const AssetGraph& graph = api.defs.asset_graph();
  std::vector<int> position(graph.entries().size(), -1);
  for (size_t n = 0; n < indices.size(); ++n) position[static_cast<size_t>(indices[n])] = static_cast<int>(n);
  std::string body = "{\"nodes\":[";
  body.reserve(indices.size() * 80);
  for (size_t n = 0; n < indices.size(); ++n) {
    size_t i = static_cast<size_t>(indices[n]);
    const AssetInfo& info = api.catalog.assets()[i];
    body += n ? ",{\"key\":" : "{\"key\":";
    append_json_string(body, info.key);
    body += ",\"group\":";
    append_json_string(body, info.group);
    body += ",\"status\":\"";
    body += asset_status_name(states.status[i]);
    body += "\"}";
  }
  body += "],\"edges\":[";
  bool first = true;
  for (size_t n = 0; n < indices.size(); ++n) {
    for (int down : graph.entry(indices[n]).downstream) {
      int to = position[static_cast<size_t>(down)];
      if (to < 0) continue;
      if (!first) body += ',';
      first = false;
      body += '[' + std::to_string(n) + ',' + std::to_string(to) + ']';
    }
  }
  body += "]}";
  return raw_json_response(std::move(body));
}

HttpResponse get_asset(ApiContext& api, int index) {
  const AssetGraph& graph = api.defs.asset_graph();
  const auto& entry = graph.entry(index);
  const NodeDef& node = *entry.node;
  const OutputDef& output = node.outputs[static_cast<size_t>(entry.output_index)];
  const AssetInfo& info = api.catalog.assets()[static_cast<size_t>(index)];
  Storage& storage = api.instance->storage();
  AssetStates states = api.catalog.states(storage);
  auto neighbours = [&](const std::vector<int>& indices) {
    Json out = Json::array();
    for (int i : indices) {
      out.push_back({{"key", json_text(api.catalog.assets()[static_cast<size_t>(i)].key)},
                     {"status", asset_status_name(states.status[static_cast<size_t>(i)])}});
    }
    return out;
  };
  Json out = {{"key", json_text(info.key)},
              {"group", json_text(info.group)},
              {"description", json_text(info.description)},
              {"type", json_text(info.type)},
              {"io_manager", json_text(info.io_manager)},
              {"kind", json_text(info.kind)},
              {"is_source", info.is_source},
              {"step", json_text(node.name)},
              {"code_version", json_text(output.code_version)},
              {"status", asset_status_name(states.status[static_cast<size_t>(index)])},
              {"upstream", neighbours(entry.upstream)},
              {"downstream", neighbours(entry.downstream)},
              {"definition_metadata", metadata_json(output.metadata)},
              {"latest_failure", failure_json(states.stored[static_cast<size_t>(index)])}};
  if (node.partitions) {
    static const char* kKinds[] = {"static", "time_window", "dynamic", "multi"};
    auto keys = node.partitions->keys(&storage);
    out["partitions"] = {{"kind", kKinds[static_cast<int>(node.partitions->kind())]},
                         {"description", json_text(node.partitions->describe())},
                         {"count", keys.size()},
                         {"first", keys.empty() ? Json() : Json(json_text(keys.front()))},
                         {"last", keys.empty() ? Json() : Json(json_text(keys.back()))}};
  } else {
    out["partitions"] = nullptr;
  }
  auto latest = storage.latest_materialization(entry.key);
  if (latest) {
    Json event = event_json(*latest);
    out["latest"] = {{"event_id", latest->id},
                     {"run_id", event["run_id"]},
                     {"timestamp", event["timestamp"]},
                     {"partition", event.contains("partition") ? event["partition"] : Json()},
                     {"metadata", event.contains("metadata") ? event["metadata"] : Json::array()}};
  } else {
    out["latest"] = nullptr;
  }
  return json_response(out);
}

HttpResponse get_materializations(ApiContext& api, int index, const HttpRequest& request) {
  int limit = int_param(request, "limit", 100, 1, 10'000);
  bool all_metadata = request.param("metadata").value_or("numeric") == "all";
  const AssetKey& key = api.defs.asset_graph().entry(index).key;
  Json list = Json::array();
  for (const auto& record : api.instance->storage().materialization_history(key, limit)) {
    Json item = {{"event_id", record.id},
                 {"run_id", json_text(record.event.run_id)},
                 {"timestamp", time_json(record.event.timestamp_us)}};
    item["partition"] = record.event.partition ? Json(json_text(*record.event.partition)) : Json();
    Metadata kept;
    for (const auto& entry : record.event.metadata) {
      auto kind = entry.value.kind();
      bool numeric = kind == MetadataValue::Kind::kInt || kind == MetadataValue::Kind::kFloat ||
                     kind == MetadataValue::Kind::kTimestamp || kind == MetadataValue::Kind::kBool;
      if (all_metadata || numeric) kept.set(entry.key, entry.value);
    }
    item["metadata"] = metadata_json(kept);
    list.push_back(std::move(item));
  }
  return json_response({{"key", json_text(key.to_string())}, {"materializations", std::move(list)}});
}

HttpResponse get_partitions(ApiContext& api, int index) {
  const auto& entry = api.defs.asset_graph().entry(index);
  if (!entry.node->partitions) {
    throw ApiError(400, "not_partitioned", "asset '" + entry.key.to_string() + "' is not partitioned");
  }
  Storage& storage = api.instance->storage();
  AssetPartitionStatus status = asset_partition_status(api.defs, entry.key, storage);
  std::string states(status.keys.size(), '-');
  for (size_t i = 0; i < status.keys.size(); ++i) {
    if (status.states[i] == PartitionState::kMaterialized) states[i] = 'm';
    if (status.states[i] == PartitionState::kFailed) states[i] = 'f';
  }
  // Partitions of runs in progress that cover the asset: 'r'.
  size_t running = 0;
  std::unordered_map<std::string, size_t> position;
  auto find = [&](const std::string& key) -> std::optional<size_t> {
    if (position.empty()) {
      position.reserve(status.keys.size());
      for (size_t i = 0; i < status.keys.size(); ++i) position.emplace(status.keys[i], i);
    }
    auto it = position.find(key);
    if (it == position.end()) return std::nullopt;
    return it->second;
  };
  for (RunStatus run_status : {RunStatus::kStarted, RunStatus::kCanceling}) {
    for (const auto& run : storage.runs({.status = run_status, .limit = 10'000})) {
      auto covered = api.catalog.run_coverage(run);
      if (std::find(covered.begin(), covered.end(), index) == covered.end()) continue;
      std::optional<size_t> from, to;
      if (auto it = run.tags.find("strata/partition"); it != run.tags.end()) from = to = find(it->second);
      if (auto it = run.tags.find("strata/partition_range"); it != run.tags.end()) {
        size_t dots = it->second.find("..");
        if (dots != std::string::npos) {
          from = find(it->second.substr(0, dots));
          to = find(it->second.substr(dots + 2));
        }
      }
      if (!from || !to) continue;
      for (size_t i = *from; i <= *to && i < states.size(); ++i) {
        if (states[i] != 'r') ++running;
        states[i] = 'r';
      }
    }
  }
  // Written directly: an hourly asset over ten years has 87,600 keys.
  std::string body = "{\"key\":";
  body.reserve(status.keys.size() * 24 + 256);
  append_json_string(body, entry.key.to_string());
  body += ",\"count\":" + std::to_string(status.keys.size()) + ",\"first\":";
  if (status.keys.empty()) {
    body += "null,\"last\":null";
  } else {
    append_json_string(body, status.keys.front());
    body += ",\"last\":";
    append_json_string(body, status.keys.back());
  }
  body += ",\"keys\":[";
  for (size_t i = 0; i < status.keys.size(); ++i) {
    if (i) body += ',';
    append_json_string(body, status.keys[i]);
  }
  body += "],\"states\":\"" + states + "\",\"counts\":{\"materialized\":" + std::to_string(status.materialized) +
          ",\"failed\":" + std::to_string(status.failed) + ",\"missing\":" + std::to_string(status.missing) +
          ",\"running\":" + std::to_string(running) + "}}";
  return raw_json_response(std::move(body));
}

HttpResponse get_runs(ApiContext& api, const HttpRequest& request) {
  RunFilter filter;
  int limit = int_param(request, "limit", 50, 1, 1000);
  if (auto status = request.param("status"); status && !status->empty()) {
    filter.status = status_param(*status);
    if (!filter.status) {
      throw ApiError(
          400, "bad_status",
          "unknown run status '" + *status + "' (known: queued, started, canceling, success, failure, canceled)");
    }
  }
  if (auto job = request.param("job"); job && !job->empty()) filter.job_name = *job;
  if (auto asset = request.param("asset"); asset && !asset->empty()) {
    filter.asset_key = api.defs.asset_graph().entry(api.catalog.index_of(*asset)).key;
  }
  std::vector<std::pair<std::string, std::string>> tags;
  auto [from, to] = request.query.equal_range("tag");
  for (auto it = from; it != to; ++it) {
    size_t eq = it->second.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw ApiError(400, "bad_tag", "tag filter '" + it->second + "' is not KEY=VALUE");
    }
    tags.emplace_back(it->second.substr(0, eq), it->second.substr(eq + 1));
  }
  if (auto cursor = request.param("cursor"); cursor && !cursor->empty()) {
    try {
      filter.created_before_us = std::stoll(*cursor);
    } catch (const std::exception&) {
      throw ApiError(400, "bad_parameter",
                     "parameter 'cursor' must be a cursor the API returned, got '" + *cursor + "'");
    }
  }
  Json runs = Json::array();
  std::optional<int64_t> next;
  // Tag filters apply to pages of runs read newest first, until `limit` matched (at most 20 pages).
  filter.limit = tags.empty() ? limit : std::max(limit * 4, 200);
  for (int page = 0; page < 20 && static_cast<int>(runs.size()) < limit; ++page) {
    auto records = api.instance->storage().runs(filter);
    for (const auto& run : records) {
      next = run.create_time_us;
      bool match = std::all_of(tags.begin(), tags.end(), [&](const auto& tag) {
        auto it = run.tags.find(tag.first);
        return it != run.tags.end() && it->second == tag.second;
      });
      if (match) runs.push_back(run_json(run));
      if (static_cast<int>(runs.size()) >= limit) break;
    }
    if (static_cast<int>(records.size()) < filter.limit) {
      if (static_cast<int>(runs.size()) < limit) next.reset();
      break;
    }
    filter.created_before_us = next;
  }
  return json_response({{"runs", std::move(runs)}, {"next_cursor", next ? Json(std::to_string(*next)) : Json()}});
}

HttpResponse get_run(ApiContext& api, const std::string& run_id) {
  RunRecord run = known_run(api, run_id);
  auto events = api.instance->storage().events_for_run(run_id);
  Json out = run_json(run);
  Json config = Json::object();
  if (!run.run_config.empty()) {
    config = Json::parse(run.run_config, nullptr, false);
    if (config.is_discarded()) config = Json::object();
  }
  out["run_config"] = std::move(config);  // as stored: EnvVar-backed values never, secrets masked
  out["steps"] = run_steps(api, run, events);
  Json assets = Json::array();
  for (int index : api.catalog.run_coverage(run))
    assets.push_back(json_text(api.catalog.assets()[static_cast<size_t>(index)].key));
  out["assets"] = std::move(assets);
  out["event_count"] = events.size();
  out["last_event_id"] = events.empty() ? 0 : events.back().id;
  std::string error;
  for (const auto& record : events) {
    if (record.event.type == EventType::kRunFailure || record.event.type == EventType::kRunCanceled) {
      error = record.event.message;
    }
  }
  out["message"] = error.empty() ? Json() : Json(json_text(error));
  return json_response(out);
}

HttpResponse get_run_events(ApiContext& api, const std::string& run_id, const HttpRequest& request) {
  RunRecord run = known_run(api, run_id);
  int64_t after = 0;
  if (auto text = request.param("after"); text && !text->empty()) {
    try {
      after = std::stoll(*text);
    } catch (const std::exception&) {
      throw ApiError(400, "bad_parameter", "parameter 'after' must be an event id, got '" + *text + "'");
    }
  }
  int limit = int_param(request, "limit", 1000, 1, 10'000);
  auto records = api.instance->storage().events_for_run(run_id, after, limit);
  Json events = Json::array();
  for (const auto& record : records) events.push_back(event_json(record));
  int64_t cursor = records.empty() ? after : records.back().id;
  return json_response({{"run_id", json_text(run_id)},
                        {"status", run_status_name(run.status)},
                        {"events", std::move(events)},
                        {"cursor", cursor},
                        {"has_more", static_cast<int>(records.size()) == limit}});
}

HttpResponse get_jobs(ApiContext& api) {
  Json jobs = Json::array();
  for (const auto& job : api.defs.jobs()) {
    Json assets = Json::array();
    if (job.kind() == JobDefinition::Kind::kAssets) {
      try {
        for (const auto& key : job.selection().resolve(api.defs.asset_graph()))
          assets.push_back(json_text(key.to_string()));
      } catch (const Error&) {
      }
    }
    Json schedules = Json::array();
    for (const auto& schedule : api.defs.schedules()) {
      if (schedule.job_name == job.name()) schedules.push_back(json_text(schedule.name));
    }
    Json tags = Json::object();
    for (const auto& [key, value] : job.tags()) tags[json_text(key)] = json_text(value);
    jobs.push_back({{"name", json_text(job.name())},
                    {"kind", job.kind() == JobDefinition::Kind::kAssets ? "assets" : "ops"},
                    {"description", json_text(job.description())},
                    {"assets", std::move(assets)},
                    {"tags", std::move(tags)},
                    {"schedules", std::move(schedules)}});
  }
  return json_response({{"jobs", std::move(jobs)}});
}

namespace {

// The recorded ticks of an instigator, newest first, as the UI lists them.
Json ticks_json(Storage& storage, const std::string& name) {
  Json ticks = Json::array();
  for (const auto& tick : storage.ticks(name, 10)) {
    Json run_ids = Json::array();
    for (const auto& id : tick.run_ids) run_ids.push_back(json_text(id));
    ticks.push_back({{"time", time_json(tick.tick_time_us)},
                     {"status", tick.status},
                     {"run_ids", run_ids},
                     {"run_id", tick.run_ids.empty() ? Json() : Json(json_text(tick.run_ids.front()))},
                     {"skip_reason", json_text(tick.skip_reason)},
                     {"error", tick.error.empty() ? Json() : Json(json_text(tick.error))},
                     {"cursor", json_text(tick.cursor)}});
  }
  return ticks;
}

}  // namespace

HttpResponse get_schedules(ApiContext& api) {
  Storage& storage = api.instance->storage();
  auto states = instigator_states_by_name(storage);
  Json schedules = Json::array();
  for (const auto& schedule : api.defs.schedules()) {
    FollowedStatus followed = followed_status(states, schedule.name, schedule.default_status);
    auto next = upcoming_ticks(schedule, std::chrono::system_clock::now(), 1);
    Json next_tick;
    if (!next.empty()) {
      next_tick = time_json(std::chrono::duration_cast<std::chrono::microseconds>(next[0].time_since_epoch()).count());
    }
    schedules.push_back({{"name", json_text(schedule.name)},
                         {"job", json_text(schedule.job_name)},
                         {"cron", json_text(schedule.cron_schedule)},
                         {"timezone", json_text(schedule.timezone)},
                         {"state", instigator_status_name(followed.status)},
                         {"state_is_default", followed.is_default},
                         {"next_tick", next_tick},
                         {"ticks", ticks_json(storage, schedule.name)}});
  }
  return json_response({{"schedules", std::move(schedules)}});
}

HttpResponse get_sensors(ApiContext& api) {
  Storage& storage = api.instance->storage();
  auto states = instigator_states_by_name(storage);
  Json sensors = Json::array();
  for (const auto& sensor : api.defs.sensors()) {
    FollowedStatus followed = followed_status(states, sensor.name, sensor.default_status);
    auto found = states.find(sensor.name);
    const char* kind = sensor.kind == SensorDefinition::Kind::kAsset       ? "asset"
                       : sensor.kind == SensorDefinition::Kind::kRunStatus ? "run_status"
                                                                           : "custom";
    sensors.push_back({{"name", json_text(sensor.name)},
                       {"job", json_text(sensor.job_name)},
                       {"kind", kind},
                       {"minimum_interval_seconds", static_cast<double>(sensor.minimum_interval.count()) / 1000.0},
                       {"state", instigator_status_name(followed.status)},
                       {"state_is_default", followed.is_default},
                       {"cursor", found == states.end() ? Json() : Json(json_text(found->second.cursor))},
                       {"next_tick", nullptr},
                       {"ticks", ticks_json(storage, sensor.name)}});
  }
  return json_response({{"sensors", std::move(sensors)}});
}

HttpResponse get_backfills(ApiContext& api) {
  Json list = Json::array();
  for (const auto& backfill : api.instance->storage().backfills(100)) list.push_back(backfill_json(backfill));
  return json_response({{"backfills", std::move(list)}});
}

HttpResponse get_backfill(ApiContext& api, const std::string& backfill_id) {
  auto backfill = api.instance->storage().get_backfill(backfill_id);
  if (!backfill) throw ApiError(404, "unknown_backfill", "unknown backfill '" + backfill_id + "'");
  Json out = backfill_json(*backfill);
  Json partitions = Json::array();
  for (const auto& key : backfill->partitions) partitions.push_back(json_text(key));
  out["partitions"] = std::move(partitions);
  Json runs = Json::array();
  RunFilter filter;
  filter.created_after_us = backfill->create_time_us;
  filter.limit = 10'000;
  for (const auto& run : api.instance->storage().runs(filter)) {
    auto it = run.tags.find("strata/backfill_id");
    if (it != run.tags.end() && it->second == backfill_id) runs.push_back(run_json(run));
  }
  out["runs"] = std::move(runs);
  return json_response(out);
}

}  // namespace strata::web
