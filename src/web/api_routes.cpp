// route(): which handler answers a request under /api/v1, with the checks every action shares
// (a JSON object body).
#include "api.hpp"
#include "api_error.hpp"

namespace strata::web {
namespace {

constexpr const char* kAssetViews[] = {"materializations", "partitions"};

Json json_body(const HttpRequest& request) {
  if (request.body.empty()) return Json::object();
  Json body = Json::parse(request.body, nullptr, false);
  if (body.is_discarded()) throw ApiError(400, "bad_body", "the request body is not well-formed JSON");
  if (!body.is_object()) throw ApiError(400, "bad_body", "the request body must be a JSON object");
  return body;
}

std::string joined(const std::vector<std::string>& parts, size_t from, size_t to) {
  std::string out;
  for (size_t i = from; i < to; ++i) out += (i > from ? "/" : "") + parts[i];
  return out;
}

[[noreturn]] void not_found(const HttpRequest& request) {
  throw ApiError(404, "not_found", "no endpoint " + request.method + " " + request.raw_path);
}

HttpResponse route_asset(ApiContext& api, const HttpRequest& request) {
  const auto& s = request.segments;  // api v1 assets KEY... [view]
  if (request.method != "GET") throw ApiError(405, "method_not_allowed", "assets are read with GET");
  // A key whose last component is a view's name is the key itself only when no shorter key exists.
  if (s.size() >= 5) {
    for (const char* view : kAssetViews) {
      if (s.back() != view) continue;
      int index = api.defs.asset_graph().find(AssetKey(std::vector<std::string>(s.begin() + 3, s.end() - 1)));
      if (index < 0) continue;
      if (s.back() == "materializations") return get_materializations(api, index, request);
      return get_partitions(api, index);
    }
  }
  int index = api.defs.asset_graph().find(AssetKey(std::vector<std::string>(s.begin() + 3, s.end())));
  if (index < 0) index = api.catalog.index_of(joined(s, 3, s.size()));  // throws unknown_asset
  return get_asset(api, index);
}

}  // namespace

HttpResponse route(ApiContext& api, const HttpRequest& request) {
  const auto& s = request.segments;
  size_t n = s.size();
  bool get = request.method == "GET";
  bool post = request.method == "POST";
  if (!get && !post) throw ApiError(405, "method_not_allowed", "the API answers GET and POST only");
  std::string what = n > 2 ? s[2] : "";
  if (what == "assets" && n >= 4) return route_asset(api, request);
  if (get) {
    if (n == 3 && what == "instance") return get_instance(api, request);
    if (n == 3 && what == "assets") return get_assets(api, request);
    if (n == 3 && what == "graph") return get_graph(api, request);
    if (n == 3 && what == "runs") return get_runs(api, request);
    if (n == 4 && what == "runs") return get_run(api, s[3]);
    if (n == 5 && what == "runs" && s[4] == "events") return get_run_events(api, s[3], request);
    if (n == 3 && what == "jobs") return get_jobs(api);
    if (n == 3 && what == "schedules") return get_schedules(api);
    if (n == 3 && what == "sensors") return get_sensors(api);
    if (n == 3 && what == "backfills") return get_backfills(api);
    if (n == 4 && what == "backfills") return get_backfill(api, s[3]);
  } else {
    if (n == 3 && what == "runs") return post_run(api, json_body(request));
    if (n == 5 && what == "runs" && s[4] == "cancel") return post_cancel(api, s[3]);
    if (n == 5 && what == "runs" && s[4] == "reexecute") return post_reexecute(api, s[3], json_body(request));
    if (n == 3 && what == "backfills") return post_backfill(api, json_body(request));
    if (n == 5 && what == "backfills" && s[4] == "cancel") return post_backfill_cancel(api, s[3]);
    if (n == 5 && (what == "schedules" || what == "sensors") && (s[4] == "start" || s[4] == "stop")) {
      return post_instigator_status(api, what == "schedules" ? "schedule" : "sensor", s[3], s[4] == "start");
    }
  }
  not_found(request);
}

}  // namespace strata::web
