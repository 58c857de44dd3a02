#include "strata/core/config/config_document.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <vector>

#include "strata/core/util/error.hpp"
#include "yaml_json_reader.hpp"

namespace strata {
namespace {

using json = nlohmann::json;

std::string size_limit_text() { return std::to_string(kConfigMaxBytes / (1024 * 1024)) + " MiB"; }

const char* file_kind(mode_t mode) {
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "not a regular file";
}

void check_regular(const struct stat& info, const std::string& source) {
  if (S_ISDIR(info.st_mode)) throw ConfigError(source + " is a directory, not a file");
  if (!S_ISREG(info.st_mode)) {
    throw ConfigError(source + " is not a regular file (it is " + file_kind(info.st_mode) + ")");
  }
  if (static_cast<uint64_t>(info.st_size) > kConfigMaxBytes) {
    throw ConfigError(source + " is larger than " + size_limit_text() + " (" + std::to_string(info.st_size) +
                      " bytes)");
  }
}

// The file's text. Checks the path before opening it and the open file after (it may have been
// replaced in between); O_NONBLOCK keeps a FIFO from blocking the open. Reads at most kMaxBytes + 1.
std::string read_config_file(const std::filesystem::path& path, const std::string& source) {
  auto cannot = [&](const char* what) {
    return ConfigError(source + ": cannot " + what + " it: " + std::strerror(errno));
  };
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) throw cannot("read");
  check_regular(info, source);
  int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) throw cannot("open");
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  if (::fstat(fd, &info) != 0) throw cannot("read");
  check_regular(info, source);
  std::string text;
  char buffer[65536];
  while (true) {
    ssize_t got = ::read(fd, buffer, sizeof buffer);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw cannot("read");
    if (got == 0) break;
    text.append(buffer, static_cast<size_t>(got));
    if (text.size() > kConfigMaxBytes) throw ConfigError(source + " is larger than " + size_limit_text());
  }
  return text;
}

// 1-based line of the `ordinal`-th (1-based) object key in the JSON `text`, which is valid JSON up
// to that key: a key is a string followed by ':'.
size_t line_of_json_key(const std::string& text, size_t ordinal) {
  size_t line = 1, keys = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') ++line;
    if (text[i] != '"') continue;
    size_t start_line = line;
    for (++i; i < text.size() && text[i] != '"'; ++i) {
      if (text[i] == '\\') ++i;
    }
    size_t next = text.find_first_not_of(" \t\r\n", i + 1);
    if (next != std::string::npos && text[next] == ':' && ++keys == ordinal) return start_line;
  }
  return line;
}

// JSON parsed with nlohmann's iterative parser; the callback holds it to the same limits as YAML.
json parse_json(const std::string& text, const std::string& source) {
  size_t values = 0, keys = 0;
  std::vector<std::set<std::string>> open_objects;
  auto check = [&](int depth, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        if (depth + 1 > kConfigMaxDepth) {
          throw ConfigError(source + ": nested deeper than " + std::to_string(kConfigMaxDepth) + " levels");
        }
        if (event == json::parse_event_t::object_start) open_objects.emplace_back();
        [[fallthrough]];
      case json::parse_event_t::value:
        if (++values > kConfigMaxValues) {
          throw ConfigError(source + ": holds more than " + std::to_string(kConfigMaxValues) + " values");
        }
        break;
      case json::parse_event_t::key: {
        ++keys;
        const auto& key = parsed.get_ref<const std::string&>();
        if (!open_objects.back().insert(key).second) {
          throw ConfigError(source + ": line " + std::to_string(line_of_json_key(text, keys)) + ": duplicate key '" +
                            key + "'");
        }
        break;
      }
      case json::parse_event_t::object_end:
        open_objects.pop_back();
        break;
      default:
        break;
    }
    return true;
  };
  try {
    return json::parse(text, check);
  } catch (const json::parse_error& e) {
    throw ConfigError(source + ": not valid JSON: " + e.what());
  } catch (const json::exception& e) {  // e.g. a number too large for a double ("73e505")
    throw ConfigError(source + ": not a usable JSON document: " + e.what());
  }
}

}  // namespace

json parse_config_document(const std::string& text, bool is_json, const std::string& source) {
  if (text.size() > kConfigMaxBytes) {
    throw ConfigError(source + " is larger than " + size_limit_text() + " (" + std::to_string(text.size()) + " bytes)");
  }
  json doc =
      is_json ? parse_json(text, source)
              : detail::read_yaml_as_json(text, source, {.max_depth = kConfigMaxDepth, .max_values = kConfigMaxValues});
  if (doc.is_null() && !is_json) doc = json::object();
  if (!doc.is_object()) throw ConfigError(source + " must be a mapping (a JSON object) at the top level");
  return doc;
}

json read_config_document(const std::filesystem::path& path, const std::string& source) {
  return parse_config_document(read_config_file(path, source), path.extension() == ".json", source);
}

}  // namespace strata
