// The shared state behind a RunResult (private to the execution layer).
#pragma once

#include <map>
#include <memory>
#include <utility>

#include "strata/execution/run_result.hpp"

namespace strata {

struct RunResult::Data {
  std::string run_id;
  std::string job_name;
  std::filesystem::path strata_home;
  std::shared_ptr<void> temporary_home;  // removes a temporary STRATA_HOME when the last result goes
  bool success = false;
  bool canceled = false;
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::vector<Event> events;
  std::vector<StepResult> steps;
  std::map<std::pair<std::string, std::string>, Value> outputs;           // (step, output) → value
  std::map<AssetKey, std::pair<std::string, std::string>> asset_outputs;  // asset → (step, output)
};

}  // namespace strata
