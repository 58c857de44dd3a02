#include "strata/core/types/codec_json.hpp"

#include <cstring>

namespace strata::codec_json {
namespace {

constexpr char kBase64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string kind_of(const Json& value) {
  return value.is_number() ? "the number " + value.dump() : std::string(value.type_name());
}

}  // namespace

std::string base64_encode(const std::vector<std::byte>& bytes) {
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  for (size_t i = 0; i < bytes.size(); i += 3) {
    uint32_t group = std::to_integer<uint32_t>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) group |= std::to_integer<uint32_t>(bytes[i + 1]) << 8;
    if (i + 2 < bytes.size()) group |= std::to_integer<uint32_t>(bytes[i + 2]);
    text += kBase64[(group >> 18) & 63];
    text += kBase64[(group >> 12) & 63];
    text += i + 1 < bytes.size() ? kBase64[(group >> 6) & 63] : '=';
    text += i + 2 < bytes.size() ? kBase64[group & 63] : '=';
  }
  return text;
}

std::vector<std::byte> base64_decode(const std::string& text, const std::string& where) {
  auto fail = [&]() -> std::vector<std::byte> { throw StorageError(where + ": expected a base64 string"); };
  if (text.size() % 4 != 0) return fail();
  std::vector<std::byte> bytes;
  bytes.reserve(text.size() / 4 * 3);
  for (size_t i = 0; i < text.size(); i += 4) {
    uint32_t group = 0;
    int padding = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = text[i + j];
      const char* found = c == '\0' ? nullptr : std::strchr(kBase64, c);
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        ++padding;
        group <<= 6;
        continue;
      }
      if (found == nullptr || padding > 0) return fail();
      group = (group << 6) | static_cast<uint32_t>(found - kBase64);
    }
    bytes.push_back(static_cast<std::byte>(group >> 16));
    if (padding < 2) bytes.push_back(static_cast<std::byte>((group >> 8) & 0xff));
    if (padding < 1) bytes.push_back(static_cast<std::byte>(group & 0xff));
  }
  return bytes;
}

void mismatch(const std::string& where, const std::string& expected, const Json& found) {
  throw StorageError(where + ": expected " + expected + ", found " + kind_of(found));
}

}  // namespace strata::codec_json
