// The web UI's server over real HTTP: endpoints and their JSON, statuses, errors, security (headers,
// token, CSRF header, Host check, hostile text as JSON data, no secrets), launching, cancelling and
// re-executing runs as real processes, backfills, and the event stream while a run runs.

#include <algorithm>
#include <chrono>
#include <fstream>
#include <set>
#include <thread>

#include "sqlite_statement.hpp"
#include "subprocess.hpp"
#include "web_fixture.hpp"

namespace s = strata;
using s::testing::Json;
using s::testing::SseEvent;
using s::testing::SseReader;
using s::testing::WebTest;

namespace {

constexpr const char* kCsp =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'";

Json asset_in(const Json& list, const std::string& key) {
  for (const auto& asset : list.at("assets")) {
    if (asset.at("key") == key) return asset;
  }
  return Json();
}

Json entry(const Json& metadata, const std::string& label) {
  for (const auto& item : metadata) {
    if (item.at("label") == label) return item;
  }
  return Json();
}

}  // namespace

TEST_F(WebTest, InstanceAndSecurityHeaders) {
  start();
  auto response = get("/api/v1/instance");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(response->get_header_value("Content-Security-Policy"), kCsp);
  EXPECT_EQ(response->get_header_value("X-Content-Type-Options"), "nosniff");
  Json body = json(response);
  EXPECT_EQ(body["storage"]["kind"], "sqlite");
  EXPECT_EQ(body["schema_version"], s::Storage::kSchemaVersion);
  EXPECT_EQ(body["auth"]["token_required"], false);
  // Errors and the front end's files carry the headers too.
  auto missing = get("/api/v1/nothing");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(json(missing)["error"]["code"], "not_found");
  EXPECT_EQ(missing->get_header_value("Content-Security-Policy"), kCsp);
  auto page = get("/assets/numbers");  // a client-side route: index.html
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->get_header_value("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(page->body.find("<html"), std::string::npos);
  EXPECT_EQ(page->get_header_value("Content-Security-Policy"), kCsp);
}

TEST_F(WebTest, AssetStatuses) {
  start();
  Json before = json(get("/api/v1/assets"));
  ASSERT_EQ(before["assets"].size(), 6u);
  EXPECT_EQ(asset_in(before, "numbers")["status"], "never_materialized");
  EXPECT_TRUE(asset_in(before, "numbers")["latest"].is_null());
  EXPECT_EQ(asset_in(before, "total")["deps"], Json::array({"numbers"}));
  EXPECT_EQ(asset_in(before, "numbers")["group"], "demo");
  EXPECT_EQ(asset_in(before, "hourly")["partitioned"], true);

  auto first = materialize("numbers,total");
  ASSERT_TRUE(first.success()) << first.failure_message();
  EXPECT_FALSE(materialize("failing").success());
  Json after = json(get("/api/v1/assets"));
  EXPECT_EQ(asset_in(after, "numbers")["status"], "fresh");
  EXPECT_EQ(asset_in(after, "numbers")["latest"]["run_id"], first.run_id());
  EXPECT_EQ(asset_in(after, "total")["status"], "fresh");
  EXPECT_EQ(asset_in(after, "failing")["status"], "failed");
  EXPECT_EQ(asset_in(after, "gated")["status"], "never_materialized");

  ASSERT_TRUE(materialize("numbers").success());
  Json newer = json(get("/api/v1/assets"));
  EXPECT_EQ(asset_in(newer, "total")["status"], "upstream_newer");
  EXPECT_EQ(asset_in(newer, "numbers")["status"], "fresh");

  // Filters: selection syntax, text, group.
  Json selected = json(get("/api/v1/assets?select=numbers%2B"));
  EXPECT_EQ(selected["assets"].size(), 3u);  // numbers, total, failing
  EXPECT_EQ(json(get("/api/v1/assets?q=TOT"))["assets"].size(), 1u);
  EXPECT_EQ(json(get("/api/v1/assets?group=other"))["assets"].size(), 1u);
  auto bad = get("/api/v1/assets?select=nope");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json(bad)["error"]["code"], "bad_selection");
  EXPECT_NE(json(bad)["error"]["message"].get<std::string>().find("nope"), std::string::npos);
}

TEST_F(WebTest, GraphIsCompact) {
  start();
  Json graph = json(get("/api/v1/graph"));
  ASSERT_EQ(graph["nodes"].size(), 6u);
  std::vector<std::string> keys;
  for (const auto& node : graph["nodes"]) keys.push_back(node["key"]);
  std::set<std::pair<std::string, std::string>> edges;
  for (const auto& edge : graph["edges"]) edges.insert({keys.at(edge[0]), keys.at(edge[1])});
  std::set<std::pair<std::string, std::string>> expected = {
      {"numbers", "total"}, {"total", "gated"}, {"numbers", "failing"}};
  EXPECT_EQ(edges, expected);
  Json part = json(get("/api/v1/graph?select=total%2B"));
  EXPECT_EQ(part["nodes"].size(), 2u);
  EXPECT_EQ(part["edges"].size(), 1u);
}

// Hostile text in descriptions and metadata comes back as JSON strings (never HTML), and the chart
// embedded in markdown is exposed as a data URL the page can show.
TEST_F(WebTest, AssetDetailWithMetadataAsData) {
  start();
  ASSERT_TRUE(materialize("numbers").success());
  auto response = get("/api/v1/assets/numbers");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  EXPECT_EQ(response->get_header_value("Content-Type"), "application/json; charset=utf-8");
  EXPECT_EQ(response->get_header_value("X-Content-Type-Options"), "nosniff");
  Json asset = json(response);
  EXPECT_EQ(asset["description"], s::testing::kHostileText);
  EXPECT_EQ(asset["status"], "fresh");
  EXPECT_EQ(asset["downstream"].size(), 2u);
  const Json& metadata = asset["latest"]["metadata"];
  EXPECT_EQ(entry(metadata, "row_count")["kind"], "int");
  EXPECT_EQ(entry(metadata, "row_count")["value"], 3);
  EXPECT_EQ(entry(metadata, "note")["value"], s::testing::kHostileText);
  EXPECT_EQ(entry(metadata, "link")["kind"], "url");
  Json chart = entry(metadata, "chart");
  EXPECT_EQ(chart["kind"], "markdown");
  ASSERT_EQ(chart["images"].size(), 1u);
  EXPECT_EQ(chart["images"][0]["data_url"], s::testing::kTinyPngDataUrl);
  EXPECT_EQ(chart["images"][0]["content_type"], "image/png");
  EXPECT_EQ(chart["images"][0]["alt"], "bars");
  // The raw body holds the text only as JSON string content.
  EXPECT_EQ(response->body.find("<script>alert('x')</script>\""), std::string::npos);

  auto unknown = get("/api/v1/assets/numberz");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(json(unknown)["error"]["code"], "unknown_asset");
  EXPECT_NE(json(unknown)["error"]["message"].get<std::string>().find("numberz"), std::string::npos);

  ASSERT_TRUE(materialize("numbers").success());
  Json history = json(get("/api/v1/assets/numbers/materializations?limit=5"));
  ASSERT_EQ(history["materializations"].size(), 2u);
  const Json& numeric = history["materializations"][0]["metadata"];
  EXPECT_EQ(entry(numeric, "score")["value"], 0.5);  // the numbers to plot, and only them
  EXPECT_EQ(entry(numeric, "row_count")["value"], 3);
  for (const auto& item : numeric)
    EXPECT_TRUE(item["kind"] == "int" || item["kind"] == "float" || item["kind"] == "timestamp" ||
                item["kind"] == "bool")
        << item;
}

TEST_F(WebTest, PartitionStates) {
  start();
  ASSERT_TRUE(materialize("hourly", {"2024-01-01-05:00"}).success());
  auto response = get("/api/v1/assets/hourly/partitions");
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  Json body = json(response);
  EXPECT_EQ(body["count"], 48);
  ASSERT_EQ(body["keys"].size(), 48u);
  std::string states = body["states"];
  ASSERT_EQ(states.size(), 48u);
  EXPECT_EQ(body["keys"][5], "2024-01-01-05:00");
  EXPECT_EQ(states[5], 'm');
  EXPECT_EQ(std::count(states.begin(), states.end(), '-'), 47);
  EXPECT_EQ(body["counts"]["materialized"], 1);
  // Ten years of hours: every key and its state in one answer.
  ASSERT_TRUE(materialize("decade", {"2023-12-31-23:00"}).success());
  Json decade = json(get("/api/v1/assets/decade/partitions"));
  EXPECT_EQ(decade["count"], 87'648);
  EXPECT_EQ(decade["keys"].size(), 87'648u);
  EXPECT_EQ(decade["states"].get<std::string>().size(), 87'648u);
  EXPECT_EQ(decade["states"].get<std::string>().back(), 'm');
  EXPECT_EQ(decade["last"], "2023-12-31-23:00");
  auto unpartitioned = get("/api/v1/assets/numbers/partitions");
  ASSERT_TRUE(unpartitioned);
  EXPECT_EQ(unpartitioned->status, 400);
  EXPECT_EQ(json(unpartitioned)["error"]["code"], "not_partitioned");
}

TEST_F(WebTest, RunsWithFiltersStepsAndEvents) {
  start();
  auto ok = materialize("numbers,total");
  auto failed = materialize("failing");
  Json all = json(get("/api/v1/runs"));
  ASSERT_EQ(all["runs"].size(), 2u);
  EXPECT_EQ(all["runs"][0]["run_id"], failed.run_id());  // newest first
  Json failures = json(get("/api/v1/runs?status=failure"));
  ASSERT_EQ(failures["runs"].size(), 1u);
  EXPECT_EQ(failures["runs"][0]["run_id"], failed.run_id());
  EXPECT_EQ(json(get("/api/v1/runs?asset=total"))["runs"].size(), 1u);
  EXPECT_EQ(json(get("/api/v1/runs?tag=nothing%3Dhere"))["runs"].size(), 0u);
  EXPECT_EQ(json(get("/api/v1/runs?status=weird"))["error"]["code"], "bad_status");

  Json run = json(get("/api/v1/runs/" + ok.run_id()));
  EXPECT_EQ(run["status"], "SUCCESS");
  ASSERT_EQ(run["steps"].size(), 2u);
  EXPECT_EQ(run["steps"][0]["key"], "numbers");
  EXPECT_EQ(run["steps"][0]["status"], "success");
  EXPECT_EQ(run["steps"][0]["attempts"], 1);
  EXPECT_FALSE(run["steps"][0]["start"].is_null());
  EXPECT_FALSE(run["steps"][0]["end"].is_null());
  Json failed_run = json(get("/api/v1/runs/" + failed.run_id()));
  EXPECT_EQ(failed_run["steps"][0]["status"], "failure");

  Json events = json(get("/api/v1/runs/" + ok.run_id() + "/events"));
  ASSERT_GT(events["events"].size(), 4u);
  EXPECT_EQ(events["events"][0]["type"], "RUN_START");
  int64_t middle = events["events"][2]["id"];
  Json rest = json(get("/api/v1/runs/" + ok.run_id() + "/events?after=" + std::to_string(middle)));
  EXPECT_EQ(rest["events"].size(), events["events"].size() - 3);
  EXPECT_EQ(rest["events"][0]["id"], events["events"][3]["id"]);
  EXPECT_EQ(json(get("/api/v1/runs/nope"))["error"]["code"], "unknown_run");

  Json jobs = json(get("/api/v1/jobs"));
  ASSERT_EQ(jobs["jobs"].size(), 1u);
  EXPECT_EQ(jobs["jobs"][0]["name"], "demo_job");
  EXPECT_EQ(jobs["jobs"][0]["assets"].size(), 3u);
  EXPECT_EQ(json(get("/api/v1/backfills"))["backfills"], Json::array());
}

// A run record damaged in the database (edited by hand, a torn copy): the API answers with a stable
// code and a message naming the run and what is damaged, not a JSON library's exception as
// "internal".
TEST_F(WebTest, DamagedRunRecordIsAStorageErrorNamingTheRun) {
  start();
  auto ok = materialize("numbers");
  std::string damage = "UPDATE runs SET tags = '[1, ' WHERE run_id = '" + ok.run_id() + "'";
  ASSERT_EQ(s::testing::run_sqlite_statement(home_->path() / "home" / "history.db", damage), "");
  auto answer = get("/api/v1/runs");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 503);
  Json error = json(answer)["error"];
  EXPECT_EQ(error["code"], "storage_error") << error;  // the code the command line prints too
  EXPECT_EQ(error["message"].get<std::string>().rfind("run '" + ok.run_id() + "': stored tags are damaged", 0), 0u)
      << error;
}

// Regression: a storage error while a stream caught up from storage was thrown on the HTTP
// library's worker thread, where nothing catches: std::terminate ended the whole UI server. Now the
// stream ends (the browser reconnects) and the server goes on answering.
TEST_F(WebTest, AStorageErrorInAStreamEndsTheStreamNotTheServer) {
  auto ok = materialize("numbers");  // before the server starts: its stream catches up from storage
  start();
  std::string damage = "UPDATE event_logs SET event_type = 'DAMAGED' WHERE run_id = '" + ok.run_id() + "'";
  ASSERT_EQ(s::testing::run_sqlite_statement(home_->path() / "home" / "history.db", damage), "");
  SseReader stream(port_, "/api/v1/stream?run_id=" + ok.run_id());
  EXPECT_TRUE(stream.wait_ended());
  auto answer = get("/api/v1/runs");
  ASSERT_TRUE(answer) << "the server is gone";
  EXPECT_EQ(answer->status, 200) << answer->body;
  auto events = get("/api/v1/runs/" + ok.run_id());  // the run's events are what is damaged
  ASSERT_TRUE(events);
  EXPECT_EQ(events->status, 503) << events->body;
  EXPECT_EQ(json(events)["error"]["code"], "storage_error") << events->body;
}

// Schedules and sensors with the state the daemon follows; start/stop set it in the instance.
TEST_F(WebTest, SchedulesAndSensorsWithTheirStateAndStartStop) {
  start();
  Json schedules = json(get("/api/v1/schedules"))["schedules"];
  ASSERT_EQ(schedules.size(), 1u);
  EXPECT_EQ(schedules[0]["name"], "demo_yearly");
  EXPECT_EQ(schedules[0]["state"], "RUNNING");  // the definition's default_status
  EXPECT_EQ(schedules[0]["state_is_default"], true);
  EXPECT_TRUE(schedules[0]["next_tick"].is_number()) << schedules[0];
  EXPECT_EQ(schedules[0]["ticks"], Json::array());
  Json sensors = json(get("/api/v1/sensors"))["sensors"];
  ASSERT_EQ(sensors.size(), 1u);
  EXPECT_EQ(sensors[0]["name"], "demo_quiet");
  EXPECT_EQ(sensors[0]["state"], "STOPPED");
  EXPECT_EQ(sensors[0]["minimum_interval_seconds"], 1.0);

  EXPECT_EQ(json(post("/api/v1/schedules/demo_yearly/stop", Json::object()))["state"], "STOPPED");
  EXPECT_EQ(json(post("/api/v1/sensors/demo_quiet/start", Json::object()))["state"], "RUNNING");
  schedules = json(get("/api/v1/schedules"))["schedules"];
  EXPECT_EQ(schedules[0]["state"], "STOPPED");
  EXPECT_EQ(schedules[0]["state_is_default"], false);
  EXPECT_EQ(json(get("/api/v1/sensors"))["sensors"][0]["state"], "RUNNING");
  auto unknown = post("/api/v1/schedules/demo_yearl/start", Json::object());
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Json::parse(unknown->body)["error"]["code"], "unknown_schedule");
  EXPECT_EQ(json(get("/api/v1/instance"))["daemon"]["running"], false);
}

// `dev`: the UI and the daemon in one process; the daemon's heartbeats and ticks reach the API.
TEST_F(WebTest, DevServesTheUiAndRunsTheDaemon) {
  s::testing::Child child({STRATA_WEB_TEST_PROGRAM, "--home", (home_->path() / "home").string(), "dev", "--port", "0"});
  auto line = child.read_line();
  ASSERT_TRUE(line);
  ASSERT_EQ(line->rfind("Strata UI: http://127.0.0.1:", 0), 0u) << *line;
  int port = std::stoi(line->substr(std::string("Strata UI: http://127.0.0.1:").size()));
  httplib::Client client("127.0.0.1", port);
  httplib::Headers csrf{{"X-Strata-Request", "1"}};
  auto started = client.Post("/api/v1/sensors/demo_quiet/start", csrf, "{}", "application/json");
  ASSERT_TRUE(started);
  ASSERT_EQ(started->status, 200) << started->body;
  // Waits (bounded) for what the daemon records: its lease, every loop's heartbeat, a sensor tick.
  Json instance, sensors;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  for (;;) {
    instance = Json::parse(client.Get("/api/v1/instance")->body);
    sensors = Json::parse(client.Get("/api/v1/sensors")->body)["sensors"];
    if (instance["daemon"]["running"] == true && instance["daemon"]["loops"].size() == 4 &&
        !sensors[0]["ticks"].empty()) {
      break;
    }
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << instance.dump() << sensors.dump();
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::set<std::string> loops;
  for (const auto& loop : instance["daemon"]["loops"]) loops.insert(loop["name"].get<std::string>());
  EXPECT_EQ(loops, (std::set<std::string>{"backfills", "run_queue", "schedules", "sensors"}));
  EXPECT_EQ(sensors[0]["ticks"][0]["status"], "SKIPPED");
  EXPECT_EQ(sensors[0]["ticks"][0]["skip_reason"], "nothing new");
  EXPECT_EQ(child.kill_and_wait(SIGINT), 0);
}

// EnvVar values and secret run config never reach a response.
TEST_F(WebTest, NoSecretsInResponses) {
  start();
  auto run =
      materialize("numbers", {}, s::RunConfig::from_yaml("resources: {vault: {config: {signing: signing-run-value}}}"));
  ASSERT_TRUE(run.success()) << run.failure_message();
  std::string all;
  for (std::string path : {"/api/v1/instance", "/api/v1/assets", "/api/v1/assets/numbers", "/api/v1/runs",
                           "/api/v1/jobs", "/api/v1/graph"}) {
    all += get(path)->body;
  }
  all += get("/api/v1/runs/" + run.run_id())->body;
  all += get("/api/v1/runs/" + run.run_id() + "/events")->body;
  EXPECT_NE(all.find("run_config"), std::string::npos);
  EXPECT_EQ(all.find("signing-run-value"), std::string::npos);
  EXPECT_EQ(all.find("session-env-secret-value"), std::string::npos);
}

TEST_F(WebTest, TokenRequiredWhenSet) {
  start({.access_token = "t0ken-for-tests"});
  auto none = get("/api/v1/instance");
  ASSERT_TRUE(none);
  EXPECT_EQ(none->status, 401);
  EXPECT_EQ(json(none)["error"]["code"], "unauthorized");
  EXPECT_EQ(get("/")->status, 401);  // the front end's files too
  EXPECT_EQ(get("/api/v1/instance", {{"Authorization", "Bearer wrong"}})->status, 401);
  auto bearer = get("/api/v1/instance", {{"Authorization", "Bearer t0ken-for-tests"}});
  EXPECT_EQ(bearer->status, 200);
  EXPECT_EQ(json(bearer)["auth"]["token_required"], true);
  auto query = get("/?token=t0ken-for-tests");
  EXPECT_EQ(query->status, 200);
  std::string cookie = query->get_header_value("Set-Cookie");
  EXPECT_NE(cookie.find("HttpOnly"), std::string::npos);
  EXPECT_EQ(get("/api/v1/runs", {{"Cookie", cookie.substr(0, cookie.find(';'))}})->status, 200);
  // A POST with the token still needs the CSRF header.
  auto post_no_csrf =
      post("/api/v1/runs", {{"selection", "numbers"}}, false, {{"Authorization", "Bearer t0ken-for-tests"}});
  EXPECT_EQ(post_no_csrf->status, 403);
}

TEST_F(WebTest, NonLoopbackWithoutTokenIsRefused) {
  s::web::UiServer server(defs(), instance_, {.host = "0.0.0.0", .port = 0});
  try {
    server.start();
    FAIL() << "started on 0.0.0.0 without a token";
  } catch (const s::Error& e) {
    EXPECT_NE(std::string(e.what()).find("access token"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(server.running());
  auto result = s::testing::run_command(
      {STRATA_WEB_TEST_PROGRAM, "--home", (home_->path() / "home").string(), "ui", "--host", "0.0.0.0", "--port", "0"});
  EXPECT_EQ(result.exit_code, 2) << result.output;
  EXPECT_NE(result.output.find("without an access token"), std::string::npos) << result.output;
}

TEST_F(WebTest, ForeignHostNameIsRefusedWithoutToken) {
  start();
  auto response = get("/api/v1/instance", {{"Host", "attacker.example:3000"}});
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 403);
  EXPECT_EQ(json(response)["error"]["code"], "forbidden_host");
}

TEST_F(WebTest, PostWithoutCsrfHeaderIsRefused) {
  start();
  auto response = post("/api/v1/runs", {{"selection", "numbers"}}, false);
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 403);
  EXPECT_EQ(json(response)["error"]["code"], "csrf_header_missing");
  EXPECT_EQ(json(get("/api/v1/runs"))["runs"].size(), 0u);  // nothing launched
  // A form post (not JSON) is refused as well.
  httplib::Client client("127.0.0.1", port_);
  auto form = client.Post("/api/v1/runs", {{"X-Strata-Request", "1"}}, "selection=numbers",
                          "application/x-www-form-urlencoded");
  ASSERT_TRUE(form);
  EXPECT_EQ(form->status, 415);
  EXPECT_EQ(get("/api/v1/runs")->status, 200);
}

TEST_F(WebTest, BadLaunchRequestsNameTheFault) {
  start();
  auto check = [&](const Json& body, int status, const std::string& code, const std::string& named) {
    auto response = post("/api/v1/runs", body);
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, status) << response->body;
    Json error = json(response)["error"];
    EXPECT_EQ(error["code"], code) << response->body;
    EXPECT_NE(error["message"].get<std::string>().find(named), std::string::npos) << response->body;
  };
  check({{"selection", "numbrs"}}, 400, "bad_selection", "numbrs");
  check({{"job", "no_such_job"}}, 404, "unknown_job", "no_such_job");
  check({{"selection", "hourly"}, {"partition", "2030-13-01-00:00"}}, 400, "bad_partition", "2030-13-01-00:00");
  check({{"selection", "numbers"}, {"run_config", {{"resources", {{"vault", {{"config", {{"regoin", "x"}}}}}}}}}}, 400,
        "bad_config", "regoin");
  check({{"selection", "numbers"}, {"colour", "red"}}, 400, "unknown_field", "colour");
  EXPECT_EQ(json(get("/api/v1/runs"))["runs"].size(), 0u);  // nothing was launched
}

TEST_F(WebTest, LaunchedRunAppearsAndStreamsWhileItRuns) {
  start();
  SseReader everything(port_, "/api/v1/stream");
  ASSERT_TRUE(everything.wait_open());
  auto launch = post("/api/v1/runs", {{"selection", "numbers,total,gated"}, {"tags", {{"team", "web"}}}});
  ASSERT_TRUE(launch);
  ASSERT_EQ(launch->status, 200) << launch->body;
  std::string run_id = json(launch)["run_id"];
  Json run = json(get("/api/v1/runs/" + run_id));
  EXPECT_EQ(run["status"], "STARTED");
  EXPECT_EQ(run["tags"]["team"], "web");
  EXPECT_EQ(json(get("/api/v1/runs?tag=team%3Dweb"))["runs"].size(), 1u);

  SseReader stream(port_, "/api/v1/stream?run_id=" + run_id);
  auto waiting = stream.next([](const SseEvent& e) {
    return e.type == "LOG" && e.data["message"].get<std::string>().find("waiting for the gate") != std::string::npos;
  });
  ASSERT_TRUE(waiting) << "no log event of the running step";
  EXPECT_EQ(waiting->data["step"], "gated");
  EXPECT_EQ(waiting->id, std::to_string(waiting->data["id"].get<int64_t>()));
  // While it waits, the run is running and so is the asset.
  EXPECT_EQ(json(get("/api/v1/runs/" + run_id))["status"], "STARTED");
  EXPECT_EQ(asset_in(json(get("/api/v1/assets")), "gated")["status"], "running");
  open_gate();
  auto end = stream.next([](const SseEvent& e) { return e.type == "RUN_SUCCESS"; });
  ASSERT_TRUE(end);
  EXPECT_EQ(end->data["run_id"], run_id);
  // The all-runs stream got the materializations and the run's end, without logs.
  std::vector<std::string> seen;
  while (auto event = everything.next()) {
    seen.push_back(event->type);
    EXPECT_NE(event->type, "LOG");
    if (event->type == "RUN_SUCCESS") break;
  }
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "ASSET_MATERIALIZATION"), 3);
  EXPECT_EQ(asset_in(json(get("/api/v1/assets")), "gated")["status"], "fresh");

  // Resuming with Last-Event-ID gives only what came after it.
  SseReader resumed(port_, "/api/v1/stream?run_id=" + run_id, {{"Last-Event-ID", waiting->id}});
  auto next = resumed.next();
  ASSERT_TRUE(next);
  EXPECT_GT(std::stoll(next->id), std::stoll(waiting->id));
}

TEST_F(WebTest, CancelAndReexecute) {
  start();
  std::string run_id = json(post("/api/v1/runs", {{"selection", "numbers,total,gated"}}))["run_id"];
  SseReader stream(port_, "/api/v1/stream?run_id=" + run_id);
  ASSERT_TRUE(stream.next([](const SseEvent& e) { return e.type == "LOG" && e.data["step"] == "gated"; }));
  auto cancel = post("/api/v1/runs/" + run_id + "/cancel", Json::object());
  ASSERT_TRUE(cancel);
  EXPECT_EQ(cancel->status, 200) << cancel->body;
  EXPECT_EQ(json(cancel)["status"], "CANCELING");
  ASSERT_TRUE(stream.next([](const SseEvent& e) { return e.type == "RUN_CANCELED"; }));
  auto again = post("/api/v1/runs/" + run_id + "/cancel", Json::object());
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(json(again)["error"]["code"], "run_finished");

  // Re-executing from failure runs what did not succeed, as a new run with its parent named.
  open_gate();
  auto reexecute = post("/api/v1/runs/" + run_id + "/reexecute", {{"from_failure", true}});
  ASSERT_TRUE(reexecute);
  ASSERT_EQ(reexecute->status, 200) << reexecute->body;
  std::string child = json(reexecute)["run_id"];
  EXPECT_EQ(wait_finished(child), "RUN_SUCCESS");
  Json child_run = json(get("/api/v1/runs/" + child));
  EXPECT_EQ(child_run["parent_run_id"], run_id);
  std::vector<std::string> steps;
  for (const auto& step : child_run["steps"]) steps.push_back(step["key"]);
  EXPECT_EQ(steps, std::vector<std::string>{"gated"});

  auto from_success = post("/api/v1/runs/" + child + "/reexecute", {{"from_failure", true}});
  EXPECT_EQ(from_success->status, 409);
  EXPECT_EQ(json(from_success)["error"]["code"], "cannot_reexecute");
}

TEST_F(WebTest, BackfillOverARange) {
  start();
  SseReader everything(port_, "/api/v1/stream");
  ASSERT_TRUE(everything.wait_open());
  auto response =
      post("/api/v1/backfills", {{"selection", "hourly"}, {"first", "2024-01-01-00:00"}, {"last", "2024-01-01-02:00"}});
  ASSERT_TRUE(response);
  ASSERT_EQ(response->status, 200) << response->body;
  std::string backfill_id = json(response)["backfill_id"];
  EXPECT_EQ(json(response)["runs"], 3);
  int finished = 0;
  while (finished < 3) {
    auto event = everything.next([](const SseEvent& e) { return e.type == "RUN_SUCCESS" || e.type == "RUN_FAILURE"; });
    ASSERT_TRUE(event);
    EXPECT_EQ(event->type, "RUN_SUCCESS");
    ++finished;
  }
  Json backfill;
  // The record's last update follows the last run's end: read it until it has (up to 60 s).
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  do {
    backfill = json(get("/api/v1/backfills/" + backfill_id));
  } while (backfill["status"] == "RUNNING" && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(backfill["status"], "COMPLETED");
  EXPECT_EQ(backfill["runs"].size(), 3u);
  std::string states = json(get("/api/v1/assets/hourly/partitions"))["states"];
  EXPECT_EQ(states.substr(0, 4), "mmm-");
  auto bad = post("/api/v1/backfills", {{"selection", "hourly"}, {"first", "2024-01-01-02:00"}, {"last", "nope"}});
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(json(bad)["error"]["code"], "bad_partition");
}

TEST_F(WebTest, StopEndsOpenStreams) {
  start();
  SseReader one(port_, "/api/v1/stream");
  SseReader two(port_, "/api/v1/stream");
  ASSERT_TRUE(one.wait_open());
  ASSERT_TRUE(two.wait_open());
  ASSERT_TRUE(materialize("numbers").success());
  ASSERT_TRUE(one.next([](const SseEvent& e) { return e.type == "RUN_SUCCESS"; }));
  server_->stop();
  EXPECT_TRUE(one.wait_ended());
  EXPECT_TRUE(two.wait_ended());
  EXPECT_FALSE(server_->running());
}

TEST_F(WebTest, UiCommandServesUntilInterrupted) {
  s::testing::Child child({STRATA_WEB_TEST_PROGRAM, "--home", (home_->path() / "home").string(), "ui", "--port", "0"});
  auto line = child.read_line();
  ASSERT_TRUE(line);
  ASSERT_EQ(line->rfind("Strata UI: http://127.0.0.1:", 0), 0u) << *line;
  int port = std::stoi(line->substr(std::string("Strata UI: http://127.0.0.1:").size()));
  httplib::Client client("127.0.0.1", port);
  auto response = client.Get("/api/v1/assets");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(Json::parse(response->body)["assets"].size(), 6u);
  EXPECT_EQ(child.kill_and_wait(SIGINT), 0);
}

// The token: STRATA_UI_TOKEN, else strata.yaml's ui.access_token (an EnvVar resolved, never shown).
TEST_F(WebTest, AccessTokenFromEnvironmentOrStrataYaml) {
  s::testing::TempDir home("strata-web-token");
  auto write = [&](const std::string& yaml) { std::ofstream(home / "strata.yaml") << yaml; };
  write("ui:\n  access_token: {env: STRATA_WEB_TEST_TOKEN_VAR}\n");
  ::unsetenv("STRATA_WEB_TEST_TOKEN_VAR");
  try {
    (void)s::web::configured_ui_token(s::InstanceConfig::load(home.path()));
    FAIL() << "an unset token variable was accepted";
  } catch (const s::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("STRATA_WEB_TEST_TOKEN_VAR"), std::string::npos) << e.what();
  }
  ::setenv("STRATA_WEB_TEST_TOKEN_VAR", "from-yaml-var", 1);
  EXPECT_EQ(s::web::configured_ui_token(s::InstanceConfig::load(home.path())), "from-yaml-var");
  ::setenv("STRATA_UI_TOKEN", "from-env", 1);
  EXPECT_EQ(s::web::configured_ui_token(s::InstanceConfig::load(home.path())), "from-env");
  ::unsetenv("STRATA_UI_TOKEN");
  write("ui:\n  acess_token: x\n");
  try {
    (void)s::InstanceConfig::load(home.path());
    FAIL() << "a misspelt field was accepted";
  } catch (const s::ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("ui.acess_token"), std::string::npos) << e.what();
  }
  std::filesystem::remove(home / "strata.yaml");
  EXPECT_EQ(s::web::configured_ui_token(s::InstanceConfig::load(home.path())), "");
}

// Many clients share the one reader of the event log; beyond max_streams a stream is refused.
TEST_F(WebTest, ManyStreamsShareOneReaderAndTheLimitHolds) {
  start({.max_streams = 12});
  std::vector<std::unique_ptr<SseReader>> streams;
  for (int i = 0; i < 12; ++i) streams.push_back(std::make_unique<SseReader>(port_, "/api/v1/stream"));
  for (auto& stream : streams) ASSERT_TRUE(stream->wait_open());
  auto run = materialize("numbers");
  ASSERT_TRUE(run.success());
  for (auto& stream : streams) {
    auto end = stream->next([](const SseEvent& e) { return e.type == "RUN_SUCCESS"; });
    ASSERT_TRUE(end);
    EXPECT_EQ(end->data["run_id"], run.run_id());
  }
  auto refused = get("/api/v1/stream");
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_EQ(json(refused)["error"]["code"], "too_many_streams");
  streams.pop_back();  // a client leaves: its place is free again
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  std::unique_ptr<SseReader> again;
  do {  // the server notices the closed connection when it next writes to it
    ASSERT_TRUE(materialize("numbers").success());
    again = std::make_unique<SseReader>(port_, "/api/v1/stream");
  } while (!again->wait_open() && std::chrono::steady_clock::now() < deadline);
  EXPECT_EQ(again->status(), 200);
}
