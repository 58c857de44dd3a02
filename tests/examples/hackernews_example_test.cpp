// build/bin/hackernews end to end, as `make demo` runs it: materialize everything on embedded
// defaults in a fresh directory, then read the results from other processes — DuckDB's C API for
// the topstories table, the filesystem for data/, the CLI for the catalog.
#include <gtest/gtest.h>

#include <fstream>

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
