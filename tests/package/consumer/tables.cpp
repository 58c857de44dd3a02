// The outside project's table pipeline (find_package(strata COMPONENTS arrow duckdb)): an Arrow
// table stored in DuckDB by strata::DuckDBIOManager and loaded back by a downstream asset.
// Prints `sum=<n>` (5050) and exits 0 when the run succeeded.
#include <arrow/api.h>

#include <cstdint>
#include <cstdio>
#include <strata/arrow/table.hpp>
#include <strata/duckdb/duckdb_io_manager.hpp>
#include <strata/strata.hpp>

namespace s = strata;

int main() {
  auto ids = s::asset("ids", {.io_manager_key = "duckdb"}, [] {
    arrow::Int64Builder builder;
    for (int64_t i = 1; i <= 100; ++i) (void)builder.Append(i);
    return s::ArrowTable(
        arrow::Table::Make(arrow::schema({arrow::field("id", arrow::int64())}), {builder.Finish().ValueOrDie()}));
  });
  auto sum = s::asset("sum", {.ins = {"ids"}}, [](const s::ArrowTable& table) {
    int64_t total = 0;
    for (const auto& chunk : table->GetColumnByName("id")->chunks()) {
      auto values = std::static_pointer_cast<arrow::Int64Array>(chunk);
      for (int64_t i = 0; i < values->length(); ++i) total += values->Value(i);
    }
    return total;
  });
  s::Definitions defs({.assets = {ids, sum},
                       .resources = {{"io_manager", s::InMemoryIOManager()},
                                     {"duckdb", s::DuckDBIOManager({.database = "consumer.duckdb"})}}});
  s::RunResult result = s::materialize(defs, s::AssetSelection::all(), {.keep_outputs = true});
  if (!result.success()) {
    std::fprintf(stderr, "%s\n", result.failure_message().c_str());
    return 1;
  }
  std::printf("sum=%lld\n", static_cast<long long>(result.asset_value<int64_t>("sum")));
  return 0;
}
