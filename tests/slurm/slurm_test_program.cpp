// strata_slurm_test_program <cli args...>: definitions for the Slurm executor, behind strata::run_cli
// as a user's binary would be. Tables are Parquet on S3 (MinIO): the endpoint comes from
// $STRATA_TEST_S3_ENDPOINT, the credentials from $AWS_ACCESS_KEY_ID / $AWS_SECRET_ACCESS_KEY.
//
//   events (daily partitions) -> totals -> checked     Parquet on S3 ("lake"), checked on S3 objects ("objects")
//     events waits, on its first attempt of a partition, until the file $STRATA_TEST_GATE/go exists,
//     after creating $STRATA_TEST_GATE/started-<partition>; retried twice.
//   local_value                                         a filesystem manager on a local directory ("local_files")
//   kept                                                an in-memory manager ("memory")
//   greedy                                              asks for 64 CPUs (no node has them)
//   huge                                                asks for 64 TB of memory (sbatch refuses it)
//   on_gpus                                             asks for the partition "gpu" (there is none)
//   failing                                             throws
//   chain_0 ... chain_N-1, fan_0 ... fan_M-1            a chain and independent steps for benchmarks
//                                                       ($STRATA_TEST_CHAIN, $STRATA_TEST_FAN; fan steps
//                                                       sleep $STRATA_TEST_FAN_MS each)
#include <arrow/api.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <strata/arrow/file_formats.hpp>
#include <strata/arrow/object_store_io_manager.hpp>
#include <strata/cli/run_cli.hpp>
#include <strata/strata.hpp>
#include <thread>
#include <vector>

namespace s = strata;
namespace fs = std::filesystem;

namespace {

std::string env(const char* name, const std::string& fallback = "") {
  const char* value = std::getenv(name);
  return value ? value : fallback;
}

s::ArrowTable rows(const std::string& partition, int64_t count) {
  arrow::Int64Builder values;
  arrow::StringBuilder days;
  for (int64_t i = 1; i <= count; ++i) {
    (void)values.Append(i);
    (void)days.Append(partition);
  }
  return arrow::Table::Make(arrow::schema({arrow::field("day", arrow::utf8()), arrow::field("value", arrow::int64())}),
                            {days.Finish().ValueOrDie(), values.Finish().ValueOrDie()});
}

// On the first attempt of `partition`: marks it started and waits (cooperatively) for the go file.
void gate(s::AssetContext& ctx, const std::string& partition) {
  std::string dir = env("STRATA_TEST_GATE");
  if (dir.empty()) return;
  fs::path started = fs::path(dir) / ("started-" + partition);
  bool first = !fs::exists(started);
  std::ofstream(started, std::ios::app) << "attempt\n";
  if (!first) return;
  ctx.log().info("waiting for " + (fs::path(dir) / "go").string());
  while (!fs::exists(fs::path(dir) / "go")) {
    if (ctx.wait_unless_canceled(std::chrono::milliseconds(10))) ctx.check_canceled();
  }
}

s::Definitions definitions() {
  auto days = s::daily_partitions("2024-01-01", {.end = "2024-01-10"});
  s::RetryPolicy twice{.max_retries = 2, .delay = std::chrono::milliseconds(10)};
  std::vector<s::AssetsDefinition> assets;
  assets.push_back(s::asset("events", {.io_manager_key = "lake", .partitions = days, .retry_policy = twice},
                            [](s::AssetContext& ctx) {
                              gate(ctx, ctx.partition_key());
                              return rows(ctx.partition_key(), 5);
                            }));
  assets.push_back(s::asset(
      "totals", {.ins = {"events"}, .io_manager_key = "lake", .partitions = days}, [](const s::ArrowTable& events) {
        auto values = std::static_pointer_cast<arrow::Int64Array>(events->GetColumnByName("value")->chunk(0));
        int64_t sum = 0;
        for (int64_t i = 0; i < values->length(); ++i) sum += values->Value(i);
        arrow::Int64Builder total;
        (void)total.Append(sum);
        return arrow::Table::Make(arrow::schema({arrow::field("total", arrow::int64())}),
                                  {total.Finish().ValueOrDie()});
      }));
  assets.push_back(s::asset("checked", {.ins = {"totals"}, .io_manager_key = "objects", .partitions = days},
                            [](s::AssetContext& ctx, const s::ArrowTable& totals) {
                              ctx.add_output_metadata({{"host", s::Instance::host_name()}});
                              return totals->num_rows();
                            }));
  assets.push_back(s::asset("local_value", {.io_manager_key = "local_files"}, [] { return int64_t{1}; }));
  assets.push_back(s::asset("kept", {.io_manager_key = "memory"}, [] { return int64_t{2}; }));
  assets.push_back(s::asset("greedy", {.io_manager_key = "objects", .resources = {.cpus = 64}}, [] { return 3; }));
  assets.push_back(s::asset("huge", {.io_manager_key = "objects", .resources = {.mem = "64T"}}, [] { return 4; }));
  assets.push_back(
      s::asset("on_gpus", {.io_manager_key = "objects", .resources = {.partition = "gpu"}}, [] { return 5; }));
  assets.push_back(s::asset("failing", {.io_manager_key = "objects"},
                            []() -> int64_t { throw std::runtime_error("failing on purpose"); }));
  int chain = std::atoi(env("STRATA_TEST_CHAIN", "0").c_str());
  for (int i = 0; i < chain; ++i) {
    std::string name = "chain_" + std::to_string(i);
    if (i == 0) {
      assets.push_back(s::asset(name, {.group = "chain", .io_manager_key = "objects"}, [] { return int64_t{0}; }));
    } else {
      assets.push_back(
          s::asset(name, {.ins = {"chain_" + std::to_string(i - 1)}, .group = "chain", .io_manager_key = "objects"},
                   [](int64_t previous) { return previous + 1; }));
    }
  }
  int fan = std::atoi(env("STRATA_TEST_FAN", "0").c_str());
  int fan_ms = std::atoi(env("STRATA_TEST_FAN_MS", "1000").c_str());
  for (int i = 0; i < fan; ++i) {
    assets.push_back(s::asset("fan_" + std::to_string(i), {.group = "fan", .io_manager_key = "objects"}, [fan_ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(fan_ms));  // the work a step does
      return int64_t{1};
    }));
  }
  std::string endpoint = env("STRATA_TEST_S3_ENDPOINT", "127.0.0.1:9000");
  s::ArrowPathOptions lake{.base_uri = "s3://strata-slurm/lake",
                           .s3_endpoint = endpoint,
                           .s3_scheme = "http",
                           .s3_access_key = s::EnvVar{"AWS_ACCESS_KEY_ID"},
                           .s3_secret_key = s::EnvVar{"AWS_SECRET_ACCESS_KEY"},
                           .allow_bucket_creation = true};
  s::ObjectStoreOptions objects{.base_uri = "s3://strata-slurm/objects",
                                .s3_endpoint = endpoint,
                                .s3_scheme = "http",
                                .s3_access_key = s::EnvVar{"AWS_ACCESS_KEY_ID"},
                                .s3_secret_key = s::EnvVar{"AWS_SECRET_ACCESS_KEY"},
                                .allow_bucket_creation = true};
  return s::Definitions({
      .assets = assets,
      .jobs = {s::define_asset_job("daily", s::AssetSelection::keys({"events", "totals", "checked"}),
                                   {.executor = s::ExecutorKind::kSlurm})},
      .resources = {{"lake", s::ParquetIOManager(lake)},
                    {"objects", s::ObjectStoreIOManager(objects)},
                    {"local_files",
                     s::FilesystemIOManager({.base_dir = env("STRATA_TEST_LOCAL", "/tmp/strata-local")})},
                    {"memory", s::InMemoryIOManager()}},
  });
}

}  // namespace

int main(int argc, char** argv) { return s::run_cli(definitions(), argc, argv); }
