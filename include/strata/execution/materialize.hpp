// The in-process entry points users call from tests and programs:
//
//   auto result = strata::materialize({upstream, downstream}, {.resources = {{"io_manager", MockIOManager()}}});
//   EXPECT_TRUE(result.success());
//
//   auto result = strata::execute_job(defs, "hackernews_job");
//   auto result = strata::execute_in_process(my_op_job);
#pragma once

#include <map>
#include <optional>
#include <vector>

#include "strata/core/definitions/definitions.hpp"
#include "strata/execution/run_options.hpp"
#include "strata/execution/run_result.hpp"

namespace strata {

struct MaterializeOptions {
  std::map<std::string, ResourceDefinition> resources{};
  std::shared_ptr<Instance> instance{};       // record the run there (see RunOptions::instance)
  std::optional<AssetSelection> selection{};  // default: every given asset (source assets excepted)
  RunConfig run_config{};
  std::filesystem::path strata_home{};  // empty: temporary, removed with the result
  int max_concurrency = 0;
  std::map<std::string, std::string> tags{};
  EventListener on_event{};
  std::string partition_key{};                      // materialize this partition
  std::vector<std::string> partition_keys{};        // or these, in one run
  std::string run_id{};                             // empty: a new random id
  std::shared_ptr<RunCancellation> cancellation{};  // see RunOptions::cancellation
};

// Builds Definitions from `assets` and `resources` (validated as usual: errors throw before anything
// runs) and materializes the selection.
RunResult materialize(std::vector<AssetsDefinition> assets, MaterializeOptions options = {});
// Materializes `selection` of `defs`.
RunResult materialize(const Definitions& defs, const AssetSelection& selection, RunOptions options = {});
// Runs the job named `job_name` of `defs`.
RunResult execute_job(const Definitions& defs, const std::string& job_name, RunOptions options = {});
// Runs a standalone (op) job with its own resources.
RunResult execute_in_process(const JobDefinition& job, RunOptions options = {});

}  // namespace strata
