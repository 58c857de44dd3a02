#include "event_hub.hpp"

#include "api_error.hpp"
#include "json_views.hpp"

namespace strata::web {
namespace {

constexpr size_t kKeep = 20'000;  // events held in memory
constexpr int kPage = 1'000;
constexpr auto kKeepAlive = std::chrono::seconds(15);

bool broadcast_type(EventType type) {
  switch (type) {
    case EventType::kLog:
    case EventType::kLoadedInput:
    case EventType::kHandledOutput:
    case EventType::kObservation:
      return false;
    default:
      return true;
  }
}

std::string sse_message(int64_t id, EventType type, const Json& data) {
  return "id: " + std::to_string(id) + "\nevent: " + event_type_name(type) +
         "\ndata: " + data.dump(-1, ' ', false, Json::error_handler_t::replace) + "\n\n";
}

}  // namespace

EventHub::EventHub(std::shared_ptr<Instance> instance, std::chrono::milliseconds poll_interval, int max_streams)
    : instance_(std::move(instance)), poll_interval_(poll_interval), max_streams_(max_streams) {}

EventHub::~EventHub() { stop(); }

void EventHub::start() {
  std::lock_guard lock(mutex_);
  stopping_ = false;
  covered_after_ = newest_ = instance_->storage().last_event_id();
  thread_ = std::thread([this] { poll_loop(); });
}

void EventHub::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void EventHub::poll_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    lock.unlock();
    bool more = false;
    try {
      more = poll_once();
    } catch (const std::exception&) {
      // Storage unavailable for a moment: the next pass tries again.
    }
    lock.lock();
    if (more) continue;
    changed_.wait_for(lock, poll_interval_, [this] { return stopping_; });
  }
}

bool EventHub::poll_once() {
  int64_t after;
  {
    std::lock_guard lock(mutex_);
    after = newest_;
  }
  auto records = instance_->storage().events_after(after, kPage);
  if (records.empty()) return false;
  std::vector<Item> items;
  items.reserve(records.size());
  for (const auto& record : records) {
    Item item;
    item.id = record.id;
    item.run_id = record.event.run_id;
    item.broadcast = broadcast_type(record.event.type);
    Json data = event_json(record);
    item.full = sse_message(record.id, record.event.type, data);
    if (item.broadcast) {
      data.erase("metadata");
      item.light = sse_message(record.id, record.event.type, data);
    }
    items.push_back(std::move(item));
  }
  {
    std::lock_guard lock(mutex_);
    for (auto& item : items) recent_.push_back(std::move(item));
    newest_ = recent_.back().id;
    while (recent_.size() > kKeep) {
      covered_after_ = recent_.front().id;
      recent_.pop_front();
    }
  }
  changed_.notify_all();
  return records.size() == static_cast<size_t>(kPage);
}

HttpResponse EventHub::open(const std::string& run_id, std::optional<int64_t> after) {
  if (streams_.fetch_add(1) >= max_streams_) {
    streams_.fetch_sub(1);
    throw ApiError(503, "too_many_streams",
                   "too many event streams open (" + std::to_string(max_streams_) + "); close one and retry");
  }
  struct Stream {
    EventHub* hub;
    std::string run_id;
    int64_t cursor;
    bool started = false;
    ~Stream() { hub->streams_.fetch_sub(1); }
  };
  int64_t cursor = after.value_or(0);
  if (!after && run_id.empty()) {
    std::lock_guard lock(mutex_);
    cursor = newest_;
  }
  auto stream = std::make_shared<Stream>(Stream{this, run_id, cursor});
  HttpResponse response;
  response.content_type = "text/event-stream";
  response.headers = {{"Cache-Control", "no-store"}, {"X-Accel-Buffering", "no"}};
  response.stream = [stream](const StreamWrite& write) -> bool {
    EventHub& hub = *stream->hub;
    std::string out;
    if (!stream->started) {
      stream->started = true;
      out += "retry: 2000\n\n";
    }
    int64_t covered_after;
    {
      std::lock_guard lock(hub.mutex_);
      if (hub.stopping_) return false;
      covered_after = hub.covered_after_;
    }
    // Catching up with what the hub no longer (or never) held: from storage, a page at a time.
    if (stream->cursor < covered_after) {
      auto& storage = hub.instance_->storage();
      auto records = stream->run_id.empty() ? storage.events_after(stream->cursor, kPage)
                                            : storage.events_for_run(stream->run_id, stream->cursor, kPage);
      for (const auto& record : records) {
        if (record.id > covered_after) break;
        stream->cursor = record.id;
        bool broadcast = broadcast_type(record.event.type);
        if (!stream->run_id.empty() || broadcast) {
          Json data = event_json(record);
          if (stream->run_id.empty()) data.erase("metadata");
          out += sse_message(record.id, record.event.type, data);
        }
      }
      if (records.size() < static_cast<size_t>(kPage) || records.back().id >= covered_after) {
        stream->cursor = std::max(stream->cursor, covered_after);
      }
      return out.empty() || write(out);
    }
    std::unique_lock lock(hub.mutex_);
    bool news = hub.changed_.wait_for(lock, kKeepAlive, [&] { return hub.stopping_ || hub.newest_ > stream->cursor; });
    if (hub.stopping_) return false;
    if (!news) {
      lock.unlock();
      return write(out + ": keep-alive\n\n");
    }
    if (stream->cursor < hub.covered_after_) return out.empty() || write(out);  // fell behind: catch up next call
    // The first held event after the cursor (ids increase along the deque).
    auto it = std::upper_bound(hub.recent_.begin(), hub.recent_.end(), stream->cursor,
                               [](int64_t id, const Item& item) { return id < item.id; });
    for (; it != hub.recent_.end(); ++it) {
      if (stream->run_id.empty()) {
        if (it->broadcast) out += it->light;
      } else if (it->run_id == stream->run_id) {
        out += it->full;
      }
    }
    stream->cursor = hub.newest_;
    lock.unlock();
    return out.empty() || write(out);
  };
  return response;
}

}  // namespace strata::web
