// SnapshotServer: serves the Hacker News items shipped with the example (snapshot/items.jsonl,
// compiled into the binary) on 127.0.0.1 in the API's URL layout:
//   GET /v0/topstories.json   ids of the snapshot's items, in their original ranking
//   GET /v0/item/<id>.json    one item (404 "null" for ids the snapshot lacks, like the API)
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace httplib {
class Server;
}

namespace hackernews {

// The shipped snapshot: one JSON item a line.
std::string_view snapshot_items_jsonl();

class SnapshotServer {
 public:
  // Parses `items_jsonl` and starts serving on a free loopback port; throws std::runtime_error when
  // the snapshot is malformed or no port can be bound.
  explicit SnapshotServer(std::string_view items_jsonl);
  ~SnapshotServer();
  SnapshotServer(const SnapshotServer&) = delete;
  SnapshotServer& operator=(const SnapshotServer&) = delete;

  // "http://127.0.0.1:<port>/v0"
  std::string base_url() const;
  int port() const { return port_; }
  size_t item_count() const { return items_.size(); }

 private:
  std::vector<int64_t> ranking_;
  std::map<int64_t, std::string> items_;  // id -> the item's JSON text
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  std::atomic<bool> stopped_{false};  // the accept loop has returned
  int port_ = 0;
};

}  // namespace hackernews
