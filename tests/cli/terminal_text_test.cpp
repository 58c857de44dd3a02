// Terminal-safe text: which bytes are escaped, which are kept, and the stream buffer that escapes
// output written in pieces (a UTF-8 character split across writes is kept whole).
#include "terminal_text.hpp"

#include <gtest/gtest.h>

#include <sstream>

namespace cli = strata::cli;

namespace {

TEST(TerminalText, ControlBytesAreEscaped) {
  EXPECT_EQ(cli::terminal_line("a\nb\tc\x7f\x1b[2J\r"), "a\\x0ab\\x09c\\x7f\\x1b[2J\\x0d");
  EXPECT_EQ(cli::terminal_text("line 1\nline\a 2\n"), "line 1\nline\\x07 2\n");
  EXPECT_EQ(cli::terminal_line(std::string("nul\0byte", 8)), "nul\\x00byte");
}

TEST(TerminalText, Utf8IsKeptButControlsAndInvalidBytesAreNot) {
  EXPECT_EQ(cli::terminal_line("caf\xc3\xa9 \xc2\xb7 \xe2\x9c\x93 \xf0\x9f\x93\x8a \\ back"),
            "caf\xc3\xa9 \xc2\xb7 \xe2\x9c\x93 \xf0\x9f\x93\x8a \\ back");
  EXPECT_EQ(cli::terminal_line("csi \xc2\x9b"
                               "31m"),
            "csi \\xc2\\x9b31m");                                                      // C1 control U+009B
  EXPECT_EQ(cli::terminal_line("rlo \xe2\x80\xae."), "rlo \\xe2\\x80\\xae.");          // U+202E
  EXPECT_EQ(cli::terminal_line("isolate \xe2\x81\xa6."), "isolate \\xe2\\x81\\xa6.");  // U+2066
  EXPECT_EQ(cli::terminal_line("\xff\xc0\xaf"), "\\xff\\xc0\\xaf");                    // invalid, overlong
  EXPECT_EQ(cli::terminal_line("\xed\xa0\x80"), "\\xed\\xa0\\x80");                    // a surrogate
  EXPECT_EQ(cli::terminal_line("cut \xe2\x9c"), "cut \\xe2\\x9c");                     // cut short
}

TEST(TerminalText, StreamEscapesWritesInPieces) {
  std::ostringstream target;
  {
    cli::TerminalSafeStream out(target);
    out << "caf\xc3" << std::flush << "\xa9 ok\n";
    out << "\xe2\x80"
        << "\xae" << '\x1b' << "end \xc3";
    out.finish();
  }
  EXPECT_EQ(target.str(), "caf\xc3\xa9 ok\n\\xe2\\x80\\xae\\x1bend \\xc3");
}

}  // namespace
