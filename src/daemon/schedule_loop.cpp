#include "strata/daemon/schedule_loop.hpp"

#include <map>

#include "strata/core/util/error.hpp"
#include "strata/daemon/default_loops.hpp"
#include "strata/execution/plan.hpp"
#include "tick_runs.hpp"

namespace strata {
namespace {

using daemon_detail::from_us;
using daemon_detail::to_us;

// The time-window partitions of the job's assets, or null.
PartitionsPtr time_partitions_of(const Definitions& defs, const std::string& job_name) {
  ExecutionPlan plan = ExecutionPlan::for_job(defs, defs.job(job_name));
  for (const PlanStep& step : plan.steps()) {
    if (step.node && step.node->partitions &&
        step.node->partitions->kind() == PartitionsDefinition::Kind::kTimeWindow) {
      return step.node->partitions;
    }
  }
  return nullptr;
}

// "2026-03-29T01:00:00Z": the default run key of a tick.
std::string tick_key(const std::string& schedule, Clock::time_point t) {
  return schedule + "@" + format_local_time(t, "UTC");
}

}  // namespace

std::optional<std::string> latest_complete_partition(const PartitionsDefinition& partitions,
                                                     std::chrono::system_clock::time_point at) {
  auto end = std::chrono::time_point_cast<std::chrono::seconds>(at);
  // Long enough for the longest window (a month) to have ended inside it.
  TimeWindow window{end - std::chrono::hours(24 * 64), end};
  std::vector<std::string> keys = time_keys_overlapping(partitions, window);
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    auto key_window = partitions.time_window(*it);
    if (key_window && key_window->end <= end) return *it;
  }
  return std::nullopt;
}

std::vector<std::chrono::system_clock::time_point> upcoming_ticks(const ScheduleDefinition& schedule,
                                                                  std::chrono::system_clock::time_point after,
                                                                  size_t count) {
  CronSchedule cron = CronSchedule::parse(schedule.cron_schedule);
  std::vector<std::chrono::system_clock::time_point> out;
  for (auto next = cron.next_after(after, schedule.timezone); next && out.size() < count;
       next = cron.next_after(*next, schedule.timezone)) {
    out.push_back(*next);
  }
  return out;
}

ScheduleLoop::ScheduleLoop(std::shared_ptr<const Definitions> defs, std::shared_ptr<Instance> instance,
                           std::chrono::milliseconds interval)
    : DefinitionsLoop(std::move(defs), std::move(instance), interval) {
  for (const auto& schedule : defs_->schedules()) {
    entries_.push_back(
        {&schedule, CronSchedule::parse(schedule.cron_schedule), time_partitions_of(*defs_, schedule.job_name)});
  }
}

void ScheduleLoop::run_once(Clock::time_point now) {
  Storage& storage = instance_->storage();
  std::map<std::string, InstigatorState> states = instigator_states_by_name(storage);
  std::vector<TickCommit> commits;
  for (const Entry& entry : entries_) {
    const ScheduleDefinition& schedule = *entry.schedule;
    auto found = states.find(schedule.name);
    if (followed_status(states, schedule.name, schedule.default_status).status != InstigatorStatus::kRunning) continue;
    int64_t last_us = found == states.end() ? 0 : found->second.last_tick_time_us;
    if (last_us == 0) {
      // First seen running: ticks start from now (a state row without a tick).
      TickCommit start;
      start.tick.instigator = schedule.name;
      start.tick.kind = "schedule";
      start.last_tick_time_us = to_us(now);
      commits.push_back(std::move(start));
      continue;
    }
    Clock::time_point last = from_us(last_us);
    auto next = entry.cron.next_after(last, schedule.timezone);
    if (!next || *next > now) continue;
    size_t limit = schedule.catch_up.kind == CatchUpPolicy::Kind::kLatest ? 1 : schedule.catch_up.max_ticks;
    std::vector<Clock::time_point> due = entry.cron.times_between(last, now, schedule.timezone, limit);
    for (Clock::time_point tick : due) {
      daemon_detail::TickSource source{
          schedule.name, "schedule", schedule.job_name, "", {}, tick_key(schedule.name, tick)};
      source.tags = {{"strata/schedule_name", schedule.name}};
      ScheduleContext context{schedule.name, tick, schedule.timezone, ""};
      try {
        if (entry.partitions) {
          auto partition = latest_complete_partition(*entry.partitions, tick);
          if (!partition) {
            commits.push_back(daemon_detail::commit_from_result(
                *defs_, storage, source, tick, TickResult::skip("no partition of the job is complete yet")));
            continue;
          }
          context.partition_key = *partition;
          source.default_partition = *partition;
        }
        TickResult result;
        if (schedule.evaluate) {
          try {
            result = schedule.evaluate(context);
          } catch (const std::exception& e) {
            throw Error(std::string("schedule function threw: ") + e.what());
          }
        } else {
          result.run_requests.push_back({"", "", "", schedule.run_config, schedule.tags});
        }
        for (auto& request : result.run_requests) {
          if (request.run_config.empty()) request.run_config = schedule.run_config;
          for (const auto& [key, value] : schedule.tags) request.tags.emplace(key, value);
        }
        commits.push_back(daemon_detail::commit_from_result(*defs_, storage, source, tick, result));
      } catch (const std::exception& e) {
        commits.push_back(daemon_detail::failed_commit(source, tick, e.what()));
      } catch (...) {
        commits.push_back(
            daemon_detail::failed_commit(source, tick, "the schedule's function threw a non-standard exception"));
      }
    }
  }
  if (!commits.empty()) storage.commit_ticks(commits);
}

}  // namespace strata
