// The UTF-8 helpers that keep stored and displayed text well-formed.
#include "strata/core/util/utf8.hpp"

#include <gtest/gtest.h>

namespace u = strata::utf8;

namespace {

const std::string kFffd(u::kReplacement);

TEST(Utf8, ValidTextIsRecognizedAndKeptUnchanged) {
  for (std::string text : {std::string(""), std::string("plain ascii"), std::string("naïve — ✓ 𝄞 日本"),
                           std::string("\x7F\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xF4\x8F\xBF\xBF")}) {
    EXPECT_TRUE(u::is_valid(text)) << text;
    EXPECT_EQ(u::sanitize(text), text);
  }
  EXPECT_TRUE(u::is_valid(std::string("a\0b", 3)));  // NUL is a character
}

TEST(Utf8, IllFormedSequencesBecomeOneReplacementPerMaximalSubpart) {
  struct Case {
    std::string in;
    std::string out;
  };
  const Case cases[] = {
      {"a\xFF"
       "b",
       "a" + kFffd + "b"},                                  // a byte that never starts a character
      {"\x80\x80", kFffd + kFffd},                          // lone continuation bytes
      {"\xC0\xAF", kFffd + kFffd},                          // overlong '/'
      {"\xE0\x80\xAF", kFffd + kFffd + kFffd},              // overlong 3-byte form
      {"\xED\xA0\x80", kFffd + kFffd + kFffd},              // a surrogate
      {"\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},  // above U+10FFFF
      {"\xE2\x9C", kFffd},                                  // ✓ cut short at the end
      {"\xE2\x9C"
       "x",
       kFffd + "x"},  // ✓ cut short before ASCII
      {"\xF0\x9D\x84"
       "\xE2\x9C\x93",
       kFffd + "✓"},  // 𝄞 cut short before a valid character
  };
  for (const auto& c : cases) {
    EXPECT_FALSE(u::is_valid(c.in)) << c.in;
    EXPECT_EQ(u::sanitize(c.in), c.out) << c.in;
    EXPECT_TRUE(u::is_valid(u::sanitize(c.in)));
  }
}

TEST(Utf8, NulIsReplacedUnlessKept) {
  std::string text("a\0b", 3);
  EXPECT_EQ(u::sanitize(text), "a" + kFffd + "b");
  EXPECT_EQ(u::sanitize(text, u::Nul::kKeep), text);
}

TEST(Utf8, TruncateNeverCutsACharacter) {
  std::string checks;
  for (int i = 0; i < 30; ++i) checks += "✓";  // 3 bytes each, 90 bytes
  for (size_t max = 0; max <= checks.size() + 1; ++max) {
    std::string_view cut = u::truncate(checks, max);
    EXPECT_TRUE(u::is_valid(cut)) << max;
    EXPECT_EQ(cut.size(), std::min(checks.size(), max / 3 * 3)) << max;
  }
  EXPECT_EQ(u::truncate("abc", 2), "ab");
  EXPECT_EQ(u::truncate("ab𝄞", 5), "ab");
  EXPECT_EQ(u::truncate("ab\xFF"
                        "cd",
                        3),
            "ab\xFF");  // ill-formed bytes are not this function's business
}

}  // namespace
