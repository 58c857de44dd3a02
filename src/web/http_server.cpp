// HttpServer on cpp-httplib (the only file that includes httplib.h, so the header costs one
// translation unit): turns httplib's requests into HttpRequest and HttpResponse back.
#include <httplib.h>

#include <cctype>

#include "http.hpp"
#include "strata/core/util/error.hpp"

namespace strata::web {

std::optional<std::string> HttpRequest::param(const std::string& name) const {
  auto it = query.find(name);
  if (it == query.end()) return std::nullopt;
  return it->second;
}

std::string HttpRequest::header(const std::string& lower_case_name) const {
  auto it = headers.find(lower_case_name);
  return it == headers.end() ? std::string() : it->second;
}

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      int high = hex(text[i + 1]), low = hex(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += plus_is_space && c == '+' ? ' ' : c;
  }
  return out;
}

namespace {

HttpRequest to_request(const httplib::Request& in) {
  HttpRequest out;
  out.method = in.method;
  std::string_view target = in.target;
  size_t question = target.find('?');
  out.raw_path = std::string(target.substr(0, question));
  size_t start = 1;
  std::string_view path = out.raw_path;
  while (start <= path.size() && !path.empty()) {
    size_t slash = path.find('/', start);
    std::string_view part =
        path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!part.empty()) out.segments.push_back(percent_decode(part, false));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    size_t at = 0;
    while (at <= query.size()) {
      size_t amp = query.find('&', at);
      std::string_view pair = query.substr(at, amp == std::string_view::npos ? std::string_view::npos : amp - at);
      if (!pair.empty()) {
        size_t eq = pair.find('=');
        std::string key = percent_decode(pair.substr(0, eq), true);
        std::string value = eq == std::string_view::npos ? std::string() : percent_decode(pair.substr(eq + 1), true);
        out.query.emplace(std::move(key), std::move(value));
      }
      if (amp == std::string_view::npos) break;
      at = amp + 1;
    }
  }
  for (const auto& [name, value] : in.headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers.emplace(std::move(lower), value);
  }
  out.body = in.body;
  return out;
}

}  // namespace

struct HttpServer::Impl {
  HttpHandler handler;
  httplib::Server server;
};

HttpServer::HttpServer(HttpHandler handler, size_t threads) : impl_(std::make_unique<Impl>()) {
  impl_->handler = std::move(handler);
  impl_->server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  impl_->server.set_payload_max_length(8 * 1024 * 1024);
  impl_->server.set_keep_alive_timeout(5);
  auto serve = [this](const httplib::Request& in, httplib::Response& out) {
    HttpResponse response = impl_->handler(to_request(in));
    out.status = response.status;
    for (auto& [name, value] : response.headers) out.set_header(name, value);
    if (response.stream) {
      auto producer = std::make_shared<StreamProducer>(std::move(response.stream));
      out.set_chunked_content_provider(response.content_type, [producer](size_t, httplib::DataSink& sink) {
        StreamWrite write = [&sink](std::string_view chunk) {
          return sink.is_writable() && sink.write(chunk.data(), chunk.size());
        };
        // Runs on the HTTP library's worker thread, where an exception would end the whole server
        // (std::terminate): a stream whose producer throws (storage failing, say) ends instead, and
        // the client reconnects.
        bool more = false;
        try {
          more = (*producer)(write);
        } catch (...) {
          more = false;
        }
        if (!more) sink.done();
        return true;
      });
    } else {
      out.set_content(response.body, response.content_type);
    }
  };
  // Every method reaches the handler, which answers those it does not serve with 405.
  impl_->server.Get(".*", serve).Post(".*", serve).Put(".*", serve);
  impl_->server.Delete(".*", serve).Patch(".*", serve).Options(".*", serve);
}

HttpServer::~HttpServer() = default;

int HttpServer::bind(const std::string& host, int port) {
  int bound = port == 0 ? impl_->server.bind_to_any_port(host) : (impl_->server.bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    throw Error("cannot listen on " + host + ":" + std::to_string(port) +
                " (address in use, or not an address of this machine)");
  }
  return bound;
}

void HttpServer::serve() { impl_->server.listen_after_bind(); }

void HttpServer::stop() { impl_->server.stop(); }

}  // namespace strata::web
