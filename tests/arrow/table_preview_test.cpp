// The markdown preview of an Arrow table recorded as materialization metadata.
#include <arrow/api.h>
#include <gtest/gtest.h>

#include <strata/arrow/table.hpp>
#include <strata/core/util/utf8.hpp>

namespace s = strata;

namespace {

std::shared_ptr<arrow::Table> one_column(const std::shared_ptr<arrow::DataType>& type,
                                         const std::vector<std::string>& values) {
  std::shared_ptr<arrow::Array> array;
  if (type->id() == arrow::Type::STRING) {
    arrow::StringBuilder builder;
    for (const auto& value : values) EXPECT_TRUE(builder.Append(value).ok());
    EXPECT_TRUE(builder.Finish(&array).ok());
  } else {
    arrow::BinaryBuilder builder;
    for (const auto& value : values) EXPECT_TRUE(builder.Append(value).ok());
    EXPECT_TRUE(builder.Finish(&array).ok());
  }
  return arrow::Table::Make(arrow::schema({arrow::field("text", type)}), {array});
}

// A long cell is cut to 57 bytes plus "..."; a cut inside a multi-byte character would make the
// preview invalid UTF-8 (and the materialization event unstorable).
TEST(MarkdownPreview, LongCellsAreCutOnCharacterBoundaries) {
  std::string checks;
  for (int i = 0; i < 25; ++i) checks += "✓";  // 75 bytes: byte 57 falls inside the 20th ✓
  for (const std::string& cell : {checks, "ab" + checks, "a" + checks}) {
    std::string preview = s::markdown_preview(*one_column(arrow::utf8(), {cell}));
    EXPECT_TRUE(s::utf8::is_valid(preview)) << preview;
    EXPECT_NE(preview.find("✓...", 0), std::string::npos) << preview;
    s::Metadata metadata = s::table_metadata(*one_column(arrow::utf8(), {cell}));
    EXPECT_EQ(s::MetadataValue::from_json(metadata.at("preview").to_json()), metadata.at("preview"));
  }
  EXPECT_NE(s::markdown_preview(*one_column(arrow::utf8(), {checks})).find("| " + checks.substr(0, 57) + "... |"),
            std::string::npos);
}

TEST(MarkdownPreview, BinaryCellsAreShownAsValidText) {
  std::string preview = s::markdown_preview(*one_column(arrow::binary(), {std::string("\xFF\xFE\0x", 4)}));
  EXPECT_TRUE(s::utf8::is_valid(preview)) << preview;
  EXPECT_EQ(preview.find('\0'), std::string::npos);
}

}  // namespace
