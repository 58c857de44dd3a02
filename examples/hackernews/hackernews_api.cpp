#include "hackernews_api.hpp"

#include <httplib.h>

#include <mutex>

#include "snapshot_server.hpp"
#include "strata/core/util/error.hpp"

namespace hackernews {

// One keep-alive HTTP(S) connection to the API, used by one request at a time.
class HttpConnection {
 public:
  HttpConnection(const std::string& base_url, int64_t timeout_seconds) {
    size_t scheme = base_url.find("://");
    size_t path = base_url.find('/', scheme + 3);
    origin_ = base_url.substr(0, path);
    prefix_ = path == std::string::npos ? "" : base_url.substr(path);
    while (!prefix_.empty() && prefix_.back() == '/') prefix_.pop_back();
    client_ = std::make_unique<httplib::Client>(origin_);
    client_->set_keep_alive(true);
    client_->set_tcp_nodelay(true);  // no Nagle delay between a request's segments
    client_->set_connection_timeout(static_cast<time_t>(timeout_seconds), 0);
    client_->set_read_timeout(static_cast<time_t>(timeout_seconds), 0);
  }

  // GET <base_url><path> as JSON; throws strata::Error naming the URL on any failure.
  nlohmann::json get_json(const std::string& path) {
    std::lock_guard lock(mutex_);
    std::string url = origin_ + prefix_ + path;
    auto response = client_->Get(prefix_ + path);
    if (!response) throw strata::Error("GET " + url + " failed: " + httplib::to_string(response.error()));
    if (response->status != 200) {
      throw strata::Error("GET " + url + " answered HTTP " + std::to_string(response->status));
    }
    nlohmann::json body = nlohmann::json::parse(response->body, nullptr, false);
    if (body.is_discarded()) throw strata::Error("GET " + url + " did not return JSON");
    return body;
  }

 private:
  std::mutex mutex_;
  std::string origin_;
  std::string prefix_;
  std::unique_ptr<httplib::Client> client_;
};

void HackerNewsApi::validate_config() const {
  if (!base_url.empty() && base_url.rfind("http://", 0) != 0 && base_url.rfind("https://", 0) != 0) {
    throw strata::ConfigError("hackernews_api: base_url must start with http:// or https://, got '" + base_url + "'");
  }
  if (timeout_seconds <= 0) throw strata::ConfigError("hackernews_api: timeout_seconds must be positive");
}

void HackerNewsApi::setup(strata::InitContext& context) {
  validate_config();
  if (base_url.empty()) {
    server_ = std::make_shared<SnapshotServer>(snapshot_items_jsonl());
    effective_url_ = server_->base_url();
    context.log.info("serving the shipped snapshot (" + std::to_string(server_->item_count()) + " items) at " +
                     effective_url_);
  } else {
    effective_url_ = base_url;
    context.log.info("using the Hacker News API at " + effective_url_);
  }
  connection_ = std::make_shared<HttpConnection>(effective_url_, timeout_seconds);
}

void HackerNewsApi::teardown() {
  connection_.reset();
  server_.reset();
}

nlohmann::json HackerNewsApi::get_json(const std::string& path) const {
  if (!connection_) throw strata::Error("hackernews_api: used before setup");
  return connection_->get_json(path);
}

std::vector<int64_t> HackerNewsApi::top_story_ids() const {
  nlohmann::json ids = get_json("/topstories.json");
  if (!ids.is_array()) throw strata::Error("topstories.json is not a list of ids");
  return ids.get<std::vector<int64_t>>();
}

nlohmann::json HackerNewsApi::item(int64_t id) const { return get_json("/item/" + std::to_string(id) + ".json"); }

}  // namespace hackernews
