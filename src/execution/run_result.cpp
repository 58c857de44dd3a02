#include "strata/execution/run_result.hpp"

#include "run_result_data.hpp"
#include "strata/core/util/error.hpp"

namespace strata {

const char* step_status_name(StepStatus status) {
  switch (status) {
    case StepStatus::kNotStarted:
      return "NOT_STARTED";
    case StepStatus::kSuccess:
      return "SUCCESS";
    case StepStatus::kFailure:
      return "FAILURE";
    case StepStatus::kSkipped:
      return "SKIPPED";
  }
  return "UNKNOWN";
}

bool RunResult::success() const { return data_->success; }
bool RunResult::canceled() const { return data_->canceled; }
const std::string& RunResult::run_id() const { return data_->run_id; }
const std::string& RunResult::job_name() const { return data_->job_name; }
const std::filesystem::path& RunResult::strata_home() const { return data_->strata_home; }
double RunResult::duration_ms() const { return static_cast<double>(data_->end_us - data_->start_us) / 1000.0; }
const std::vector<Event>& RunResult::events() const { return data_->events; }
const std::vector<StepResult>& RunResult::steps() const { return data_->steps; }

std::vector<Event> RunResult::events_of(EventType type) const {
  std::vector<Event> out;
  for (const auto& event : data_->events) {
    if (event.type == type) out.push_back(event);
  }
  return out;
}

const StepResult& RunResult::step(const std::string& step_key) const {
  for (const auto& step : data_->steps) {
    if (step.key == step_key) return step;
  }
  throw Error("run " + data_->run_id + " has no step '" + step_key + "'");
}

std::string RunResult::failure_message() const {
  for (const auto& event : data_->events) {
    if (data_->canceled && event.type == EventType::kRunCanceled) return event.message;
  }
  for (const auto& event : data_->events) {
    if (event.type == EventType::kStepFailure) return "step '" + event.step_key + "' failed: " + event.message;
  }
  for (const auto& event : data_->events) {
    if (event.type == EventType::kRunFailure || event.type == EventType::kRunCanceled) return event.message;
  }
  return "";
}

std::vector<MaterializationRecord> RunResult::materializations() const {
  std::vector<MaterializationRecord> out;
  for (const auto& event : data_->events) {
    if (event.type == EventType::kMaterialization) {
      out.push_back({*event.asset_key, event.step_key, event.name, event.partition, event.metadata});
    }
  }
  return out;
}

MaterializationRecord RunResult::materialization(const AssetKey& key) const {
  for (auto it = data_->events.rbegin(); it != data_->events.rend(); ++it) {
    if (it->type == EventType::kMaterialization && it->asset_key == key) {
      return {key, it->step_key, it->name, it->partition, it->metadata};
    }
  }
  throw Error("run " + data_->run_id + " did not materialize asset '" + key.to_string() + "'");
}

const Value& RunResult::output(const std::string& step_key, const std::string& output_name) const {
  auto it = data_->outputs.find({step_key, output_name});
  if (it == data_->outputs.end()) {
    throw Error("run " + data_->run_id + " kept no value for output '" + output_name + "' of step '" + step_key + "'");
  }
  return it->second;
}

const Value& RunResult::asset_output(const AssetKey& key) const {
  auto it = data_->asset_outputs.find(key);
  if (it == data_->asset_outputs.end()) {
    throw Error("run " + data_->run_id + " kept no value for asset '" + key.to_string() + "'");
  }
  return output(it->second.first, it->second.second);
}

}  // namespace strata
