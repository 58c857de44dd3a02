#include "strata/core/util/utf8.hpp"

#include <cstdint>

namespace strata::utf8 {
namespace {

// The length of the well-formed character starting at text[at], or 0 with `consumed` set to the
// length of the maximal subpart of the ill-formed sequence there (at least 1).
size_t character_length(std::string_view text, size_t at, size_t& consumed) {
  auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  uint8_t lead = byte(at);
  consumed = 1;
  if (lead < 0x80) return 1;
  size_t length = 0;
  uint8_t low = 0x80;  // the range allowed for the second byte (Unicode Table 3-7)
  uint8_t high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;   // no overlong forms
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;   // no overlong forms
    if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
  } else {
    return 0;  // a continuation byte, C0, C1 or F5..FF cannot start a character
  }
  for (size_t i = 1; i < length; ++i) {
    if (at + i >= text.size()) return 0;
    uint8_t next = byte(at + i);
    bool fits = i == 1 ? (next >= low && next <= high) : (next >= 0x80 && next <= 0xBF);
    if (!fits) return 0;
    consumed = i + 1;
  }
  return length;
}

}  // namespace

size_t sequence_length(std::string_view text, size_t at) {
  size_t consumed = 0;
  return character_length(text, at, consumed);
}

bool is_valid(std::string_view text) {
  size_t consumed = 0;
  for (size_t at = 0; at < text.size();) {
    size_t length = character_length(text, at, consumed);
    if (length == 0) return false;
    at += length;
  }
  return true;
}

std::string sanitize(std::string_view text, Nul nul) {
  std::string out;
  out.reserve(text.size());
  size_t consumed = 0;
  for (size_t at = 0; at < text.size();) {
    size_t length = character_length(text, at, consumed);
    if (length == 0) {
      out += kReplacement;
      at += consumed;
    } else if (text[at] == '\0' && nul == Nul::kReplace) {
      out += kReplacement;
      at += 1;
    } else {
      out.append(text, at, length);
      at += length;
    }
  }
  return out;
}

std::string_view truncate(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = 0;
  size_t consumed = 0;
  for (size_t at = 0; at < text.size();) {
    size_t length = character_length(text, at, consumed);
    size_t step = length == 0 ? consumed : length;  // an ill-formed subpart is kept or dropped whole
    if (at + step > max_bytes) break;
    at += step;
    end = at;
  }
  return text.substr(0, end);
}

}  // namespace strata::utf8
