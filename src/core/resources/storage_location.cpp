#include "strata/core/resources/storage_location.hpp"

#include <cstdio>

#include "strata/core/util/error.hpp"
#include "strata/core/util/utf8.hpp"

namespace strata {
namespace {

// File names are at most 255 bytes (NAME_MAX); Strata's own names add up to ~70 bytes to a component
// (".<name>.parquet.staged.<pid>.<run id>"), and custom table formats their extensions.
constexpr size_t kMaxComponentBytes = 160;

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

}  // namespace

std::string StorageLocation::relative_path() const {
  std::string out;
  for (const auto& component : components) {
    if (!out.empty()) out += '/';
    out += component;
  }
  return out;
}

std::string storage_component_problem(std::string_view text) {
  if (text.empty()) return "is empty";
  if (text == "." || text == "..") return "is '" + std::string(text) + "'";
  if (text.front() == '.') return "starts with '.' (reserved for Strata's own files)";
  if (text.size() > kMaxComponentBytes) {
    return "is " + std::to_string(text.size()) + " bytes long (at most " + std::to_string(kMaxComponentBytes) + ")";
  }
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '/' || c == '\\') return "holds a path separator";
    if (c == 0) return "holds a NUL character";
    if (is_control(c)) return "holds a control character";
    size_t length = utf8::sequence_length(text, i);
    if (length == 0) return "is not valid UTF-8";
    i += length;
  }
  return "";
}

std::string printable(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t length = utf8::sequence_length(text, i);
    if (length == 0 || is_control(c)) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
      ++i;
    } else {
      out.append(text.substr(i, length));
      i += length;
    }
  }
  return out;
}

void validate_partition_key_for_storage(const std::string& partition, const std::string& owner) {
  if (std::string problem = storage_component_problem(partition); !problem.empty()) {
    throw PartitionError(owner + ": partition key '" + printable(partition) + "' " + problem +
                         "; partition keys name files and directories");
  }
}

StorageLocation asset_location(const AssetKey& key, const std::string* partition) {
  key.validate_components();
  StorageLocation location{key.path()};
  if (partition != nullptr) {
    validate_partition_key_for_storage(*partition, "asset '" + printable(key.to_string()) + "'");
    location.components.push_back(*partition);
  }
  return location;
}

StorageLocation op_output_location(const std::string& run_id, const std::string& step_key,
                                   const std::string& output_name) {
  StorageLocation location{{kOpOutputArea}};
  for (const auto& [text, what] :
       {std::pair{&run_id, "run id"}, {&step_key, "step key"}, {&output_name, "output name"}}) {
    if (std::string problem = storage_component_problem(*text); !problem.empty()) {
      throw StorageError(std::string(what) + " '" + printable(*text) + "' " + problem +
                         "; it cannot be part of a storage location");
    }
    location.components.push_back(*text);
  }
  return location;
}

}  // namespace strata
