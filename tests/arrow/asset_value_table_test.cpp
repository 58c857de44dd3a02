// `asset value` of a table asset: the table loaded through its table manager and shown as its size,
// columns and a preview of the first rows (the printer strata::arrow registers).
#include <arrow/api.h>
#include <gtest/gtest.h>

#include <sstream>
#include <strata/arrow/file_formats.hpp>
#include <strata/cli/run_cli.hpp>
#include <strata/strata.hpp>

#include "temp_dir.hpp"

namespace s = strata;
using strata::testing::TempDir;

namespace {

s::ArrowTable numbered(int64_t rows) {
  arrow::Int64Builder ids;
  arrow::StringBuilder names;
  for (int64_t i = 0; i < rows; ++i) {
    EXPECT_TRUE(ids.Append(i).ok());
    EXPECT_TRUE(names.Append("row " + std::to_string(i)).ok());
  }
  return arrow::Table::Make(arrow::schema({arrow::field("id", arrow::int64()), arrow::field("name", arrow::utf8())}),
                            {ids.Finish().ValueOrDie(), names.Finish().ValueOrDie()});
}

int cli(const s::Definitions& defs, const TempDir& dir, std::vector<std::string> args, std::string& out) {
  args.insert(args.begin(), "strata-test");
  args.insert(args.end(), {"--home", (dir / "home").string()});
  std::istringstream in;
  std::ostringstream out_stream, err_stream;
  int code = s::run_cli(defs, args, s::CliStreams{in, out_stream, err_stream});
  out = out_stream.str() + err_stream.str();
  return code;
}

TEST(AssetValueOfTables, ShowsSizeColumnsAndTheFirstRows) {
  TempDir dir;
  auto table = s::asset("events", [] { return numbered(25); });
  s::Definitions defs(
      {.assets = {table}, .resources = {{"io_manager", s::ParquetIOManager({.base_uri = (dir / "tables").string()})}}});
  std::string out;
  ASSERT_EQ(cli(defs, dir, {"materialize", "--select", "events"}, out), 0) << out;
  ASSERT_EQ(cli(defs, dir, {"asset", "value", "events"}, out), 0) << out;
  EXPECT_NE(out.find("25 rows; columns: id int64, name string"), std::string::npos) << out;
  EXPECT_NE(out.find("| id | name |"), std::string::npos) << out;
  EXPECT_NE(out.find("| 19 | row 19 |"), std::string::npos) << out;
  EXPECT_EQ(out.find("| 20 | row 20 |"), std::string::npos) << out;
  EXPECT_NE(out.find("(first 20 of 25 rows)"), std::string::npos) << out;
}

}  // namespace
