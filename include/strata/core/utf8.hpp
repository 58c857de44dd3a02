// UTF-8 well-formedness, as RFC 3629 defines it: no overlong forms, no surrogates (U+D800..U+DFFF),
// nothing above U+10FFFF. Text that reaches JSON (run records, events, run config) must be
// well-formed; these checks let callers refuse bad text where it enters, naming the field.
#pragma once

#include <cstddef>
#include <string_view>

namespace strata {

// Length (1 to 4) of the well-formed UTF-8 sequence that starts at text[pos], or 0 when the bytes
// there are not one (a stray continuation byte, an invalid lead byte, an overlong form, a
// surrogate, a code point above U+10FFFF, or a sequence cut short by the end of `text`).
size_t utf8_sequence_length(std::string_view text, size_t pos);

// Whether all of `text` is well-formed UTF-8.
bool is_valid_utf8(std::string_view text);

}  // namespace strata
