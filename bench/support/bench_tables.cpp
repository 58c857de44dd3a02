#include "bench_tables.hpp"

#include <string>

namespace strata::bench {

std::shared_ptr<arrow::Table> make_stories_table(int64_t rows) {
  arrow::Int64Builder ids;
  arrow::DoubleBuilder scores;
  arrow::StringBuilder titles;
  arrow::TimestampBuilder times(arrow::timestamp(arrow::TimeUnit::MICRO), arrow::default_memory_pool());
  arrow::BooleanBuilder flags;
  (void)ids.Reserve(rows);
  (void)scores.Reserve(rows);
  (void)titles.Reserve(rows);
  (void)titles.ReserveData(rows * 16);
  (void)times.Reserve(rows);
  (void)flags.Reserve(rows);
  for (int64_t i = 0; i < rows; ++i) {
    ids.UnsafeAppend(i);
    scores.UnsafeAppend(static_cast<double>(i % 1000) * 0.25);
    (void)titles.Append("title " + std::to_string(i % 100'000));
    times.UnsafeAppend(1'700'000'000'000'000 + i * 1000);
    flags.UnsafeAppend(i % 7 == 0);
  }
  auto schema = arrow::schema({arrow::field("id", arrow::int64()), arrow::field("score", arrow::float64()),
                               arrow::field("title", arrow::utf8()),
                               arrow::field("time", arrow::timestamp(arrow::TimeUnit::MICRO)),
                               arrow::field("flag", arrow::boolean())});
  return arrow::Table::Make(schema,
                            {ids.Finish().ValueOrDie(), scores.Finish().ValueOrDie(), titles.Finish().ValueOrDie(),
                             times.Finish().ValueOrDie(), flags.Finish().ValueOrDie()});
}

}  // namespace strata::bench
