#include "terminal_text.hpp"

#include "strata/core/util/utf8.hpp"

namespace strata::cli {
namespace {

void append_escaped(std::string& out, std::string_view bytes) {
  static const char* kHex = "0123456789abcdef";
  for (unsigned char byte : bytes) {
    out += "\\x";
    out += kHex[byte >> 4];
    out += kHex[byte & 0xf];
  }
}

// A well-formed sequence that still acts on a terminal: a C1 control or a bidirectional control.
bool is_control_sequence(std::string_view sequence) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(sequence[i]); };
  if (sequence.size() == 2) return byte(0) == 0xC2 && byte(1) <= 0x9F;
  if (sequence.size() != 3 || byte(0) != 0xE2) return false;
  return (byte(1) == 0x80 && byte(2) >= 0xAA && byte(2) <= 0xAE) ||
         (byte(1) == 0x81 && byte(2) >= 0xA6 && byte(2) <= 0xA9);
}

std::string escape(std::string_view text, bool keep_newlines) {
  std::string out;
  out.reserve(text.size());
  for (size_t pos = 0; pos < text.size();) {
    auto byte = static_cast<unsigned char>(text[pos]);
    if (byte < 0x80) {
      bool control = (byte < 0x20 && !(keep_newlines && byte == '\n')) || byte == 0x7f;
      if (control) {
        append_escaped(out, text.substr(pos, 1));
      } else {
        out += static_cast<char>(byte);
      }
      ++pos;
      continue;
    }
    size_t length = utf8::sequence_length(text, pos);
    if (length == 0) {
      append_escaped(out, text.substr(pos, 1));
      ++pos;
      continue;
    }
    std::string_view sequence = text.substr(pos, length);
    if (is_control_sequence(sequence)) {
      append_escaped(out, sequence);
    } else {
      out.append(sequence);
    }
    pos += length;
  }
  return out;
}

// Where an unfinished UTF-8 character starts at the end of `text` (a lead byte followed by fewer
// continuation bytes than it announces), or text.size() when the text ends on a whole character.
size_t unfinished_tail(std::string_view text) {
  for (size_t back = 1; back <= 3 && back <= text.size(); ++back) {
    auto byte = static_cast<unsigned char>(text[text.size() - back]);
    if ((byte & 0xC0) == 0x80) continue;  // a continuation byte: look further back
    size_t wanted = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1;
    return wanted > back ? text.size() - back : text.size();
  }
  return text.size();
}

}  // namespace

std::string terminal_line(std::string_view text) { return escape(text, false); }
std::string terminal_text(std::string_view text) { return escape(text, true); }

void TerminalSafeBuffer::finish() {
  if (held_.empty()) return;
  std::string out = terminal_text(held_);
  held_.clear();
  target_->sputn(out.data(), static_cast<std::streamsize>(out.size()));
}

TerminalSafeBuffer::int_type TerminalSafeBuffer::overflow(int_type c) {
  if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
  char byte = traits_type::to_char_type(c);
  write(std::string_view(&byte, 1));
  return c;
}

std::streamsize TerminalSafeBuffer::xsputn(const char* text, std::streamsize size) {
  write(std::string_view(text, static_cast<size_t>(size)));
  return size;
}

void TerminalSafeBuffer::write(std::string_view bytes) {
  held_.append(bytes);
  size_t whole = unfinished_tail(held_);
  std::string out = terminal_text(std::string_view(held_).substr(0, whole));
  held_.erase(0, whole);
  target_->sputn(out.data(), static_cast<std::streamsize>(out.size()));
}

}  // namespace strata::cli
