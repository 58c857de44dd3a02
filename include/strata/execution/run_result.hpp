// RunResult: what a run did: success, per-step status and timings, materializations with metadata,
// output values (when kept), and the ordered list of events.
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "strata/core/types/event.hpp"
#include "strata/core/types/value.hpp"

namespace strata {

enum class StepStatus { kNotStarted, kSuccess, kFailure, kSkipped };
const char* step_status_name(StepStatus status);

struct StepResult {
  std::string key{};
  StepStatus status = StepStatus::kNotStarted;
  int64_t start_us = 0;
  int64_t end_us = 0;
  std::string error_type{};     // as Event::error_type: a Strata error's code, or the C++ type the user threw
  std::string error_message{};  // of the last attempt; a step that was retried lists every attempt's error
  int attempts = 0;             // 1 + retries (0 when it never ran)
  std::vector<std::string> attempt_errors{};  // one per failed attempt, in order
  double duration_ms() const { return static_cast<double>(end_us - start_us) / 1000.0; }
};

struct MaterializationRecord {
  AssetKey asset_key{};
  std::string step_key{};
  std::string output_name{};
  std::optional<std::string> partition{};
  Metadata metadata{};
};

class RunResult {
 public:
  struct Data;
  explicit RunResult(std::shared_ptr<const Data> data) : data_(std::move(data)) {}

  bool success() const;
  // Whether the run stopped because it was canceled (then success() is false).
  bool canceled() const;
  const std::string& run_id() const;
  const std::string& job_name() const;
  const std::filesystem::path& strata_home() const;
  double duration_ms() const;

  const std::vector<Event>& events() const;
  std::vector<Event> events_of(EventType type) const;
  const std::vector<StepResult>& steps() const;
  // Throws Error naming the step when it is not part of the run.
  const StepResult& step(const std::string& step_key) const;
  // Why the run was canceled, else the first failure; "" when the run succeeded.
  std::string failure_message() const;

  std::vector<MaterializationRecord> materializations() const;
  // The last materialization of `key` in this run; throws Error when there is none.
  MaterializationRecord materialization(const AssetKey& key) const;

  // The value a step yielded (kept when RunOptions::keep_outputs); throws Error when absent or of
  // another type.
  const Value& output(const std::string& step_key, const std::string& output_name = "result") const;
  const Value& asset_output(const AssetKey& key) const;
  template <class T>
  const T& output_value(const std::string& step_key, const std::string& output_name = "result") const {
    return output(step_key, output_name).get<T>();
  }
  template <class T>
  const T& asset_value(const AssetKey& key) const {
    return asset_output(key).get<T>();
  }

 private:
  std::shared_ptr<const Data> data_;
};

}  // namespace strata
