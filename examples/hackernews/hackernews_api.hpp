// HackerNewsApi: the resource the pipeline reads Hacker News through — the same HTTP client code
// whether it talks to the live API or to the snapshot shipped with the example.
//
//   base_url empty (the default): a small HTTP server on 127.0.0.1 (a free port) serves the shipped
//     snapshot of real items for the length of the run, in the API's own URL layout.
//   base_url: https://hacker-news.firebaseio.com/v0 — the live API (see live.yaml:
//     `hackernews materialize --select '*' --config examples/hackernews/live.yaml`).
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "strata/core/config/config_field.hpp"
#include "strata/core/resources/resource.hpp"

namespace hackernews {

class SnapshotServer;
class HttpConnection;

class HackerNewsApi : public strata::Resource {
 public:
  std::string base_url{};        // empty: serve the shipped snapshot on loopback
  int64_t timeout_seconds = 10;  // per request
  STRATA_CONFIG_FIELDS(base_url, timeout_seconds)

  void validate_config() const override;
  void setup(strata::InitContext& context) override;
  void teardown() override;

  // GET <base>/topstories.json: ids of the current top stories, best first.
  std::vector<int64_t> top_story_ids() const;
  // GET <base>/item/<id>.json: one item as the API returns it.
  nlohmann::json item(int64_t id) const;

  // Where requests go during this run (the snapshot server's URL when base_url is empty).
  const std::string& effective_url() const { return effective_url_; }

 private:
  nlohmann::json get_json(const std::string& path) const;

  // Per run (copies of the prototype start without them); the connection closes before the server
  // stops, so that teardown never waits for an idle keep-alive connection.
  std::shared_ptr<SnapshotServer> server_{};
  std::shared_ptr<HttpConnection> connection_{};
  std::string effective_url_{};
};

}  // namespace hackernews
