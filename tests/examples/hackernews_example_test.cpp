// build/bin/hackernews end to end, as `make demo` runs it: materialize everything on embedded
// defaults in a fresh directory, then read the results from other processes — DuckDB's C API for
// the topstories table, the filesystem for data/, the CLI for the catalog.
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <strata/storage/instance.hpp>
#include <thread>

#include "subprocess.hpp"
#include "temp_dir.hpp"

namespace {

using strata::testing::run_command;

class HackerNewsExampleTest : public ::testing::Test {
 protected:
  strata::testing::CommandResult hackernews(std::vector<std::string> args) {
    // The binary resolves data/ and analytics.hackernews against its working directory, and the
    // instance against STRATA_HOME; run it from the test's directory through a shell `cd`.
    std::string command = "cd '" + dir_.path().string() + "' && exec '" + std::string(HACKERNEWS_BINARY) + "'";
    for (const auto& arg : args) command += " '" + arg + "'";
    return run_command({"/bin/sh", "-c", command},
                       {.user = {}, .extra_env = {"STRATA_HOME=" + (dir_ / ".strata").string()}});
  }
  // The daemon as a child process of its own, with its clock moved by `offset_s` seconds.
  std::unique_ptr<strata::testing::Child> start_daemon(int64_t offset_s) {
    std::string command = "cd '" + dir_.path().string() + "' && exec '" + std::string(HACKERNEWS_BINARY) + "' daemon";
    return std::make_unique<strata::testing::Child>(
        std::vector<std::string>{"/bin/sh", "-c", command},
        strata::testing::CommandOptions{.user = {},
                                        .extra_env = {"STRATA_HOME=" + (dir_ / ".strata").string(),
                                                      "STRATA_DAEMON_CLOCK_OFFSET_S=" + std::to_string(offset_s)}});
  }
  // Runs `args` until `expected` is in the output (a bounded number of tries, each a new process).
  bool eventually_prints(const std::vector<std::string>& args, const std::string& expected, std::string* output) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(90);
    do {
      *output = hackernews(args).output;
      if (output->find(expected) != std::string::npos) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    } while (std::chrono::steady_clock::now() < deadline);
    return false;
  }
  strata::testing::TempDir dir_{"strata-hackernews"};
};

TEST_F(HackerNewsExampleTest, MaterializeEverythingThenReadItFromOtherProcesses) {
  auto run = hackernews({"materialize", "--select", "*"});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("Got 100 items so far."), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("table hackernews.topstories in analytics.hackernews"), std::string::npos);

  // DuckDB's C API in another process reads the table the DuckDB I/O manager wrote.
  auto count = run_command(
      {STRATA_DUCKDB_QUERY, (dir_ / "analytics.hackernews").string(), "select count(*) from hackernews.topstories"});
  EXPECT_EQ(count.exit_code, 0) << count.output;
  EXPECT_EQ(count.output, "100\n");
  auto title = run_command({STRATA_DUCKDB_QUERY, (dir_ / "analytics.hackernews").string(),
                            "select title from analytics.hackernews.topstories where id = 21508210"});
  EXPECT_EQ(title.output, "The Next 50 Years of Databases (2015)\n");

  // The README's query: DuckDB's Python package from the project venv, another process.
  auto python = run_command(
      {std::string(STRATA_SOURCE_DIR) + "/.venv/bin/python", "-c",
       "import duckdb, sys; db = duckdb.connect(sys.argv[1], read_only=True); print(db.sql('select title, score "
       "from hackernews.topstories order by score desc limit 5'))",
       (dir_ / "analytics.hackernews").string()});
  EXPECT_EQ(python.exit_code, 0) << python.output;
  EXPECT_NE(python.output.find("The FCC Has Fined Robocallers $208M, Collected $6,790"), std::string::npos)
      << python.output;
  auto value = hackernews({"asset", "value", "topstories"});
  EXPECT_EQ(value.exit_code, 0) << value.output;
  EXPECT_NE(value.output.find("100 rows"), std::string::npos) << value.output;

  EXPECT_TRUE(std::filesystem::is_regular_file(dir_ / "data" / "most_frequent_words"));
  EXPECT_TRUE(std::filesystem::is_regular_file(dir_ / "data" / "topstory_ids"));

  auto show = hackernews({"asset", "show", "most_frequent_words"});
  ASSERT_EQ(show.exit_code, 0) << show.output;
  EXPECT_NE(show.output.find("plot: ![Top 25 Words in Hacker News Titles](image/png,"), std::string::npos)
      << show.output;
  EXPECT_NE(show.output.find("History (1 materialization,"), std::string::npos) << show.output;

  // A second run adds to the history instead of replacing it.
  ASSERT_EQ(hackernews({"job", "execute", "hackernews_job"}).exit_code, 0);
  show = hackernews({"asset", "show", "most_frequent_words"});
  EXPECT_NE(show.output.find("History (2 materializations,"), std::string::npos) << show.output;
  auto runs = hackernews({"runs", "--status", "success"});
  EXPECT_NE(runs.output.find("hackernews_job"), std::string::npos) << runs.output;
}

TEST_F(HackerNewsExampleTest, ListsTheJobAndTheHourlySchedule) {
  auto jobs = hackernews({"list", "jobs"});
  EXPECT_NE(jobs.output.find("hackernews_job"), std::string::npos);
  auto schedules = hackernews({"list", "schedules"});
  EXPECT_NE(schedules.output.find("hackernews_schedule  hackernews_job  0 * * * *"), std::string::npos)
      << schedules.output;
  auto resources = hackernews({"list", "resources"});
  EXPECT_NE(resources.output.find("database=\"analytics.hackernews\""), std::string::npos) << resources.output;
}

TEST_F(HackerNewsExampleTest, TheApiIsOneConfigFlagAway) {
  // The same client pointed elsewhere by --config (live.yaml points at the live API; tests stay on
  // loopback, so here it is a closed local port): the run fails and names the URL it tried.
  std::ofstream(dir_ / "elsewhere.yaml") << "resources:\n  hackernews_api:\n    config:\n      base_url: "
                                            "http://127.0.0.1:9/v0\n      timeout_seconds: 2\n";
  auto run = hackernews({"materialize", "--select", "topstory_ids", "--config", "elsewhere.yaml"});
  EXPECT_EQ(run.exit_code, 1) << run.output;
  EXPECT_NE(run.output.find("using the Hacker News API at http://127.0.0.1:9/v0"), std::string::npos) << run.output;
  EXPECT_NE(run.output.find("GET http://127.0.0.1:9/v0/topstories.json failed"), std::string::npos) << run.output;
  // live.yaml is a valid run config: with it, the run gets as far as the partition check (which
  // refuses a partition for an unpartitioned asset before anything, network included, runs).
  auto live = hackernews({"materialize", "--select", "topstory_ids", "--config",
                          std::string(HACKERNEWS_SOURCE_DIR) + "/live.yaml", "--partition", "2024-01-01"});
  EXPECT_EQ(live.exit_code, 2) << live.output;
  EXPECT_NE(live.output.find("partition"), std::string::npos) << live.output;
  EXPECT_EQ(live.output.find("config"), std::string::npos) << live.output;
}

}  // namespace

TEST_F(HackerNewsExampleTest, DaemonFiresTheHourlyScheduleAndTheSensorNotices) {
  // hackernews_schedule (hourly, running by default) last ticked a minute before the next full hour,
  // and the daemon's clock is moved to just after it: its first pass fires the tick on the hour, however
  // long the daemon takes to start (a clock moved to just before the hour raced the start-up).
  auto now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
  int64_t next_hour = (now_s.count() / 3600 + 1) * 3600;
  strata::TickCommit last_tick;
  last_tick.tick.instigator = "hackernews_schedule";
  last_tick.tick.kind = "schedule";
  last_tick.last_tick_time_us = (next_hour - 60) * 1'000'000;
  strata::Instance::open(dir_ / ".strata")->storage().commit_ticks({last_tick});
  int64_t offset = next_hour + 1 - now_s.count();
  auto daemon = start_daemon(offset);
  auto first_line = daemon->read_line();
  ASSERT_TRUE(first_line);
  EXPECT_NE(first_line->find("is active on sqlite:"), std::string::npos) << *first_line;
  EXPECT_NE(first_line->find("loops: schedules, sensors, run_queue"), std::string::npos) << *first_line;

  // A second daemon on the same instance stands by, and says so.
  auto second = start_daemon(offset);
  auto standby = second->read_line();
  ASSERT_TRUE(standby);
  EXPECT_NE(standby->find("Another daemon ("), std::string::npos) << *standby;
  EXPECT_NE(standby->find("is active on this instance; this one stands by"), std::string::npos) << *standby;

  std::string output;
  ASSERT_TRUE(eventually_prints({"schedule", "ticks", "hackernews_schedule"}, "SUCCESS", &output)) << output;
  EXPECT_NE(output.find(":00:00 UTC  SUCCESS"), std::string::npos) << output;  // on the hour
  ASSERT_TRUE(eventually_prints({"runs", "--status", "success"}, "hackernews_job", &output)) << output;
  auto show = hackernews({"asset", "show", "most_frequent_words"});
  EXPECT_NE(show.output.find("History (1 materialization,"), std::string::npos) << show.output;
  ASSERT_TRUE(
      eventually_prints({"sensor", "ticks", "hackernews_job_succeeded"}, "notified: hackernews_job succeeded", &output))
      << output;
  auto status = hackernews({"daemon", "status"});
  EXPECT_EQ(status.exit_code, 0) << status.output;
  for (const char* loop : {"schedules", "sensors", "run_queue"}) {
    EXPECT_NE(status.output.find(loop), std::string::npos) << status.output;
  }
  EXPECT_NE(status.output.find(" is active (since "), std::string::npos) << status.output;

  // SIGTERM stops the first cleanly; the second takes over.
  second->discard_output();
  EXPECT_EQ(daemon->kill_and_wait(SIGTERM), 0);
  ASSERT_TRUE(eventually_prints({"daemon", "status"}, "is active", &output)) << output;
  EXPECT_EQ(second->kill_and_wait(SIGINT), 0);
  auto stopped = hackernews({"daemon", "status"});
  EXPECT_NE(stopped.output.find("No daemon is running on this instance."), std::string::npos) << stopped.output;
  // Exactly one run for the one tick, whatever the number of daemons.
  auto runs = hackernews({"runs"});
  size_t count = 0;
  for (size_t at = runs.output.find("hackernews_job"); at != std::string::npos;
       at = runs.output.find("hackernews_job", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 1u) << runs.output;
}

TEST_F(HackerNewsExampleTest, SchedulesAndSensorsFromTheCommandLine) {
  auto list = hackernews({"schedule", "list"});
  EXPECT_NE(list.output.find("hackernews_schedule"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("RUNNING (default)"), std::string::npos) << list.output;
  auto preview = hackernews({"schedule", "preview", "hackernews_schedule", "-n", "3"});
  EXPECT_EQ(preview.exit_code, 0) << preview.output;
  EXPECT_EQ(std::count(preview.output.begin(), preview.output.end(), '\n'), 4) << preview.output;
  auto stop = hackernews({"schedule", "stop", "hackernews_schedule"});
  EXPECT_EQ(stop.exit_code, 0) << stop.output;
  list = hackernews({"schedule", "list"});
  EXPECT_NE(list.output.find("STOPPED"), std::string::npos) << list.output;
  auto unknown = hackernews({"schedule", "start", "hackernews_schedul"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.output.find("unknown schedule 'hackernews_schedul'; did you mean 'hackernews_schedule'"),
            std::string::npos)
      << unknown.output;
  auto sensors = hackernews({"sensor", "list"});
  EXPECT_NE(sensors.output.find("hackernews_job_succeeded  run status  runs of hackernews_job that succeed"),
            std::string::npos)
      << sensors.output;
  auto sensor_preview = hackernews({"sensor", "preview", "hackernews_job_succeeded"});
  EXPECT_EQ(sensor_preview.exit_code, 0) << sensor_preview.output;
  EXPECT_NE(sensor_preview.output.find("(nothing was recorded or launched)"), std::string::npos)
      << sensor_preview.output;
  auto ticks = hackernews({"sensor", "ticks", "hackernews_job_succeeded"});
  EXPECT_NE(ticks.output.find("(no ticks recorded"), std::string::npos) << ticks.output;
  auto status = hackernews({"daemon", "status"});
  EXPECT_NE(status.output.find("No daemon is running on this instance."), std::string::npos) << status.output;
  auto bad = hackernews({"daemon", "stats"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.output.find("unknown command 'daemon stats'"), std::string::npos) << bad.output;
}
