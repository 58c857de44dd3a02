// Proves the Arrow C++ libraries from the pinned pyarrow wheel work from C++: tables, Parquet,
// CSV, IPC, and the S3 filesystem class.
#include <arrow/api.h>
#include <arrow/csv/api.h>
#include <arrow/filesystem/api.h>
#include <arrow/io/api.h>
#include <arrow/ipc/api.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>

#include "temp_dir.hpp"

namespace {

std::shared_ptr<arrow::Table> sample_table() {
  arrow::Int64Builder ids;
  arrow::DoubleBuilder scores;
  arrow::StringBuilder titles;
  arrow::BooleanBuilder flags;
  arrow::TimestampBuilder times(arrow::timestamp(arrow::TimeUnit::MICRO), arrow::default_memory_pool());
  for (int64_t i = 0; i < 1000; ++i) {
    EXPECT_TRUE(ids.Append(i).ok());
    EXPECT_TRUE(scores.Append(static_cast<double>(i) * 0.5).ok());
    EXPECT_TRUE(titles.Append("story " + std::to_string(i)).ok());
    EXPECT_TRUE(flags.Append(i % 3 == 0).ok());
    EXPECT_TRUE(times.Append(1'700'000'000'000'000 + i).ok());
  }
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("score", arrow::float64()),
                               arrow::field("title", arrow::utf8()), arrow::field("flag", arrow::boolean()),
                               arrow::field("time", arrow::timestamp(arrow::TimeUnit::MICRO))});
  return arrow::Table::Make(schema,
                            {ids.Finish().ValueOrDie(), scores.Finish().ValueOrDie(), titles.Finish().ValueOrDie(),
                             flags.Finish().ValueOrDie(), times.Finish().ValueOrDie()});
}

TEST(ArrowDependency, ParquetWriteThenReadGivesEqualTable) {
  strata::testing::TempDir dir;
  auto table = sample_table();
  std::string path = (dir / "table.parquet").string();
  {
    auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
    ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 256).ok());
    ASSERT_TRUE(out->Close().ok());
  }
  auto in = arrow::io::ReadableFile::Open(path).ValueOrDie();
  auto reader = parquet::arrow::OpenFile(in, arrow::default_memory_pool()).ValueOrDie();
  EXPECT_EQ(reader->num_row_groups(), 4);
  std::shared_ptr<arrow::Table> back;
  ASSERT_TRUE(reader->ReadTable(&back).ok());
  EXPECT_TRUE(back->Equals(*table)) << back->ToString();
}

TEST(ArrowDependency, IpcFileRoundTrip) {
  strata::testing::TempDir dir;
  auto table = sample_table();
  std::string path = (dir / "table.arrow").string();
  {
    auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
    auto writer = arrow::ipc::MakeFileWriter(out, table->schema()).ValueOrDie();
    ASSERT_TRUE(writer->WriteTable(*table).ok());
    ASSERT_TRUE(writer->Close().ok());
  }
  auto in = arrow::io::ReadableFile::Open(path).ValueOrDie();
  auto reader = arrow::ipc::RecordBatchFileReader::Open(in).ValueOrDie();
  auto back = reader->ToTable().ValueOrDie();
  EXPECT_TRUE(back->Equals(*table));
}

TEST(ArrowDependency, CsvWriteThenReadKeepsRowsAndColumns) {
  strata::testing::TempDir dir;
  auto table = sample_table();
  std::string path = (dir / "table.csv").string();
  {
    auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
    ASSERT_TRUE(arrow::csv::WriteCSV(*table, arrow::csv::WriteOptions::Defaults(), out.get()).ok());
    ASSERT_TRUE(out->Close().ok());
  }
  auto in = arrow::io::ReadableFile::Open(path).ValueOrDie();
  auto reader =
      arrow::csv::TableReader::Make(arrow::io::default_io_context(), in, arrow::csv::ReadOptions::Defaults(),
                                    arrow::csv::ParseOptions::Defaults(), arrow::csv::ConvertOptions::Defaults())
          .ValueOrDie();
  auto back = reader->Read().ValueOrDie();
  EXPECT_EQ(back->num_rows(), table->num_rows());
  EXPECT_EQ(back->schema()->field_names(), table->schema()->field_names());
  EXPECT_TRUE(back->GetColumnByName("id")->Equals(table->GetColumnByName("id")));
}

TEST(ArrowDependency, S3FileSystemConstructsWithoutNetwork) {
  ASSERT_TRUE(arrow::fs::InitializeS3(arrow::fs::S3GlobalOptions::Defaults()).ok());
  {
    auto options = arrow::fs::S3Options::Anonymous();
    options.region = "us-east-1";
    options.endpoint_override = "127.0.0.1:1";  // never contacted: constructing does no I/O
    options.scheme = "http";
    auto fs = arrow::fs::S3FileSystem::Make(options);
    ASSERT_TRUE(fs.ok()) << fs.status().ToString();
    EXPECT_EQ((*fs)->type_name(), "s3");
  }
  ASSERT_TRUE(arrow::fs::FinalizeS3().ok());
}

}  // namespace
