#include "strata/daemon/sensor_loop.hpp"

#include <algorithm>
#include <map>

#include "strata/daemon/default_loops.hpp"
#include "tick_runs.hpp"

namespace strata {
namespace {

using daemon_detail::from_us;
using daemon_detail::to_us;

int64_t cursor_number(const std::string& cursor) {
  try {
    return cursor.empty() ? 0 : std::stoll(cursor);
  } catch (const std::exception&) {
    return 0;  // a cursor this build did not write: start over from now
  }
}

// One evaluation of `sensor` at `now` from its stored cursor: the commit to record and the result's
// run requests (evaluate not called when there is nothing new for an asset or run-status sensor).
struct Evaluation {
  TickCommit commit;
  std::vector<TickRunRequest> requests;
};

// The first evaluation of an asset or run-status sensor: what happened before it is not news; it
// records where it starts watching from.
Evaluation first_evaluation(const Definitions& defs, Storage& storage, const daemon_detail::TickSource& source,
                            Clock::time_point now, const std::string& cursor, const std::string& reason) {
  Evaluation first{daemon_detail::commit_from_result(defs, storage, source, now, TickResult::skip(reason)), {}};
  first.commit.cursor = cursor;
  first.commit.tick.cursor = cursor;
  return first;
}

Evaluation evaluate_sensor(const Definitions& defs, Storage& storage, const SensorDefinition& sensor,
                           const std::string& stored_cursor, Clock::time_point now) {
  daemon_detail::TickSource source{sensor.name, "sensor", sensor.job_name, "", {}, ""};
  source.tags = {{"strata/sensor_name", sensor.name}};
  SensorContext context{sensor.name, now, stored_cursor, {}};
  std::optional<std::string> cursor;  // for asset and run-status sensors: the new position
  try {
    if (sensor.kind == SensorDefinition::Kind::kAsset) {
      int64_t after = cursor_number(stored_cursor);
      int64_t newest = after;
      std::vector<EventRecord> found;
      for (const auto& key : sensor.monitored_assets) {
        for (auto& record : storage.materialization_history(key, 1000)) {
          newest = std::max(newest, record.id);
          if (record.id > after) found.push_back(std::move(record));
        }
      }
      cursor = std::to_string(newest);
      if (stored_cursor.empty()) {
        return first_evaluation(defs, storage, source, now, *cursor, "watching for new materializations");
      }
      std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
      for (auto& record : found) context.events.push_back(std::move(record.event));
    } else if (sensor.kind == SensorDefinition::Kind::kRunStatus) {
      int64_t after = cursor_number(stored_cursor);
      int64_t newest = after;
      RunFilter filter;
      filter.status = sensor.monitor_failure ? RunStatus::kFailure : RunStatus::kSuccess;
      if (!sensor.monitored_job.empty()) filter.job_name = sensor.monitored_job;
      filter.limit = 1000;
      std::vector<RunRecord> ended;
      for (auto& run : storage.runs(filter)) {
        if (run.end_time_us > after) {
          newest = std::max(newest, run.end_time_us);
          ended.push_back(std::move(run));
        }
      }
      cursor = std::to_string(newest);
      if (stored_cursor.empty())
        return first_evaluation(defs, storage, source, now, *cursor, "watching for runs that end");
      std::sort(ended.begin(), ended.end(), [](const auto& a, const auto& b) { return a.end_time_us < b.end_time_us; });
      for (const auto& run : ended) {
        Event event;
        event.type = sensor.monitor_failure ? EventType::kRunFailure : EventType::kRunSuccess;
        event.run_id = run.run_id;
        event.timestamp_us = run.end_time_us;
        event.message = "run of " + run.job_name + (sensor.monitor_failure ? " failed" : " succeeded");
        context.events.push_back(std::move(event));
      }
    }
    bool nothing_new = sensor.kind != SensorDefinition::Kind::kCustom && context.events.empty();
    TickResult result = nothing_new ? TickResult::skip(sensor.kind == SensorDefinition::Kind::kAsset
                                                           ? "no new materializations"
                                                           : "no run ended with the monitored status")
                                    : sensor.evaluate(context);
    if (sensor.kind == SensorDefinition::Kind::kCustom) cursor = result.cursor;
    Evaluation evaluation{daemon_detail::commit_from_result(defs, storage, source, now, result), result.run_requests};
    if (evaluation.commit.tick.status == "FAILURE") return evaluation;  // cursor kept: evaluated again
    evaluation.commit.cursor = cursor;
    evaluation.commit.tick.cursor = cursor.value_or(stored_cursor);
    return evaluation;
  } catch (const std::exception& e) {
    Evaluation failed{daemon_detail::failed_commit(source, now, "sensor function threw: " + std::string(e.what())), {}};
    failed.commit.tick.cursor = stored_cursor;
    return failed;
  } catch (...) {
    Evaluation failed{daemon_detail::failed_commit(source, now, "sensor function threw a non-standard exception"), {}};
    failed.commit.tick.cursor = stored_cursor;
    return failed;
  }
}

}  // namespace

SensorLoop::SensorLoop(std::shared_ptr<const Definitions> defs, std::shared_ptr<Instance> instance,
                       std::chrono::milliseconds interval)
    : DefinitionsLoop(std::move(defs), std::move(instance), interval) {}

void SensorLoop::run_once(Clock::time_point now) {
  Storage& storage = instance_->storage();
  std::map<std::string, InstigatorState> states = instigator_states_by_name(storage);
  std::vector<TickCommit> commits;
  for (const auto& sensor : defs_->sensors()) {
    auto found = states.find(sensor.name);
    if (followed_status(states, sensor.name, sensor.default_status).status != InstigatorStatus::kRunning) continue;
    int64_t last_us = found == states.end() ? 0 : found->second.last_tick_time_us;
    if (last_us != 0 && now - from_us(last_us) < sensor.minimum_interval) continue;
    std::string cursor = found == states.end() ? "" : found->second.cursor;
    commits.push_back(evaluate_sensor(*defs_, storage, sensor, cursor, now).commit);
  }
  if (!commits.empty()) storage.commit_ticks(commits);
}

SensorPreview preview_sensor(const Definitions& defs, Instance& instance, const SensorDefinition& sensor,
                             Clock::time_point now) {
  std::string cursor;
  for (const auto& state : instance.storage().instigator_states()) {
    if (state.name == sensor.name) cursor = state.cursor;
  }
  Evaluation evaluation = evaluate_sensor(defs, instance.storage(), sensor, cursor, now);
  return {evaluation.commit.tick, evaluation.requests};
}

}  // namespace strata
