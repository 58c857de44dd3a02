#include "daemon_commands.hpp"

#include <cstdlib>
#include <mutex>

#include "interrupt_watcher.hpp"
#include "strata/core/automation/cron.hpp"
#include "strata/core/util/nearest_name.hpp"
#include "strata/daemon/backfill_daemon_loop.hpp"
#include "strata/daemon/daemon.hpp"
#include "strata/daemon/default_loops.hpp"
#include "strata/daemon/run_queue_daemon_loop.hpp"
#include "strata/daemon/schedule_loop.hpp"
#include "strata/daemon/sensor_loop.hpp"
#include "terminal_text.hpp"
#include "text_table.hpp"

namespace strata::cli {
namespace {

using std::chrono::system_clock;

// The system clock moved by STRATA_DAEMON_CLOCK_OFFSET_S seconds: lets a test bring a schedule's
// next tick seconds away without waiting for it (docs/automation.md, Testing).
class OffsetClock final : public Clock {
 public:
  explicit OffsetClock(std::chrono::seconds offset) : offset_(offset) {}
  time_point now() const override { return system_clock::now() + offset_; }

 private:
  std::chrono::seconds offset_;
};

std::shared_ptr<const Clock> daemon_clock() {
  const char* text = std::getenv("STRATA_DAEMON_CLOCK_OFFSET_S");
  if (!text || !*text) return std::make_shared<SystemClock>();
  try {
    return std::make_shared<OffsetClock>(std::chrono::seconds(std::stoll(text)));
  } catch (const std::exception&) {
    throw UsageError(std::string("STRATA_DAEMON_CLOCK_OFFSET_S='") + text + "' is not a number of seconds");
  }
}

std::string age(int64_t then_us) {
  int64_t delta = now_unix_us() - then_us;
  if (delta < 0) return "in " + format_duration_us(-delta);
  return format_duration_us(delta) + " ago";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

std::string status_text(const std::map<std::string, InstigatorState>& states, const std::string& name,
                        InstigatorStatus default_status) {
  FollowedStatus followed = followed_status(states, name, default_status);
  return std::string(instigator_status_name(followed.status)) + (followed.is_default ? " (default)" : "");
}

std::string last_tick_text(Storage& storage, const std::string& name, const std::string& zone) {
  auto ticks = storage.ticks(name, 1);
  if (ticks.empty()) return "-";
  return ticks[0].status + " " +
         format_local_time(system_clock::time_point(std::chrono::microseconds(ticks[0].tick_time_us)), zone);
}

// Whether a daemon holds the instance's lease now.
bool daemon_running(Storage& storage) {
  auto lease = storage.daemon_lease();
  return lease && lease->expires_us > now_unix_us();
}

const ScheduleDefinition& find_schedule(CliSession& session, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& schedule : session.defs.schedules()) {
    if (schedule.name == name) return schedule;
    names.push_back(schedule.name);
  }
  throw UsageError("unknown schedule '" + name + "'" + did_you_mean(name, names),
                   "'" + session.program + " schedule list' lists the schedules");
}

const SensorDefinition& find_sensor(CliSession& session, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& sensor : session.defs.sensors()) {
    if (sensor.name == name) return sensor;
    names.push_back(sensor.name);
  }
  throw UsageError("unknown sensor '" + name + "'" + did_you_mean(name, names),
                   "'" + session.program + " sensor list' lists the sensors");
}

void print_ticks(CliSession& session, const std::string& name, const std::string& zone, int count) {
  TextTable table({"TICK", "STATUS", "RUNS", "DETAIL"});
  for (const auto& tick : session.instance().storage().ticks(name, count)) {
    std::string detail = !tick.error.empty() ? tick.error : tick.skip_reason;
    if (!tick.cursor.empty()) detail += (detail.empty() ? "" : "; ") + std::string("cursor ") + tick.cursor;
    table.add({format_local_time(system_clock::time_point(std::chrono::microseconds(tick.tick_time_us)), zone),
               tick.status, join(tick.run_ids), terminal_line(detail)});
  }
  if (table.empty()) session.out << "(no ticks recorded for " << name << ")\n";
  table.print(session.out);
}

int schedule_command(CliSession& session, const InstigatorCommand& command) {
  Storage& storage = session.instance().storage();
  if (command.action == "list") {
    auto states = instigator_states_by_name(storage);
    TextTable table({"SCHEDULE", "JOB", "CRON", "TIMEZONE", "STATUS", "NEXT TICK", "LAST TICK"});
    for (const auto& schedule : session.defs.schedules()) {
      auto next = upcoming_ticks(schedule, system_clock::now(), 1);
      table.add({schedule.name, schedule.job_name, schedule.cron_schedule, schedule.timezone,
                 status_text(states, schedule.name, schedule.default_status),
                 next.empty() ? "never" : format_local_time(next[0], schedule.timezone),
                 last_tick_text(storage, schedule.name, schedule.timezone)});
    }
    if (table.empty()) session.out << "(no schedules defined)\n";
    table.print(session.out);
    return kExitSuccess;
  }
  const ScheduleDefinition& schedule = find_schedule(session, command.name);
  if (command.action == "preview") {
    auto ticks = upcoming_ticks(schedule, system_clock::now(), static_cast<size_t>(std::max(command.count, 0)));
    session.out << "Next ticks of " << schedule.name << " (" << schedule.cron_schedule << ", " << schedule.timezone
                << "):\n";
    for (const auto& tick : ticks) {
      session.out << "  " << format_local_time(tick, schedule.timezone) << "  (" << format_local_time(tick, "UTC")
                  << ")\n";
    }
    if (ticks.empty()) session.out << "  (it never fires)\n";
    return kExitSuccess;
  }
  if (command.action == "ticks") {
    print_ticks(session, schedule.name, schedule.timezone, command.count);
    return kExitSuccess;
  }
  bool start = command.action == "start";
  storage.set_instigator_status(schedule.name, "schedule",
                                start ? InstigatorStatus::kRunning : InstigatorStatus::kStopped);
  session.out << (start ? "Started" : "Stopped") << " schedule " << schedule.name << "\n";
  if (start && !daemon_running(storage)) {
    session.out << "(no daemon is running on this instance: '" << session.program << " daemon' fires its ticks)\n";
  }
  return kExitSuccess;
}

const char* sensor_kind_name(SensorDefinition::Kind kind) {
  switch (kind) {
    case SensorDefinition::Kind::kAsset:
      return "asset";
    case SensorDefinition::Kind::kRunStatus:
      return "run status";
    default:
      return "custom";
  }
}

int sensor_command(CliSession& session, const InstigatorCommand& command) {
  Storage& storage = session.instance().storage();
  if (command.action == "list") {
    auto states = instigator_states_by_name(storage);
    TextTable table({"SENSOR", "KIND", "WATCHES", "JOB", "INTERVAL", "STATUS", "CURSOR", "LAST TICK"});
    for (const auto& sensor : session.defs.sensors()) {
      auto found = states.find(sensor.name);
      std::string watches = "-";
      if (sensor.kind == SensorDefinition::Kind::kAsset) {
        std::vector<std::string> keys;
        for (const auto& key : sensor.monitored_assets) keys.push_back(key.to_string());
        watches = "materializations of " + join(keys);
      } else if (sensor.kind == SensorDefinition::Kind::kRunStatus) {
        watches = "runs of " + (sensor.monitored_job.empty() ? std::string("any job") : sensor.monitored_job) +
                  (sensor.monitor_failure ? " that fail" : " that succeed");
      }
      table.add(
          {sensor.name, sensor_kind_name(sensor.kind), shorten(watches, 50),
           sensor.job_name.empty() ? "-" : sensor.job_name,
           format_duration_us(std::chrono::duration_cast<std::chrono::microseconds>(sensor.minimum_interval).count()),
           status_text(states, sensor.name, sensor.default_status),
           shorten(found == states.end() || found->second.cursor.empty() ? "-" : found->second.cursor, 30),
           last_tick_text(storage, sensor.name, "UTC")});
    }
    if (table.empty()) session.out << "(no sensors defined)\n";
    table.print(session.out);
    return kExitSuccess;
  }
  const SensorDefinition& sensor = find_sensor(session, command.name);
  if (command.action == "preview") {
    SensorPreview preview = preview_sensor(session.defs, session.instance(), sensor, system_clock::now());
    session.out << "Sensor " << sensor.name << " would record a " << preview.tick.status << " tick";
    if (!preview.tick.error.empty()) session.out << ": " << terminal_line(preview.tick.error);
    if (!preview.tick.skip_reason.empty()) session.out << ": " << terminal_line(preview.tick.skip_reason);
    session.out << "\n";
    for (const auto& request : preview.run_requests) {
      session.out << "  run request: job " << (request.job_name.empty() ? sensor.job_name : request.job_name);
      if (!request.run_key.empty()) session.out << ", run key " << request.run_key;
      if (!request.partition_key.empty()) session.out << ", partition " << request.partition_key;
      for (const auto& [key, value] : request.tags) session.out << ", tag " << key << "=" << value;
      session.out << "\n";
    }
    session.out << "  cursor: " << (preview.tick.cursor.empty() ? "-" : preview.tick.cursor) << "\n"
                << "(nothing was recorded or launched)\n";
    return preview.tick.status == "FAILURE" ? kExitFailure : kExitSuccess;
  }
  if (command.action == "ticks") {
    print_ticks(session, sensor.name, "UTC", command.count);
    return kExitSuccess;
  }
  bool start = command.action == "start";
  storage.set_instigator_status(sensor.name, "sensor", start ? InstigatorStatus::kRunning : InstigatorStatus::kStopped);
  session.out << (start ? "Started" : "Stopped") << " sensor " << sensor.name << "\n";
  if (start && !daemon_running(storage)) {
    session.out << "(no daemon is running on this instance: '" << session.program << " daemon' evaluates it)\n";
  }
  return kExitSuccess;
}

}  // namespace

int instigator_command(CliSession& session, const InstigatorCommand& command) {
  return command.kind == "schedule" ? schedule_command(session, command) : sensor_command(session, command);
}

std::unique_ptr<Daemon> make_daemon(CliSession& session, std::shared_ptr<std::mutex> output) {
  std::shared_ptr<Instance> instance = session.shared_instance();
  std::shared_ptr<const Definitions> defs(std::shared_ptr<const Definitions>{}, &session.defs);  // not owned
  auto loops = default_daemon_loops(defs, instance);
  BackfillLoopOptions backfill_options;
  backfill_options.on_run_created = [&session, output](const std::string& backfill_id, int64_t chunk,
                                                       const std::string& run_id) {
    std::lock_guard lock(*output);
    session.out << "Backfill " << backfill_id << ": queued run " << run_id << " (chunk " << chunk + 1 << ")\n";
    session.out.flush();
  };
  RunQueueLoopOptions queue_options;
  queue_options.on_run_launched = [&session, output](const std::string& run_id, int64_t pid) {
    std::lock_guard lock(*output);
    session.out << "Started run " << run_id << " (pid " << pid << ")\n";
    session.out.flush();
  };
  loops.push_back(std::make_unique<RunQueueDaemonLoop>(instance, queue_options));
  loops.push_back(std::make_unique<BackfillDaemonLoop>(session.defs, instance, backfill_options));
  std::vector<std::string> names;
  for (const auto& loop : loops) names.push_back(loop->name());
  DaemonOptions options;
  options.clock = daemon_clock();
  options.on_state_change = [&session, output, instance, names](bool active, const std::string& holder) {
    std::lock_guard lock(*output);
    if (active) {
      session.out << "Daemon " << holder << " is active on " << instance->storage().describe() << " ("
                  << session.defs.schedules().size() << " schedule(s), " << session.defs.sensors().size()
                  << " sensor(s); loops: " << join(names) << "). Ctrl-C stops it.\n";
    } else {
      session.out << "Another daemon (" << (holder.empty() ? "unknown" : holder)
                  << ") is active on this instance; this one stands by and takes over when it stops.\n";
    }
    session.out.flush();
  };
  return std::make_unique<Daemon>(instance, std::move(loops), options);
}

int daemon_command(CliSession& session) {
  auto cancellation = std::make_shared<RunCancellation>();
  InterruptWatcher watcher(cancellation);  // before the daemon's threads: they inherit the blocked signals
  auto output = std::make_shared<std::mutex>();
  std::unique_ptr<Daemon> daemon = make_daemon(session, output);
  daemon->start();
  while (!cancellation->wait_for(std::chrono::seconds(1))) {
  }
  {
    std::lock_guard lock(*output);
    session.out << "Stopping the daemon (" << cancellation->reason() << "); a pass in progress finishes first.\n";
    session.out.flush();
  }
  daemon->stop();
  session.out << "Daemon stopped.\n";
  return kExitSuccess;
}

int daemon_status_command(CliSession& session) {
  Storage& storage = session.instance().storage();
  auto lease = storage.daemon_lease();
  int64_t now = now_unix_us();
  if (!lease) {
    session.out << "No daemon is running on this instance.\n";
  } else if (lease->expires_us < now) {
    session.out << "No daemon is running on this instance: the last one (" << lease->holder
                << ") stopped renewing its lease " << age(lease->expires_us) << ".\n";
  } else {
    session.out << "Daemon " << lease->holder << " is active (since " << format_time(lease->acquired_us)
                << ", lease renewed until " << format_time(lease->expires_us) << ").\n";
  }
  TextTable table({"LOOP", "DAEMON", "LAST HEARTBEAT", "LAST ERROR"});
  for (const auto& beat : storage.daemon_heartbeats()) {
    std::string error =
        beat.last_error.empty() ? "-" : terminal_line(beat.last_error) + " (" + age(beat.last_error_time_us) + ")";
    table.add({beat.loop, beat.daemon_id, format_time(beat.time_us) + " (" + age(beat.time_us) + ")", error});
  }
  if (table.empty()) session.out << "(no heartbeats recorded: no daemon has run on this instance)\n";
  table.print(session.out);
  return kExitSuccess;
}

}  // namespace strata::cli
