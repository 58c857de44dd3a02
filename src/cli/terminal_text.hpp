// Terminal-safe text. What the command line prints of user input and stored data (arguments in
// error messages, log messages, metadata, descriptions, keys) must never act on the terminal: a
// title-setting or screen-clearing escape sequence, a carriage return that overwrites a line, a
// bidirectional override that reorders it. These bytes are shown as `\xHH`, one escape per byte:
//   - C0 controls (0x00-0x1f, newline only when asked) and DEL (0x7f),
//   - C1 controls U+0080-U+009F (e.g. U+009B, an 8-bit CSI), as their two UTF-8 bytes,
//   - bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069),
//   - bytes that are not well-formed UTF-8.
// Everything else, including other UTF-8 text and backslashes, is kept as it is.
#pragma once

#include <ostream>
#include <streambuf>
#include <string>
#include <string_view>

namespace strata::cli {

// `text` on one line: newlines are escaped too.
std::string terminal_line(std::string_view text);
// `text` with its newlines kept.
std::string terminal_text(std::string_view text);

// A stream buffer that writes everything through to `target` as terminal_text, unbuffered (so its
// output stays in order with direct writes to `target`), holding back only an unfinished UTF-8
// character until the next write or finish(). Not thread-safe, like the stream it feeds.
class TerminalSafeBuffer : public std::streambuf {
 public:
  explicit TerminalSafeBuffer(std::streambuf* target) : target_(target) {}
  ~TerminalSafeBuffer() override { finish(); }
  TerminalSafeBuffer(const TerminalSafeBuffer&) = delete;
  TerminalSafeBuffer& operator=(const TerminalSafeBuffer&) = delete;
  // Writes what is held back (escaped, as it can no longer be completed).
  void finish();

 protected:
  int_type overflow(int_type c) override;
  std::streamsize xsputn(const char* text, std::streamsize size) override;
  int sync() override { return target_->pubsync(); }

 private:
  void write(std::string_view bytes);
  std::streambuf* target_;
  std::string held_;  // the start of a UTF-8 character whose last bytes have not come yet
};

// An ostream over a TerminalSafeBuffer writing to `target`'s buffer.
class TerminalSafeStream : public std::ostream {
 public:
  explicit TerminalSafeStream(std::ostream& target) : std::ostream(nullptr), buffer_(target.rdbuf()) {
    rdbuf(&buffer_);
  }
  void finish() { buffer_.finish(); }

 private:
  TerminalSafeBuffer buffer_;
};

}  // namespace strata::cli
