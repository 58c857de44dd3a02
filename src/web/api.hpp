// The JSON API's endpoints (docs/api.md): route() maps a request under /api/v1 to its handler.
// Reads (GET) are in api_reads.cpp, actions (POST: launch, cancel, re-execute, backfill) in
// api_actions.cpp. Handlers throw ApiError for requests they refuse.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "asset_catalog.hpp"
#include "event_hub.hpp"
#include "http.hpp"
#include "json_views.hpp"
#include "strata/core/definitions/definitions.hpp"
#include "strata/execution/run_cancellation.hpp"
#include "strata/storage/instance.hpp"

namespace strata::web {

// Backfills this server runs (a thread each), so that they can be canceled and waited for.
class BackfillRunner {
 public:
  ~BackfillRunner();
  void add(const std::string& backfill_id, std::shared_ptr<RunCancellation> cancel, std::thread thread);
  // False when the backfill is not one of this server's running backfills.
  bool cancel(const std::string& backfill_id);
  // Cancels every backfill and waits for their threads.
  void stop();

 private:
  std::mutex mutex_;
  std::map<std::string, std::shared_ptr<RunCancellation>> cancels_;
  std::vector<std::thread> threads_;
};

struct ApiContext {
  const Definitions& defs;
  std::shared_ptr<Instance> instance;
  AssetCatalog catalog;
  std::vector<std::string> program;  // how to start this program for a launched run
  EventHub& hub;
  BackfillRunner backfills;
  bool token_required = false;
};

// Answers a request whose path starts with /api/v1 (segments[0..1] == "api", "v1").
HttpResponse route(ApiContext& api, const HttpRequest& request);

// Reads.
HttpResponse get_instance(ApiContext& api, const HttpRequest& request);
HttpResponse get_assets(ApiContext& api, const HttpRequest& request);
HttpResponse get_graph(ApiContext& api, const HttpRequest& request);
HttpResponse get_asset(ApiContext& api, int index);
HttpResponse get_materializations(ApiContext& api, int index, const HttpRequest& request);
HttpResponse get_partitions(ApiContext& api, int index);
HttpResponse get_runs(ApiContext& api, const HttpRequest& request);
HttpResponse get_run(ApiContext& api, const std::string& run_id);
HttpResponse get_run_events(ApiContext& api, const std::string& run_id, const HttpRequest& request);
HttpResponse get_jobs(ApiContext& api);
HttpResponse get_schedules(ApiContext& api);
HttpResponse get_sensors(ApiContext& api);
// POST /schedules/{name}/start|stop and /sensors/{name}/start|stop: the status the daemon follows.
HttpResponse post_instigator_status(ApiContext& api, const std::string& kind, const std::string& name, bool start);
HttpResponse get_backfills(ApiContext& api);
HttpResponse get_backfill(ApiContext& api, const std::string& backfill_id);

// Actions (POST).
HttpResponse post_run(ApiContext& api, const Json& body);
HttpResponse post_cancel(ApiContext& api, const std::string& run_id);
HttpResponse post_reexecute(ApiContext& api, const std::string& run_id, const Json& body);
HttpResponse post_backfill(ApiContext& api, const Json& body);
HttpResponse post_backfill_cancel(ApiContext& api, const std::string& backfill_id);

// Helpers shared by the handlers.
HttpResponse json_response(const Json& body, int status = 200);
HttpResponse raw_json_response(std::string body, int status = 200);
RunRecord known_run(ApiContext& api, const std::string& run_id);  // ApiError unknown_run (404)
int int_param(const HttpRequest& request, const std::string& name, int fallback, int min, int max);

}  // namespace strata::web
