// Peak memory of writing a 10M-row x 5-column table to Parquet through ParquetIOManager, measured
// in this process alone: VmHWM (peak resident set) at the end, and how far it rose above the
// resident set just before the write (the table itself is already resident then).
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <strata/arrow/file_formats.hpp>
#include <strata/strata.hpp>

#include "bench_main.hpp"
#include "bench_tables.hpp"

namespace {

// A field of /proc/self/status in MB (VmRSS: now, VmHWM: peak).
double status_mb(const std::string& field) {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind(field + ":", 0) == 0) return std::stod(line.substr(field.size() + 1)) / 1024.0;  // kB
  }
  return 0;
}

}  // namespace

int main() {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("strata-peak-bench-" + std::to_string(::getpid()));
  auto table = strata::bench::make_stories_table(10'000'000);
  strata::ParquetIOManager manager({.base_uri = dir.string()});
  double before = status_mb("VmRSS");
  auto context = strata::build_output_context(
      {.asset_key = strata::AssetKey("big"), .type = &strata::type_of<strata::ArrowTable>()});
  manager.handle_output(context, strata::Value::of(table));
  double peak = status_mb("VmHWM");
  strata::bench::report("parquet_write_table_mb", before, "MB");
  strata::bench::report("parquet_write_peak_rss_mb", peak, "MB");
  strata::bench::report("parquet_write_peak_extra_mb", peak - before, "MB");
  fs::remove_all(dir);
  return 0;
}
