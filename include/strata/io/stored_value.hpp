// A Value as a stored object, in one of two formats:
//   binary (the default): the checksummed framing of io/stored_object.hpp around the codec's bytes;
//   json: one line of JSON that other tools can read, the value under "value" in its JSON form
//         (core/types/codec_json.hpp), beside Strata's header:
//           {"strata":{"format":"strata-json/1","type":"<C++ type>","xxh3":"<16 hex digits>"},"value":...}
//         xxh3 is the XXH3-64 of the value's compact JSON text, as nlohmann::json writes it; a load
//         re-writes the parsed value and compares, so damage to the value is refused.
// Loads detect the format from the bytes, so files of either format stay loadable when the option
// changes. A load checks the stored type against the expected one and refuses a mismatch naming
// both. Free functions, thread-safe; failures throw StorageError naming `what` and the location (a
// missing local file: MissingDataError).
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "strata/core/types/value.hpp"

namespace strata::io {

enum class StoredFormat { kBinary, kJson };

// "binary" or "json"; anything else is a ConfigError naming `field`.
StoredFormat parse_stored_format(const std::string& text, const std::string& field);

// The complete bytes of `value` in `format`. Throws StorageError when the type has no codec, or (json)
// no JSON form or text that is not UTF-8.
std::string encode_value(const Value& value, StoredFormat format, const std::string& what);
// The value of type `type` held by `bytes` (either format); `location` names where they came from.
Value decode_value(std::string_view bytes, const TypeInfo& type, const std::string& location, const std::string& what);

// Writes `value` to `target`, a new local file, and fsyncs it (binary: streamed, never whole in
// memory). Returns the number of bytes.
uint64_t write_value_file(const std::filesystem::path& target, const Value& value, StoredFormat format,
                          const std::string& what);
// Reads the value stored in a local file.
Value read_value_file(const std::filesystem::path& path, const TypeInfo& type, const std::string& what);

}  // namespace strata::io
