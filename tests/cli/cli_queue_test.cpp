// The run queue on the command line: materialize/job execute --queue, runs --status queued,
// runs dequeue [RUN_ID] [--drain], and the bad input of each (exit 2, nothing run or changed).
#include <gtest/gtest.h>

#include <fstream>

#include "cli_test_base.hpp"
#include "strata/storage/instance.hpp"

namespace s = strata;
using s::testing::CliOutcome;
using s::testing::CliTest;

namespace {

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

class CliQueueTest : public CliTest {
 protected:
  void configure(const std::string& yaml) {
    std::filesystem::create_directories(home());
    std::ofstream(home() / "strata.yaml") << yaml;
  }
  s::RunStatus status_of(const std::string& run_id) {
    return s::Instance::open(home())->storage().get_run(run_id)->status;
  }
};

TEST_F(CliQueueTest, QueuedRunsStartInOrderWithinTheLimits) {
  configure("run_queue:\n  max_concurrent_runs: 1\n");
  auto d = defs();
  CliOutcome words = cli(d, {"materialize", "-s", "words", "--queue", "--tag", "database=duckdb"});
  ASSERT_EQ(words.exit_code, 0) << words.err;
  std::string first = first_line(words.out);
  EXPECT_EQ(words.out, first + "\n");  // only the id
  CliOutcome job = cli(d, {"job", "execute", "math_job", "--queue"});
  ASSERT_EQ(job.exit_code, 0) << job.err;
  std::string second = first_line(job.out);
  EXPECT_EQ(status_of(first), s::RunStatus::kQueued);

  CliOutcome queued = cli(d, {"runs", "--status", "queued"});
  EXPECT_NE(queued.out.find(first), std::string::npos) << queued.out;
  EXPECT_NE(queued.out.find(second), std::string::npos) << queued.out;

  CliOutcome one = cli(d, {"runs", "dequeue"});  // max_concurrent_runs 1: the first only
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("Dequeued run " + first), std::string::npos) << one.out;
  EXPECT_EQ(status_of(first), s::RunStatus::kSuccess);
  EXPECT_EQ(status_of(second), s::RunStatus::kQueued);

  CliOutcome rest = cli(d, {"runs", "dequeue", "--drain"});
  EXPECT_EQ(rest.exit_code, 0) << rest.err;
  EXPECT_EQ(status_of(second), s::RunStatus::kSuccess);
  EXPECT_NE(cli(d, {"runs", "dequeue"}).out.find("No queued runs"), std::string::npos);
  EXPECT_NE(cli(d, {"runs", "--status", "queued"}).out.find("No runs"), std::string::npos);
}

TEST_F(CliQueueTest, DequeueOneRunById) {
  configure("run_queue:\n  tag_concurrency_limits:\n    - {key: database, value: duckdb, limit: 0}\n");
  auto d = defs();
  std::string held = first_line(cli(d, {"materialize", "-s", "words", "--queue", "--tag", "database=duckdb"}).out);
  std::string free = first_line(cli(d, {"materialize", "-s", "numbers", "--queue"}).out);
  CliOutcome waits = cli(d, {"runs", "dequeue", held.substr(0, 8)});  // a unique prefix
  EXPECT_EQ(waits.exit_code, 0) << waits.err;
  EXPECT_NE(waits.out.find("tag limit database=duckdb (0) is reached"), std::string::npos) << waits.out;
  EXPECT_EQ(status_of(held), s::RunStatus::kQueued);
  CliOutcome runs = cli(d, {"runs", "dequeue", free});
  EXPECT_EQ(runs.exit_code, 0) << runs.err;
  EXPECT_EQ(status_of(free), s::RunStatus::kSuccess);
  EXPECT_EQ(status_of(held), s::RunStatus::kQueued);
}

TEST_F(CliQueueTest, BadInputIsRefused) {
  auto d = defs(false, true);
  expect_usage_error(d, {"runs", "dequeue", "no-such-run"}, "no run 'no-such-run'");
  std::string done = first_line(cli(d, {"materialize", "-s", "words", "--queue"}).out);
  ASSERT_EQ(cli(d, {"runs", "dequeue"}).exit_code, 0);
  expect_usage_error(d, {"runs", "dequeue", done}, "is not queued (status SUCCESS)");
  expect_usage_error(d, {"materialize", "-s", "regions", "--from", "eu", "--to", "us", "--queue"},
                     "--queue takes one run");
  expect_usage_error(d, {"job", "execute", "nope_job", "--queue"}, "nope_job");
  expect_usage_error(d, {"materialize", "-s", "regions", "--partition", "mars", "--queue"}, "mars");
  expect_usage_error(d, {"materialize", "-s", "regions", "--queue"}, "give a partition key");
  CliOutcome region = cli(d, {"materialize", "-s", "regions", "--partition", "eu", "--queue"});
  EXPECT_EQ(region.exit_code, 0) << region.err;
}

TEST_F(CliQueueTest, BadLimitsInStrataYamlAreRefused) {
  auto d = defs();
  for (const auto& [yaml, field] : std::vector<std::pair<std::string, std::string>>{
           {"run_queue:\n  max_concurrent_runs: -1\n", "'run_queue.max_concurrent_runs' must be 0 or more, got -1"},
           {"run_queue:\n  tag_concurrency_limits:\n    - {key: db, limit: -2}\n",
            "'run_queue.tag_concurrency_limits[0].limit' must be 0 or more"},
           {"run_queue:\n  tag_concurrency_limits:\n    - {value: x, limit: 2}\n", "needs a 'key' and a 'limit'"},
           {"concurrency:\n  pools:\n    warehouse: many\n",
            "'concurrency.pools.warehouse' must be a whole number, got 'many'"},
           {"concurrency:\n  default_pool_limit: 0\n", "'concurrency.default_pool_limit' must be 1 or more"},
       }) {
    configure(yaml);
    CliOutcome outcome = cli(d, {"runs", "dequeue"});
    EXPECT_EQ(outcome.exit_code, 2) << yaml;
    EXPECT_NE(outcome.err.find(field), std::string::npos) << outcome.err;
    EXPECT_EQ(outcome.err.rfind("error[", 0), 0u) << outcome.err;
  }
}

}  // namespace
