// The daemon's schedules and sensors on SQLite and on a real PostgreSQL, with a ManualClock: ticks
// recorded (SUCCESS with run ids, SKIPPED with a reason, FAILURE with the error), run config, tags
// and partitions of the queued runs, catch-up policies, daylight-saving time, at most one run per
// tick with two loops or two daemons on one instance and after a crash between queuing and
// recording, sensor cursors across a restart, run keys, asset and run-status sensors, the lease.
#include "strata/daemon/daemon.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <strata/strata.hpp>
#include <thread>

#include "instance_backend_test.hpp"
#include "strata/daemon/default_loops.hpp"
#include "strata/daemon/schedule_loop.hpp"
#include "strata/daemon/sensor_loop.hpp"

namespace s = strata;
using namespace std::chrono;
using Time = system_clock::time_point;

namespace {

Time utc(int y, unsigned m, unsigned d, int h, int min = 0) {
  return sys_days(year(y) / month(m) / day(d)) + hours(h) + minutes(min);
}

s::AssetsDefinition number_asset(const std::string& name) {
  return s::asset(name, [] { return int64_t{1}; });
}

// Waits for `done` with a bounded deadline (observable state, not time, is what is awaited).
template <class F>
bool eventually(F&& done) {
  auto deadline = steady_clock::now() + seconds(60);
  while (steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(milliseconds(5));
  }
  return done();
}

class DaemonTest : public s::testing::InstanceBackendTest {
 protected:
  std::shared_ptr<s::Instance> instance() {
    if (!instance_) instance_ = s::Instance::open(home.path());
    return instance_;
  }
  s::Storage& storage() { return instance()->storage(); }

  std::shared_ptr<const s::Definitions> defs(std::vector<s::ScheduleDefinition> schedules,
                                             std::vector<s::SensorDefinition> sensors = {},
                                             std::vector<s::AssetsDefinition> extra = {}) {
    std::vector<s::AssetsDefinition> assets = {number_asset("a")};
    for (const auto& asset : extra) assets.push_back(asset);
    std::vector<s::JobDefinition> jobs = {s::define_asset_job("job_a", s::AssetSelection::keys({s::AssetKey("a")}))};
    for (auto& asset : extra) {
      for (const auto& key : asset.keys()) {
        jobs.push_back(s::define_asset_job("job_" + key.to_string(), s::AssetSelection::keys({key})));
      }
    }
    return std::make_shared<const s::Definitions>(s::DefinitionsSpec{.assets = std::move(assets),
                                                                     .jobs = std::move(jobs),
                                                                     .schedules = std::move(schedules),
                                                                     .sensors = std::move(sensors),
                                                                     .resources = {}});
  }

  s::ScheduleDefinition hourly(const std::string& name) {
    return {.name = name,
            .job_name = "job_a",
            .cron_schedule = "0 * * * *",
            .default_status = s::InstigatorStatus::kRunning};
  }

  std::vector<s::RunRecord> runs() { return storage().runs({.limit = 1000}); }

  std::shared_ptr<s::Instance> instance_;
};

TEST_P(DaemonTest, ScheduleTickQueuesOneRunWithConfigAndTags) {
  auto schedule = hourly("every_hour");
  schedule.tags = {{"team", "data"}};
  schedule.run_config = s::RunConfig::from_yaml("ops: {a: {config: {}}}");
  s::ScheduleLoop loop(defs({schedule}), instance());
  loop.run_once(utc(2026, 1, 1, 10, 30));  // first seen: ticks start from here
  EXPECT_TRUE(storage().ticks("every_hour").empty());
  loop.run_once(utc(2026, 1, 1, 10, 59));
  EXPECT_TRUE(storage().ticks("every_hour").empty());
  loop.run_once(utc(2026, 1, 1, 11, 0));
  auto ticks = storage().ticks("every_hour");
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].status, "SUCCESS");
  EXPECT_EQ(ticks[0].tick_time_us, duration_cast<microseconds>(utc(2026, 1, 1, 11).time_since_epoch()).count());
  ASSERT_EQ(ticks[0].run_ids.size(), 1u);
  auto run = storage().get_run(ticks[0].run_ids[0]);
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, s::RunStatus::kQueued);
  EXPECT_EQ(run->job_name, "job_a");
  EXPECT_EQ(run->tags.at("team"), "data");
  EXPECT_EQ(run->tags.at("strata/schedule_name"), "every_hour");
  EXPECT_NE(run->run_config.find("\"ops\""), std::string::npos) << run->run_config;
  loop.run_once(utc(2026, 1, 1, 11, 30));  // nothing more due
  EXPECT_EQ(storage().ticks("every_hour").size(), 1u);
  EXPECT_EQ(runs().size(), 1u);
}

TEST_P(DaemonTest, SkipAndFailureTicksAndOtherSchedulesGoOn) {
  auto skipping = hourly("skipping");
  skipping.evaluate = [](const s::ScheduleContext&) { return s::TickResult::skip("holiday"); };
  auto throwing = hourly("throwing");
  throwing.evaluate = [](const s::ScheduleContext&) -> s::TickResult { throw std::runtime_error("no database"); };
  auto bad_partition = hourly("bad_partition");
  bad_partition.evaluate = [](const s::ScheduleContext&) {
    return s::TickResult{{{.partition_key = "2026-01-01"}}, "", std::nullopt};
  };
  auto fine = hourly("fine");
  s::ScheduleLoop loop(defs({skipping, throwing, bad_partition, fine}), instance());
  loop.run_once(utc(2026, 1, 1, 10, 30));
  loop.run_once(utc(2026, 1, 1, 11, 0));
  EXPECT_EQ(storage().ticks("skipping").at(0).status, "SKIPPED");
  EXPECT_EQ(storage().ticks("skipping").at(0).skip_reason, "holiday");
  EXPECT_EQ(storage().ticks("throwing").at(0).status, "FAILURE");
  EXPECT_EQ(storage().ticks("throwing").at(0).error, "schedule function threw: no database");
  auto failed = storage().ticks("bad_partition").at(0);
  EXPECT_EQ(failed.status, "FAILURE");
  EXPECT_NE(failed.error.find("cannot run"), std::string::npos) << failed.error;
  EXPECT_EQ(storage().ticks("fine").at(0).status, "SUCCESS");
  EXPECT_EQ(runs().size(), 1u);
}

TEST_P(DaemonTest, CatchUpLatestRunsOnlyTheNewestMissedTick) {
  s::ScheduleLoop loop(defs({hourly("h")}), instance());
  loop.run_once(utc(2026, 1, 1, 10, 30));
  loop.run_once(utc(2026, 1, 1, 15, 10));  // down from 10:30 to 15:10: 11, 12, 13, 14, 15 missed
  auto ticks = storage().ticks("h");
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].tick_time_us, duration_cast<microseconds>(utc(2026, 1, 1, 15).time_since_epoch()).count());
  EXPECT_EQ(runs().size(), 1u);
}

TEST_P(DaemonTest, CatchUpAllRunsEveryMissedTickUpToTheLimit) {
  auto all = hourly("all");
  all.catch_up = s::CatchUpPolicy::all(3);
  auto every = hourly("every");
  every.catch_up = s::CatchUpPolicy::all(10);
  s::ScheduleLoop loop(defs({all, every}), instance());
  loop.run_once(utc(2026, 1, 1, 10, 30));
  loop.run_once(utc(2026, 1, 1, 15, 10));
  auto ticks = storage().ticks("all");
  ASSERT_EQ(ticks.size(), 3u);  // the newest three: 13, 14, 15
  EXPECT_EQ(ticks.back().tick_time_us, duration_cast<microseconds>(utc(2026, 1, 1, 13).time_since_epoch()).count());
  EXPECT_EQ(storage().ticks("every").size(), 5u);
  for (const auto& tick : storage().ticks("every")) EXPECT_EQ(tick.status, "SUCCESS");
  EXPECT_EQ(runs().size(), 8u);
}

TEST_P(DaemonTest, DailyAt0230BerlinFiresOncePerDayAcrossBothTransitions) {
  s::ScheduleDefinition daily{.name = "berlin",
                              .job_name = "job_a",
                              .cron_schedule = "30 2 * * *",
                              .timezone = "Europe/Berlin",
                              .default_status = s::InstigatorStatus::kRunning};
  s::ScheduleLoop loop(defs({daily}), instance());
  for (auto [from, to] : {std::pair{utc(2026, 3, 27, 12), utc(2026, 3, 31, 12)},
                          std::pair{utc(2026, 10, 23, 12), utc(2026, 10, 27, 12)}}) {
    for (Time t = from; t <= to; t += minutes(10)) loop.run_once(t);  // a daemon evaluating every 10 minutes
  }
  std::vector<std::string> fired;
  for (const auto& tick : storage().ticks("berlin", 100)) {
    fired.insert(fired.begin(),
                 s::format_local_time(Time(microseconds(tick.tick_time_us)), "Europe/Berlin") + " " + tick.status);
  }
  EXPECT_EQ(fired,
            (std::vector<std::string>{"2026-03-28 02:30:00 CET SUCCESS", "2026-03-29 03:00:00 CEST SUCCESS",
                                      "2026-03-30 02:30:00 CEST SUCCESS", "2026-03-31 02:30:00 CEST SUCCESS",
                                      // the October days: the gap between the two windows is caught up as one tick
                                      "2026-10-23 02:30:00 CEST SUCCESS", "2026-10-24 02:30:00 CEST SUCCESS",
                                      "2026-10-25 02:30:00 CET SUCCESS", "2026-10-26 02:30:00 CET SUCCESS",
                                      "2026-10-27 02:30:00 CET SUCCESS"}));
}

TEST_P(DaemonTest, PartitionedScheduleRunsTheLatestCompleteDay) {
  auto daily_asset = s::asset("daily_numbers", {.partitions = s::daily_partitions("2026-01-01")},
                              [](s::AssetContext& ctx) { return ctx.partition_key(); });
  s::ScheduleDefinition schedule{.name = "nightly",
                                 .job_name = "job_daily_numbers",
                                 .cron_schedule = "5 0 * * *",
                                 .default_status = s::InstigatorStatus::kRunning};
  s::ScheduleLoop loop(defs({schedule}, {}, {daily_asset}), instance());
  loop.run_once(utc(2026, 1, 4, 12));
  loop.run_once(utc(2026, 1, 5, 0, 5));
  auto tick = storage().ticks("nightly").at(0);
  ASSERT_EQ(tick.status, "SUCCESS") << tick.error;
  auto run = storage().get_run(tick.run_ids.at(0));
  EXPECT_EQ(run->tags.at("strata/partition"), "2026-01-04");
}

TEST_P(DaemonTest, TwoLoopsRacingOnOneInstanceQueueOneRunPerTick) {
  auto definitions = defs({hourly("h")});
  s::ScheduleLoop(definitions, instance()).run_once(utc(2026, 1, 1, 10, 30));
  for (int hour = 11; hour < 16; ++hour) {
    // Two daemons' loops, each with its own connection, evaluating the same tick at once.
    std::vector<std::thread> threads;
    std::atomic<int> errors{0};
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, hour] {
        try {
          s::ScheduleLoop(definitions, s::Instance::open(home.path())).run_once(utc(2026, 1, 1, hour, 0));
        } catch (const std::exception& e) {
          ADD_FAILURE() << e.what();
          errors++;
        }
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(errors.load(), 0);
  }
  EXPECT_EQ(storage().ticks("h").size(), 5u);
  EXPECT_EQ(runs().size(), 5u);
}

TEST_P(DaemonTest, CrashBetweenQueuingAndRecordingTheTickQueuesNoSecondRun) {
  auto definitions = defs({hourly("h")});
  s::ScheduleLoop loop(definitions, instance());
  loop.run_once(utc(2026, 1, 1, 10, 30));
  // What a daemon killed after queuing the 11:00 run but before moving the schedule on would leave
  // (were the two not one transaction): the run under the tick's key, the state still at 10:30.
  s::RunRecord run;
  run.run_id = "crashed-daemon-run";
  run.job_name = "job_a";
  run.create_time_us = s::now_unix_us();
  s::TickCommit orphan;
  orphan.tick.instigator = "h";
  orphan.tick.kind = "schedule";
  orphan.runs.push_back({"h@2026-01-01 11:00:00 UTC", run, R"({"job":"job_a"})"});
  storage().commit_ticks({orphan});
  loop.run_once(utc(2026, 1, 1, 11, 0));
  auto ticks = storage().ticks("h");
  ASSERT_EQ(ticks.size(), 1u);
  EXPECT_EQ(ticks[0].run_ids, std::vector<std::string>{"crashed-daemon-run"});
  EXPECT_EQ(runs().size(), 1u);
}

TEST_P(DaemonTest, StoppedSchedulesDoNotTickAndStartTicksFromNow) {
  auto schedule = hourly("h");
  schedule.default_status = s::InstigatorStatus::kStopped;
  s::ScheduleLoop loop(defs({schedule}), instance());
  loop.run_once(utc(2026, 1, 1, 10, 30));
  loop.run_once(utc(2026, 1, 1, 12, 30));
  EXPECT_TRUE(storage().ticks("h").empty());
  storage().set_instigator_status("h", "schedule", s::InstigatorStatus::kRunning);
  loop.run_once(utc(2026, 1, 1, 12, 40));  // started: from now, no catch-up of 11:00 and 12:00
  loop.run_once(utc(2026, 1, 1, 13, 0));
  ASSERT_EQ(storage().ticks("h").size(), 1u);
  storage().set_instigator_status("h", "schedule", s::InstigatorStatus::kStopped);
  loop.run_once(utc(2026, 1, 1, 14, 0));
  EXPECT_EQ(storage().ticks("h").size(), 1u);
}

TEST_P(DaemonTest, SensorCursorSurvivesARestart) {
  std::vector<std::string> seen;
  auto counting =
      s::sensor("counting",
                {.job_name = "job_a", .minimum_interval = seconds(30), .default_status = s::InstigatorStatus::kRunning},
                [&](const s::SensorContext& ctx) {
                  seen.push_back(ctx.cursor);
                  int n = ctx.cursor.empty() ? 0 : std::stoi(ctx.cursor);
                  s::TickResult result = s::TickResult::skip("counted " + std::to_string(n + 1));
                  result.cursor = std::to_string(n + 1);
                  return result;
                });
  auto definitions = defs({}, {counting});
  {
    s::SensorLoop loop(definitions, instance());
    loop.run_once(utc(2026, 1, 1, 10, 0));
    loop.run_once(utc(2026, 1, 1, 10, 0) + seconds(10));  // within the minimum interval: not evaluated
    loop.run_once(utc(2026, 1, 1, 10, 1));
  }
  instance_.reset();  // the daemon process ends; a new one opens the instance
  {
    s::SensorLoop loop(definitions, s::Instance::open(home.path()));
    loop.run_once(utc(2026, 1, 1, 10, 2));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"", "1", "2"}));
  auto ticks = storage().ticks("counting");
  ASSERT_EQ(ticks.size(), 3u);
  EXPECT_EQ(ticks[0].cursor, "3");
  EXPECT_EQ(ticks[0].skip_reason, "counted 3");
}

TEST_P(DaemonTest, SensorRunRequestsWithRunKeysPartitionsConfigAndTags) {
  auto daily_asset = s::asset("daily_numbers", {.partitions = s::daily_partitions("2026-01-01")},
                              [](s::AssetContext& ctx) { return ctx.partition_key(); });
  auto requesting = s::sensor("files",
                              {.job_name = "job_daily_numbers",
                               .minimum_interval = seconds(1),
                               .default_status = s::InstigatorStatus::kRunning},
                              [](const s::SensorContext&) {
                                s::TickResult result;
                                result.run_requests.push_back({.run_key = "file-1",
                                                               .partition_key = "2026-01-02",
                                                               .run_config = s::RunConfig::from_yaml("{}"),
                                                               .tags = {{"source", "file-1"}}});
                                result.run_requests.push_back({.run_key = "file-2", .partition_key = "2026-01-03"});
                                return result;
                              });
  s::SensorLoop loop(defs({}, {requesting}, {daily_asset}), instance());
  loop.run_once(utc(2026, 1, 5, 0, 0));
  loop.run_once(utc(2026, 1, 5, 0, 1));  // the same keys again: no new runs
  auto ticks = storage().ticks("files");
  ASSERT_EQ(ticks.size(), 2u);
  EXPECT_EQ(ticks[0].run_ids, ticks[1].run_ids);
  ASSERT_EQ(runs().size(), 2u);
  auto first = storage().get_run(ticks[1].run_ids[0]);
  EXPECT_EQ(first->tags.at("strata/partition"), "2026-01-02");
  EXPECT_EQ(first->tags.at("source"), "file-1");
  EXPECT_EQ(first->tags.at("strata/sensor_name"), "files");
}

TEST_P(DaemonTest, ThrowingSensorFailsItsTickAndOthersGoOn) {
  auto throwing =
      s::sensor("throwing", {.minimum_interval = seconds(1), .default_status = s::InstigatorStatus::kRunning},
                [](const s::SensorContext&) -> s::TickResult { throw std::runtime_error("bucket gone"); });
  auto fine = s::sensor(
      "fine", {.job_name = "job_a", .minimum_interval = seconds(1), .default_status = s::InstigatorStatus::kRunning},
      [](const s::SensorContext&) {
        return s::TickResult{{{}}, "", std::nullopt};
      });
  s::SensorLoop loop(defs({}, {throwing, fine}), instance());
  loop.run_once(utc(2026, 1, 1, 10, 0));
  auto failed = storage().ticks("throwing").at(0);
  EXPECT_EQ(failed.status, "FAILURE");
  EXPECT_EQ(failed.error, "sensor function threw: bucket gone");
  EXPECT_EQ(storage().ticks("fine").at(0).status, "SUCCESS");
}

TEST_P(DaemonTest, AssetSensorSeesNewMaterializationsAndRunStatusSensorSeesEndedRuns) {
  std::vector<std::string> materialized;
  std::vector<std::string> succeeded;
  auto on_asset = s::asset_sensor("on_a", {s::AssetKey("a")},
                                  {.minimum_interval = seconds(1), .default_status = s::InstigatorStatus::kRunning},
                                  [&](const s::SensorContext& ctx) {
                                    for (const auto& event : ctx.events) materialized.push_back(event.run_id);
                                    return s::TickResult::skip("seen");
                                  });
  auto on_success = s::run_status_sensor(
      "on_job_a", "job_a", false, {.minimum_interval = seconds(1), .default_status = s::InstigatorStatus::kRunning},
      [&](const s::SensorContext& ctx) {
        for (const auto& event : ctx.events) succeeded.push_back(event.run_id);
        return s::TickResult::skip("notified");
      });
  auto definitions = defs({}, {on_asset, on_success});
  s::SensorLoop loop(definitions, instance());
  auto before = s::execute_job(*definitions, "job_a", {.instance = instance()});
  Time now = system_clock::now();
  loop.run_once(now);  // first evaluation: watching from here
  EXPECT_TRUE(materialized.empty());
  auto first = s::execute_job(*definitions, "job_a", {.instance = instance()});
  auto second = s::execute_job(*definitions, "job_a", {.instance = instance()});
  loop.run_once(now + seconds(2));
  EXPECT_EQ(materialized, (std::vector<std::string>{first.run_id(), second.run_id()}));
  EXPECT_EQ(succeeded, (std::vector<std::string>{first.run_id(), second.run_id()}));
  loop.run_once(now + seconds(4));  // nothing new: the functions are not called
  EXPECT_EQ(materialized.size(), 2u);
  EXPECT_EQ(storage().ticks("on_a").at(0).skip_reason, "no new materializations");
  (void)before;
}

// A loop that fails every other pass.
class FlakyLoop : public s::DaemonLoop {
 public:
  std::string name() const override { return "flaky"; }
  milliseconds interval() const override { return milliseconds(1); }
  void run_once(Time) override {
    if (++calls_ % 2 == 1) throw std::runtime_error("flaky pass " + std::to_string(calls_));
  }

 private:
  int calls_ = 0;
};

TEST_P(DaemonTest, SecondDaemonStandsByAndTakesOverWhenTheFirstStops) {
  auto clock = std::make_shared<s::ManualClock>(utc(2026, 1, 1, 10, 30));
  auto definitions = defs({hourly("h")});
  auto make = [&] {
    auto loops = s::default_daemon_loops(definitions, s::Instance::open(home.path()));
    loops.push_back(std::make_unique<FlakyLoop>());
    return std::make_unique<s::Daemon>(s::Instance::open(home.path()), std::move(loops),
                                       s::DaemonOptions{.clock = clock, .standby_poll = milliseconds(10)});
  };
  auto first = make();
  auto second = make();
  first->start();
  ASSERT_TRUE(eventually([&] { return first->state() == s::Daemon::State::kActive; }));
  second->start();
  ASSERT_TRUE(eventually([&] { return second->state() == s::Daemon::State::kStandby; }));
  EXPECT_EQ(second->holder(), first->id());
  // Both see the 11:00 tick come; only the active one evaluates it.
  ASSERT_TRUE(eventually([&] { return first->passes(0) > 0; }));
  clock->set(utc(2026, 1, 1, 11, 0));
  ASSERT_TRUE(eventually([&] { return !storage().ticks("h").empty(); }));
  first->stop();
  ASSERT_TRUE(eventually([&] { return second->state() == s::Daemon::State::kActive; }));
  uint64_t passes = second->passes(0);
  ASSERT_TRUE(eventually([&] { return second->passes(0) > passes; }));
  clock->set(utc(2026, 1, 1, 12, 0));
  ASSERT_TRUE(eventually([&] { return storage().ticks("h").size() == 2; }));
  ASSERT_TRUE(eventually([&] { return second->passes(2) > 4; }));
  second->stop();
  EXPECT_EQ(runs().size(), 2u);
  // Heartbeats: every loop's, and the flaky loop's last error (it never stopped the daemon).
  std::map<std::string, s::DaemonHeartbeat> beats;
  for (auto& beat : storage().daemon_heartbeats()) beats[beat.loop] = beat;
  EXPECT_TRUE(beats.count("schedules") && beats.count("sensors"));
  EXPECT_NE(beats.at("flaky").last_error.find("flaky pass"), std::string::npos);
  EXPECT_FALSE(storage().daemon_lease());  // released on stop
}

TEST_P(DaemonTest, HeartbeatsKeepTheLastErrorAndTheLeaseHasOneHolder) {
  storage().record_daemon_heartbeat({"schedules", "d1", 100, "boom", 0});
  storage().record_daemon_heartbeat({"schedules", "d1", 200, "", 0});
  auto beats = storage().daemon_heartbeats();
  ASSERT_EQ(beats.size(), 1u);
  EXPECT_EQ(beats[0].time_us, 200);
  EXPECT_EQ(beats[0].last_error, "boom");
  EXPECT_EQ(beats[0].last_error_time_us, 100);
  EXPECT_TRUE(storage().acquire_daemon_lease("d1", 1000, 500));
  EXPECT_FALSE(storage().acquire_daemon_lease("d2", 1200, 500));
  EXPECT_TRUE(storage().acquire_daemon_lease("d1", 1300, 500));  // renewed until 1800
  EXPECT_FALSE(storage().acquire_daemon_lease("d2", 1700, 500));
  EXPECT_TRUE(storage().acquire_daemon_lease("d2", 1801, 500));  // expired: taken over
  EXPECT_EQ(storage().daemon_lease()->holder, "d2");
  storage().release_daemon_lease("d1");  // not the holder: nothing
  EXPECT_EQ(storage().daemon_lease()->holder, "d2");
  storage().release_daemon_lease("d2");
  EXPECT_FALSE(storage().daemon_lease());
}

TEST_P(DaemonTest, BadDefinitionsAreOneClearError) {
  auto error = [&](std::vector<s::ScheduleDefinition> schedules, std::vector<s::SensorDefinition> sensors = {}) {
    try {
      defs(std::move(schedules), std::move(sensors));
    } catch (const s::DefinitionError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  auto bad_cron = hourly("bad");
  bad_cron.cron_schedule = "0 0 * * 8";
  EXPECT_NE(error({bad_cron}).find("schedule 'bad': cron '0 0 * * 8': bad day-of-week field '8'"), std::string::npos)
      << error({bad_cron});
  auto bad_zone = hourly("bad");
  bad_zone.timezone = "Europe/Atlantis";
  EXPECT_NE(error({bad_zone}).find("unknown time zone 'Europe/Atlantis'"), std::string::npos);
  auto bad_job = hourly("bad");
  bad_job.job_name = "job_b";
  EXPECT_NE(error({bad_job}).find("runs job 'job_b', which is not defined"), std::string::npos);
  auto sensor_job = s::sensor("s", {.job_name = "nope"}, [](const s::SensorContext&) { return s::TickResult{}; });
  EXPECT_NE(error({}, {sensor_job}).find("sensor 's' runs job 'nope', which is not defined"), std::string::npos);
  auto same_name = s::sensor("bad", {}, [](const s::SensorContext&) { return s::TickResult{}; });
  EXPECT_NE(error({hourly("bad")}, {same_name}).find("sensor 'bad' is defined twice"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, DaemonTest, ::testing::Values("sqlite", "postgres"),
                         [](const ::testing::TestParamInfo<std::string>& param) { return param.param; });

}  // namespace
