#include "snapshot_server.hpp"

#include <httplib.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace hackernews {

SnapshotServer::SnapshotServer(std::string_view items_jsonl) : server_(std::make_unique<httplib::Server>()) {
  size_t line_number = 0;
  size_t start = 0;
  while (start < items_jsonl.size()) {
    size_t end = items_jsonl.find('\n', start);
    if (end == std::string_view::npos) end = items_jsonl.size();
    std::string line(items_jsonl.substr(start, end - start));
    start = end + 1;
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json item = nlohmann::json::parse(line, nullptr, false);
    if (item.is_discarded() || !item.contains("id")) {
      throw std::runtime_error("snapshot line " + std::to_string(line_number) + " is not a Hacker News item");
    }
    int64_t id = item["id"].get<int64_t>();
    ranking_.push_back(id);
    items_[id] = item.dump();
  }

  server_->Get("/v0/topstories.json", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(nlohmann::json(ranking_).dump(), "application/json");
  });
  server_->Get(R"(/v0/item/(\d+)\.json)", [this](const httplib::Request& request, httplib::Response& response) {
    auto it = items_.find(std::stoll(request.matches[1]));
    if (it == items_.end()) {
      response.status = 404;
      response.set_content("null", "application/json");
      return;
    }
    response.set_content(it->second, "application/json");
  });
  // The socket is bound and listening when bind_to_any_port returns: requests made before the
  // accept loop starts wait in the backlog.
  server_->set_tcp_nodelay(true);
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind the Hacker News snapshot server to 127.0.0.1");
  thread_ = std::thread([this] {
    server_->listen_after_bind();
    stopped_ = true;
  });
  // stop() before the accept loop has started would be lost (and the destructor would wait forever):
  // return only once the server runs.
  while (!server_->is_running() && !stopped_) std::this_thread::sleep_for(std::chrono::microseconds(200));
  if (!server_->is_running()) {
    thread_.join();
    throw std::runtime_error("the Hacker News snapshot server did not start");
  }
}

SnapshotServer::~SnapshotServer() {
  server_->stop();
  if (thread_.joinable()) thread_.join();
}

std::string SnapshotServer::base_url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/v0"; }

}  // namespace hackernews
