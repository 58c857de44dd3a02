#include "tick_runs.hpp"

#include "strata/execution/run_queue_coordinator.hpp"

namespace strata::daemon_detail {

int64_t to_us(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

Clock::time_point from_us(int64_t us) {
  return Clock::time_point(std::chrono::duration_cast<Clock::time_point::duration>(std::chrono::microseconds(us)));
}

namespace {

TickCommit empty_commit(const TickSource& source, Clock::time_point tick_time) {
  TickCommit commit;
  commit.tick.instigator = source.name;
  commit.tick.kind = source.kind;
  commit.tick.tick_time_us = to_us(tick_time);
  commit.tick.timestamp_us = now_unix_us();
  commit.last_tick_time_us = commit.tick.tick_time_us;
  return commit;
}

}  // namespace

TickCommit failed_commit(const TickSource& source, Clock::time_point tick_time, const std::string& error) {
  TickCommit commit = empty_commit(source, tick_time);
  commit.tick.status = "FAILURE";
  commit.tick.error = error;
  return commit;
}

TickCommit commit_from_result(const Definitions& defs, Storage& storage, const TickSource& source,
                              Clock::time_point tick_time, const TickResult& result) {
  TickCommit commit = empty_commit(source, tick_time);
  for (size_t i = 0; i < result.run_requests.size(); ++i) {
    const TickRunRequest& request = result.run_requests[i];
    RunRequest run;
    run.job_name = request.job_name.empty() ? source.default_job : request.job_name;
    std::string partition = request.partition_key.empty() ? source.default_partition : request.partition_key;
    if (!partition.empty()) run.partition_keys = {partition};
    run.run_config = request.run_config;
    run.tags = request.tags;
    for (const auto& [key, value] : source.tags) run.tags.insert_or_assign(key, value);
    std::string run_key = request.run_key.empty() ? source.default_run_key : request.run_key;
    if (!run_key.empty()) {
      if (result.run_requests.size() > 1 && request.run_key.empty()) run_key += "#" + std::to_string(i);
      run.tags.insert_or_assign("strata/run_key", run_key);
    }
    try {
      if (run.job_name.empty()) throw DefinitionError("it names no job, and the " + source.kind + " has none");
      PreparedRun prepared = prepare_queued_run(defs, &storage, run);
      commit.runs.push_back({run_key, std::move(prepared.record), std::move(prepared.launch)});
    } catch (const Error& e) {
      return failed_commit(source, tick_time,
                           "run request " + std::to_string(i + 1) + " of " +
                               std::to_string(result.run_requests.size()) + " cannot run: " + e.what());
    }
  }
  commit.tick.status = commit.runs.empty() ? "SKIPPED" : "SUCCESS";
  if (commit.runs.empty()) {
    commit.tick.skip_reason = result.skip_reason.empty() ? "no run requested" : result.skip_reason;
  }
  return commit;
}

}  // namespace strata::daemon_detail
