#include "web_fixture.hpp"

#include <unistd.h>

#include <cstdlib>
#include <fstream>

namespace strata::testing {

SseReader::SseReader(int port, const std::string& path, httplib::Headers headers) : client_("127.0.0.1", port) {
  client_.set_read_timeout(120, 0);
  thread_ = std::thread([this, path, headers] {
    auto result = client_.Get(
        path, headers,
        [this](const httplib::Response& response) {
          std::lock_guard lock(mutex_);
          status_ = response.status;
          return true;
        },
        [this](const char* data, size_t length) {
          parse(std::string_view(data, length));
          return true;
        });
    std::lock_guard lock(mutex_);
    if (result && status_ == 0) status_ = result->status;
    ended_ = true;
    changed_.notify_all();
  });
}

SseReader::~SseReader() {
  client_.stop();
  if (thread_.joinable()) thread_.join();
}

void SseReader::parse(std::string_view chunk) {
  std::lock_guard lock(mutex_);
  buffer_ += chunk;
  size_t end;
  while ((end = buffer_.find("\n\n")) != std::string::npos) {
    std::string message = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    SseEvent event;
    std::string data;
    size_t at = 0;
    while (at <= message.size()) {
      size_t eol = message.find('\n', at);
      std::string line = message.substr(at, eol == std::string::npos ? std::string::npos : eol - at);
      if (line.rfind("id: ", 0) == 0) event.id = line.substr(4);
      if (line.rfind("event: ", 0) == 0) event.type = line.substr(7);
      if (line.rfind("data: ", 0) == 0) data += line.substr(6);
      if (eol == std::string::npos) break;
      at = eol + 1;
    }
    if (data.empty()) continue;  // comments (keep-alive), retry
    event.data = Json::parse(data);
    events_.push_back(std::move(event));
  }
  changed_.notify_all();
}

std::optional<SseEvent> SseReader::next(const std::function<bool(const SseEvent&)>& wanted) {
  std::unique_lock lock(mutex_);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (true) {
    while (!events_.empty()) {
      SseEvent event = std::move(events_.front());
      events_.pop_front();
      if (!wanted || wanted(event)) return event;
    }
    if (ended_) return std::nullopt;
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout && events_.empty()) return std::nullopt;
  }
}

bool SseReader::wait_ended() {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, std::chrono::seconds(60), [this] { return ended_; });
}

const Definitions& WebTest::defs() {
  static const Definitions definitions = web_test_definitions();
  return definitions;
}

void WebTest::SetUp() {
  // A launched run must be a process of web_test_program; were it this test binary again, it would
  // run the tests (and launch more): refuse at once.
  std::string me = std::to_string(::getpid());
  if (const char* parent = std::getenv("STRATA_WEB_TEST_PID"); parent && me != parent) std::_Exit(3);
  ::setenv("STRATA_WEB_TEST_PID", me.c_str(), 1);
  home_ = std::make_unique<TempDir>("strata-web");
  gate_ = home_->path() / "gate";
  ::setenv("STRATA_WEB_TEST_GATE", gate_.c_str(), 1);
  ::setenv("STRATA_WEB_TEST_SESSION", "session-env-secret-value", 1);
  ::unsetenv("STRATA_UI_TOKEN");
  instance_ = Instance::open(home_->path() / "home");
}

void WebTest::TearDown() {
  open_gate();  // a gated run still going ends
  if (server_) server_->stop();
}

void WebTest::start(web::UiServerOptions options) {
  options.port = 0;
  options.program = {STRATA_WEB_TEST_PROGRAM};
  server_ = std::make_unique<web::UiServer>(defs(), instance_, options);
  server_->start();
  port_ = server_->port();
}

httplib::Result WebTest::get(const std::string& path, const httplib::Headers& headers) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(60, 0);
  return client.Get(path, headers);
}

httplib::Result WebTest::post(const std::string& path, const Json& body, bool csrf, const httplib::Headers& headers) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(120, 0);
  httplib::Headers all = headers;
  if (csrf) all.emplace("X-Strata-Request", "1");
  return client.Post(path, all, body.dump(), "application/json");
}

Json WebTest::json(const httplib::Result& result) {
  if (!result) return Json();
  return Json::parse(result->body);
}

RunResult WebTest::materialize(const std::string& selection, std::vector<std::string> partitions, RunConfig config) {
  RunOptions options;
  options.instance = instance_;
  options.partition_keys = std::move(partitions);
  options.run_config = std::move(config);
  options.keep_outputs = false;
  return strata::materialize(defs(), AssetSelection::parse(selection), options);
}

std::string WebTest::wait_finished(const std::string& run_id) {
  SseReader stream(port_, "/api/v1/stream?run_id=" + run_id);
  auto end = stream.next(
      [](const SseEvent& e) { return e.type == "RUN_SUCCESS" || e.type == "RUN_FAILURE" || e.type == "RUN_CANCELED"; });
  return end ? end->type : "(no end)";
}

void WebTest::open_gate() { std::ofstream(gate_).put('1'); }

}  // namespace strata::testing
