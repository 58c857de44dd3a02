// WebTest: a UiServer over web_test_definitions() and a fresh instance in a temp dir, on a free
// loopback port, with an HTTP client (cpp-httplib) and a reader of its Server-Sent Events. Runs the
// server launches are real processes of web_test_program.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <strata/strata.hpp>
#include <strata/web/ui_server.hpp>
#include <thread>

#include "temp_dir.hpp"
#include "web_test_definitions.hpp"

namespace strata::testing {

using Json = nlohmann::json;

struct SseEvent {
  std::string id;
  std::string type;
  Json data;
};

// Reads an event stream on a thread of its own until destroyed (or the server ends the stream).
class SseReader {
 public:
  SseReader(int port, const std::string& path, httplib::Headers headers = {});
  ~SseReader();
  // The next event (in order) that `wanted` accepts, skipping the others; nullopt when the stream
  // ended or nothing came for 60 s.
  std::optional<SseEvent> next(const std::function<bool(const SseEvent&)>& wanted = nullptr);
  // Waits (up to 60 s) until the stream ends; true when it did.
  bool wait_ended();
  int status() const { return status_; }

 private:
  void parse(std::string_view chunk);

  httplib::Client client_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<SseEvent> events_;
  std::string buffer_;
  bool ended_ = false;
  int status_ = 0;
};

class WebTest : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  void start(web::UiServerOptions options = {});
  httplib::Result get(const std::string& path, const httplib::Headers& headers = {});
  httplib::Result post(const std::string& path, const Json& body, bool csrf = true,
                       const httplib::Headers& headers = {});
  static Json json(const httplib::Result& result);
  // Materializes `selection` in this process on the test's instance.
  RunResult materialize(const std::string& selection, std::vector<std::string> partitions = {}, RunConfig config = {});
  // Waits (through the run's event stream, up to 60 s) until the run finished; returns its status.
  std::string wait_finished(const std::string& run_id);
  void open_gate();

  std::unique_ptr<TempDir> home_;
  std::filesystem::path gate_;
  std::shared_ptr<Instance> instance_;
  std::unique_ptr<web::UiServer> server_;
  int port_ = 0;
  static const Definitions& defs();
};

}  // namespace strata::testing
