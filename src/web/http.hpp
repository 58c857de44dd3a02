// The HTTP layer of the web UI, without cpp-httplib in sight: a request as the API sees it, a
// response (whole, or a stream of chunks for Server-Sent Events), and HttpServer, which serves a
// handler on threads of its own. http_server.cpp is the one translation unit that includes httplib.h.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace strata::web {

struct HttpRequest {
  std::string method{};
  std::string raw_path{};               // as sent, before '?', still percent-encoded
  std::vector<std::string> segments{};  // the path's '/'-separated parts, each percent-decoded
  std::multimap<std::string, std::string> query{};
  std::map<std::string, std::string> headers{};  // names in lower case
  std::string body{};

  // The first value of query parameter `name`, if given.
  std::optional<std::string> param(const std::string& name) const;
  // The header's value, or empty.
  std::string header(const std::string& lower_case_name) const;
};

// Writes one chunk of a streamed response; false when the client is gone.
using StreamWrite = std::function<bool(std::string_view)>;
// Called again and again (it may block a while) until it returns false: then the stream ends.
using StreamProducer = std::function<bool(const StreamWrite&)>;

struct HttpResponse {
  int status = 200;
  // With the charset: cpp-httplib 0.11 (Debian 12) brotli-compresses responses typed exactly
  // "application/json" (or text/*) at quality 11, which took 4 s for the 10,000-asset graph.
  std::string content_type = "application/json; charset=utf-8";
  std::string body{};
  std::vector<std::pair<std::string, std::string>> headers{};
  StreamProducer stream{};  // set: the body is streamed (chunked) from it instead
};

using HttpHandler = std::function<HttpResponse(const HttpRequest&)>;

// Percent-decoding (`plus_is_space` for query strings); malformed escapes are kept as written.
std::string percent_decode(std::string_view text, bool plus_is_space);

// An HTTP/1.1 server: every request of every method goes to one handler, on a pool of `threads`
// worker threads (a streamed response holds its thread until it ends). bind() and serve() once;
// stop() from any thread ends serve(). Throws Error when binding fails.
class HttpServer {
 public:
  HttpServer(HttpHandler handler, size_t threads);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds `host`:`port` (0: a free port); returns the port.
  int bind(const std::string& host, int port);
  // Serves until stop().
  void serve();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace strata::web
