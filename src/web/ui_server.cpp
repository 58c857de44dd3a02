// UiServer: the HTTP front door — security headers on every answer, the Host check, the access
// token, the CSRF header on POSTs — and then the API, the event stream or the embedded files.
#include "strata/web/ui_server.hpp"

#include <arpa/inet.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "api.hpp"
#include "api_error.hpp"
#include "embedded_files.hpp"
#include "event_hub.hpp"
#include "http.hpp"

namespace strata::web {
namespace {

constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'";
constexpr const char* kTokenCookie = "strata_token";

HttpResponse error_response(int status, const std::string& code, const std::string& message) {
  Json body = {{"error", {{"code", code}, {"message", message}}}};
  HttpResponse response;
  response.status = status;
  response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return response;
}

// Constant-time comparison (the token must not leak through timing).
bool same_secret(const std::string& given, const std::string& expected) {
  unsigned char diff = given.size() == expected.size() ? 0 : 1;
  for (size_t i = 0; i < given.size(); ++i) {
    diff |= static_cast<unsigned char>(given[i] ^ expected[i % std::max<size_t>(expected.size(), 1)]);
  }
  return diff == 0;
}

std::string cookie_value(const std::string& cookies, const std::string& name) {
  size_t at = 0;
  while (at < cookies.size()) {
    size_t end = cookies.find(';', at);
    std::string part = cookies.substr(at, end == std::string::npos ? std::string::npos : end - at);
    size_t start = part.find_first_not_of(' ');
    if (start != std::string::npos) part.erase(0, start);
    if (part.rfind(name + "=", 0) == 0) return part.substr(name.size() + 1);
    if (end == std::string::npos) break;
    at = end + 1;
  }
  return "";
}

// The host part of a Host header ("localhost:3000" -> "localhost", "[::1]:3000" -> "::1").
std::string host_of(const std::string& header) {
  if (!header.empty() && header[0] == '[') {
    size_t close = header.find(']');
    return close == std::string::npos ? header : header.substr(1, close - 1);
  }
  return header.substr(0, header.find(':'));
}

const EmbeddedFile* find_file(const std::string& path) {
  for (const auto& file : embedded_ui_files()) {
    if (file.path == path) return &file;
  }
  return nullptr;
}

HttpResponse static_file(const HttpRequest& request) {
  if (request.method != "GET" && request.method != "HEAD") {
    return error_response(405, "method_not_allowed", "only GET serves the UI's files");
  }
  std::string path = "/";
  for (size_t i = 0; i < request.segments.size(); ++i) path += (i ? "/" : "") + request.segments[i];
  const EmbeddedFile* file = path == "/" ? nullptr : find_file(path);
  bool fallback = file == nullptr;
  if (fallback) file = find_file("/index.html");  // client-side routing: every page is index.html
  if (!file) return error_response(404, "not_found", "no file " + path);
  HttpResponse response;
  response.content_type = std::string(file->content_type);
  response.body = std::string(file->body);
  // Hashed asset names never change; index.html must be read again to find new ones.
  bool immutable = !fallback && path.rfind("/assets/", 0) == 0;
  response.headers.emplace_back("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  return response;
}

}  // namespace

bool is_loopback_host(const std::string& host) {
  if (host == "localhost" || host == "::1") return true;
  in_addr address{};
  if (inet_pton(AF_INET, host.c_str(), &address) == 1) return (ntohl(address.s_addr) >> 24) == 127;
  return false;
}

std::string configured_ui_token(const InstanceConfig& config) {
  if (const char* env = std::getenv("STRATA_UI_TOKEN"); env && *env) return env;
  if (!config.ui_access_token) return "";
  Setting<std::string> token = *config.ui_access_token;
  token.resolve("ui.access_token");
  return token.value();
}

struct UiServer::State {
  State(const Definitions& defs, std::shared_ptr<Instance> instance, UiServerOptions opts)
      : options(std::move(opts)),
        hub(instance, options.poll_interval, options.max_streams),
        api{defs, instance, AssetCatalog(defs), options.program, hub, {}, !options.access_token.empty()} {}

  HttpResponse handle(const HttpRequest& request);
  HttpResponse dispatch(const HttpRequest& request);

  UiServerOptions options;
  EventHub hub;
  ApiContext api;
  std::unique_ptr<HttpServer> http;
  std::thread serving;
  std::mutex mutex;  // start/stop
  std::atomic<bool> running{false};
  int port = 0;
};

HttpResponse UiServer::State::handle(const HttpRequest& request) {
  HttpResponse response;
  try {
    response = dispatch(request);
  } catch (const ApiError& e) {
    response = error_response(e.status(), e.code(), e.what());
  } catch (const StorageError& e) {
    response = error_response(503, e.code(), e.what());  // storage_error, missing_data: as the CLI says
  } catch (const Error& e) {
    // A Strata error no handler translated: its own stable code (config_error, partition_error, ...).
    std::string code = e.code();
    bool bad_input =
        code == "definition_error" || code == "config_error" || code == "partition_error" || code == "type_mismatch";
    response = error_response(bad_input ? 400 : 500, code, e.what());
  } catch (const std::exception& e) {
    response = error_response(500, "internal", e.what());
  }
  response.headers.emplace_back("Content-Security-Policy", kContentSecurityPolicy);
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  response.headers.emplace_back("X-Frame-Options", "DENY");
  response.headers.emplace_back("Referrer-Policy", "no-referrer");
  bool api_path = request.segments.size() >= 2 && request.segments[0] == "api";
  if (api_path && !response.stream) response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

HttpResponse UiServer::State::dispatch(const HttpRequest& request) {
  const std::string& token = options.access_token;
  bool set_cookie = false;
  if (token.empty()) {
    // Without a token only loopback serves, and only pages asked for by a loopback name: a page of
    // another site cannot reach the API through a DNS name it points at 127.0.0.1.
    std::string host = host_of(request.header("host"));
    if (!host.empty() && !is_loopback_host(host)) {
      throw ApiError(403, "forbidden_host",
                     "requests must name a loopback host (localhost, 127.0.0.1), not '" + host + "'");
    }
  } else {
    std::string given;
    std::string authorization = request.header("authorization");
    if (authorization.rfind("Bearer ", 0) == 0) given = authorization.substr(7);
    if (given.empty()) {
      if (auto param = request.param("token")) {
        given = *param;
        set_cookie = true;
      }
    }
    if (given.empty()) given = cookie_value(request.header("cookie"), kTokenCookie);
    if (given.empty() || !same_secret(given, token)) {
      throw ApiError(401, "unauthorized",
                     given.empty() ? "an access token is required (Authorization: Bearer TOKEN, or ?token=TOKEN)"
                                   : "the access token is not valid");
    }
  }
  const auto& s = request.segments;
  bool api_path = s.size() >= 1 && s[0] == "api";
  HttpResponse response;
  if (!api_path) {
    response = static_file(request);
  } else if (s.size() < 2 || s[1] != "v1") {
    throw ApiError(404, "not_found", "no endpoint " + request.raw_path + " (the API is under /api/v1)");
  } else {
    if (request.method == "POST") {
      if (request.header("x-strata-request") != "1") {
        throw ApiError(403, "csrf_header_missing", "POST requests must carry the header 'X-Strata-Request: 1'");
      }
      std::string type = request.header("content-type");
      if (!request.body.empty() && type.rfind("application/json", 0) != 0) {
        throw ApiError(415, "unsupported_media_type", "POST bodies must be JSON (Content-Type: application/json)");
      }
    }
    if (s.size() == 3 && s[2] == "stream") {
      if (request.method != "GET") throw ApiError(405, "method_not_allowed", "the stream is read with GET");
      std::string run_id = request.param("run_id").value_or("");
      if (!run_id.empty()) known_run(api, run_id);
      std::optional<int64_t> after;
      std::string last = request.header("last-event-id");
      if (last.empty()) last = request.param("after").value_or("");
      if (!last.empty()) {
        try {
          after = std::stoll(last);
        } catch (const std::exception&) {
          throw ApiError(400, "bad_parameter", "Last-Event-ID must be an event id, got '" + last + "'");
        }
      }
      response = hub.open(run_id, after);
    } else {
      response = route(api, request);
    }
  }
  if (set_cookie) {
    response.headers.emplace_back("Set-Cookie",
                                  std::string(kTokenCookie) + "=" + token + "; Path=/; HttpOnly; SameSite=Strict");
  }
  return response;
}

UiServer::UiServer(const Definitions& defs, std::shared_ptr<Instance> instance, UiServerOptions options)
    : state_(std::make_unique<State>(defs, std::move(instance), std::move(options))) {}

UiServer::~UiServer() { stop(); }

void UiServer::start() {
  std::lock_guard lock(state_->mutex);
  const UiServerOptions& options = state_->options;
  if (state_->running) throw Error("the UI server is already running on port " + std::to_string(state_->port));
  if (!is_loopback_host(options.host) && options.access_token.empty()) {
    throw Error("refusing to serve the UI on '" + options.host +
                "' without an access token: set STRATA_UI_TOKEN or ui.access_token in strata.yaml, or use a "
                "loopback host (127.0.0.1)");
  }
  size_t threads = 8 + static_cast<size_t>(std::max(0, options.max_streams));
  state_->http = std::make_unique<HttpServer>(
      [state = state_.get()](const HttpRequest& request) { return state->handle(request); }, threads);
  state_->port = state_->http->bind(options.host, options.port);
  state_->hub.start();
  state_->running = true;
  state_->serving = std::thread([http = state_->http.get()] { http->serve(); });
}

void UiServer::stop() {
  std::lock_guard lock(state_->mutex);
  if (!state_->running) return;
  state_->hub.stop();  // open streams end
  state_->api.backfills.stop();
  state_->http->stop();
  if (state_->serving.joinable()) state_->serving.join();
  state_->http.reset();
  state_->running = false;
}

bool UiServer::running() const { return state_->running; }

int UiServer::port() const { return state_->port; }

std::string UiServer::url() const {
  const std::string& host = state_->options.host;
  bool v6 = host.find(':') != std::string::npos;
  return "http://" + (v6 ? "[" + host + "]" : host) + ":" + std::to_string(state_->port) + "/";
}

}  // namespace strata::web
