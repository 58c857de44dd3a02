#include "strata/io/stored_value.hpp"

#include <xxhash.h>

#include <cinttypes>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "strata/core/util/error.hpp"
#include "strata/io/stored_object.hpp"

namespace strata::io {
namespace {

constexpr const char* kJsonFormat = "strata-json/1";

const Codec& codec_of_type(const TypeInfo& type, const std::string& what) {
  if (type.codec == nullptr) {
    throw StorageError(what + ": cannot store or load " + type.name +
                       " (no codec; declare it with STRATA_SERIALIZABLE)");
  }
  return *type.codec;
}

StoredObjectHeader binary_header(const TypeInfo& type, const std::string& what) {
  return {codec_of_type(type, what).format, type.name, 1};
}

std::string hex_of(uint64_t hash) {
  char text[17];
  std::snprintf(text, sizeof text, "%016" PRIx64, hash);
  return text;
}

// The value's compact JSON text: what the checksum covers.
std::string value_text(const nlohmann::json& value, const std::string& what) {
  try {
    return value.dump();
  } catch (const nlohmann::json::type_error&) {
    throw StorageError(what +
                       ": the value holds text that is not UTF-8, which JSON cannot store (use format "
                       "\"binary\")");
  }
}

std::string encode_json(const Value& value, const std::string& what) {
  const Codec& codec = codec_of_type(value.type(), what);
  if (codec.to_json == nullptr) {
    throw StorageError(what + ": " + value.type().name + " has no JSON form (use format \"binary\")");
  }
  nlohmann::json document;
  codec.to_json(value.raw(), document);
  std::string text = value_text(document, what);
  nlohmann::json header = {
      {"format", kJsonFormat}, {"type", value.type().name}, {"xxh3", hex_of(XXH3_64bits(text.data(), text.size()))}};
  return "{\"strata\":" + header.dump() + ",\"value\":" + text + "}\n";
}

Value decode_json(std::string_view bytes, const TypeInfo& type, const std::string& location, const std::string& what) {
  auto corrupted = [&](const std::string& why) -> StorageError {
    return StorageError(what + ": corrupted stored object '" + location + "' (" + why + ")");
  };
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(bytes);
  } catch (const nlohmann::json::exception&) {
    throw corrupted("neither a Strata stored object nor well-formed JSON");
  }
  if (!document.is_object() || !document.contains("strata") || !document.contains("value") ||
      !document["strata"].is_object()) {
    throw corrupted("JSON without Strata's \"strata\" header and \"value\"");
  }
  const nlohmann::json& header = document["strata"];
  auto text_field = [&](const char* name) {
    auto it = header.find(name);
    if (it == header.end() || !it->is_string()) throw corrupted(std::string("header has no ") + name);
    return it->get<std::string>();
  };
  if (text_field("format") != kJsonFormat) {
    throw StorageError(what + ": object at '" + location + "' is " + text_field("format") + ", this build reads " +
                       kJsonFormat);
  }
  std::string text = value_text(document["value"], what);
  if (hex_of(XXH3_64bits(text.data(), text.size())) != text_field("xxh3")) throw corrupted("checksum mismatch");
  std::string stored_type = text_field("type");
  if (stored_type != type.name) {
    throw StorageError(what + ": object at '" + location + "' holds " + stored_type + ", expected " + type.name);
  }
  const Codec& codec = codec_of_type(type, what);
  if (codec.from_json == nullptr) throw StorageError(what + ": " + type.name + " has no JSON form");
  try {
    return Value(codec.from_json(document["value"], "value"), type);
  } catch (const std::exception& e) {
    throw corrupted(e.what());
  }
}

}  // namespace

StoredFormat parse_stored_format(const std::string& text, const std::string& field) {
  if (text == "binary" || text.empty()) return StoredFormat::kBinary;
  if (text == "json") return StoredFormat::kJson;
  throw ConfigError("field '" + field + "': unknown format '" + text + "' (use \"binary\" or \"json\")");
}

std::string encode_value(const Value& value, StoredFormat format, const std::string& what) {
  if (format == StoredFormat::kJson) return encode_json(value, what);
  const Codec& codec = codec_of_type(value.type(), what);
  return encode_stored_object(binary_header(value.type(), what),
                              [&](std::ostream& out) { codec.encode(value.raw(), out); });
}

Value decode_value(std::string_view bytes, const TypeInfo& type, const std::string& location, const std::string& what) {
  if (!is_stored_object(bytes) && !bytes.empty() && bytes.front() == '{') {
    return decode_json(bytes, type, location, what);
  }
  const Codec& codec = codec_of_type(type, what);
  std::shared_ptr<const void> object;
  decode_stored_object(bytes, location, binary_header(type, what), what,
                       [&](std::istream& in) { object = codec.decode(in); });
  return Value(std::move(object), type);
}

uint64_t write_value_file(const std::filesystem::path& target, const Value& value, StoredFormat format,
                          const std::string& what) {
  if (format == StoredFormat::kJson) return write_bytes_file(target, encode_json(value, what));
  const Codec& codec = codec_of_type(value.type(), what);
  return write_stored_object_file(target, binary_header(value.type(), what),
                                  [&](std::ostream& out) { codec.encode(value.raw(), out); });
}

Value read_value_file(const std::filesystem::path& path, const TypeInfo& type, const std::string& what) {
  const Codec& codec = codec_of_type(type, what);
  if (codec.decode_flat != nullptr) {  // straight into the value's storage, when the file is as expected
    if (auto object = read_flat_stored_object(path, binary_header(type, what), what, codec.flat_element_size,
                                              codec.decode_flat)) {
      return Value(std::move(object), type);
    }
  }
  MappedObject object(path, what);
  return decode_value(object.bytes(), type, path.string(), what);
}

}  // namespace strata::io
