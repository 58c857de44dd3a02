// UTF-8 text at the boundaries where bytes become stored or displayed text: the event log, JSON
// documents, databases, previews. Pure functions, thread-safe, never throw.
//
// Ill-formed input follows the Unicode "maximal subpart" practice: every maximal prefix of a
// sequence that could have started a character, but is cut short or contains a byte that cannot
// follow, becomes one U+FFFD (and so does every byte that cannot start a character). Overlong
// forms, surrogates (ED A0..BF) and code points above U+10FFFF are ill-formed.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace strata::utf8 {

// U+FFFD REPLACEMENT CHARACTER, encoded.
inline constexpr std::string_view kReplacement = "\xEF\xBF\xBD";

// What sanitize() does with NUL bytes, which are valid UTF-8 but which PostgreSQL text, C strings
// and terminals cannot carry.
enum class Nul { kReplace, kKeep };

// Length (1 to 4) of the well-formed character that starts at text[at], or 0 when the bytes there
// are not one (a stray continuation byte, an invalid lead byte, an overlong form, a surrogate, a
// code point above U+10FFFF, or a sequence cut short by the end of `text`).
size_t sequence_length(std::string_view text, size_t at);

// True when `text` is well-formed UTF-8 (NUL included: it is a valid character).
bool is_valid(std::string_view text);

// `text` with every ill-formed sequence (and, by default, every NUL) replaced by U+FFFD; valid text
// without NUL comes back unchanged.
std::string sanitize(std::string_view text, Nul nul = Nul::kReplace);

// The longest prefix of `text` of at most `max_bytes` bytes that does not end inside a character:
// a multi-byte character that would be cut is dropped whole.
std::string_view truncate(std::string_view text, size_t max_bytes);

}  // namespace strata::utf8
