// strata::run_cli in-process: every command, the selection syntax, progress output, exit codes,
// and every kind of bad input (one-line error + hint, exit code 2, nothing run).
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "cli_test_base.hpp"
#include "strata/cli/run_cli.hpp"
#include "strata/storage/instance.hpp"
#include "temp_dir.hpp"

namespace s = strata;
using s::testing::CliOutcome;
using s::testing::run_cli_in_process;

namespace {

using s::testing::CliTest;

TEST_F(CliTest, HelpOnEveryCommand) {
  auto d = defs();
  auto top = cli(d, {"--help"});
  EXPECT_EQ(top.exit_code, 0);
  for (const char* command : {"materialize", "job", "backfill", "list", "asset", "runs", "logs", "wipe"}) {
    EXPECT_NE(top.out.find(command), std::string::npos) << command;
  }
  for (std::vector<std::string> command : std::vector<std::vector<std::string>>{{"materialize"},
                                                                                {"job", "execute"},
                                                                                {"backfill"},
                                                                                {"list"},
                                                                                {"asset", "show"},
                                                                                {"runs"},
                                                                                {"logs"},
                                                                                {"wipe"}}) {
    command.push_back("--help");
    auto help = cli(d, command);
    EXPECT_EQ(help.exit_code, 0) << command[0];
    EXPECT_NE(help.out.find("Usage"), std::string::npos) << command[0] << help.out;
  }
  auto version = cli(d, {"--version"});
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_NE(version.out.find("strata "), std::string::npos);
  EXPECT_EQ(run_count(), 0u);
}

TEST_F(CliTest, MaterializeAllPrintsPlainLinesAndSummary) {
  auto d = defs();
  auto outcome = cli(d, {"materialize", "--select", "*"});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.out << outcome.err;
  EXPECT_EQ(outcome.out.find('\r'), std::string::npos) << "no progress line when not a terminal";
  EXPECT_NE(outcome.out.find("STEP_START"), std::string::npos);
  EXPECT_NE(outcome.out.find("INFO    doubled"), std::string::npos) << "log lines carry level and step";
  EXPECT_NE(outcome.out.find("multiplied by 2"), std::string::npos);
  EXPECT_NE(outcome.out.find("SUCCESS in"), std::string::npos);
  EXPECT_NE(outcome.out.find((dir_ / "data" / "total").string()), std::string::npos) << "where data went";
  EXPECT_EQ(steps_of_latest_run(), (std::set<std::string>{"numbers", "doubled", "total", "words"}));
}

TEST_F(CliTest, SelectionSyntax) {
  auto d = defs();
  const std::vector<std::pair<std::string, std::set<std::string>>> cases = {
      {"numbers", {"numbers"}},
      {"+doubled", {"numbers", "doubled"}},
      {"doubled+", {"doubled", "total"}},
      {"*total", {"numbers", "doubled", "total"}},
      {"numbers*", {"numbers", "doubled", "total"}},
      {"++total", {"numbers", "doubled", "total"}},
      {"group:math", {"numbers", "doubled", "total"}},
      {"words,numbers", {"words", "numbers"}},
      {"*", {"numbers", "doubled", "total", "words"}},
  };
  // Upstream assets outside the selection are loaded from storage: materialize everything first.
  ASSERT_EQ(cli(d, {"materialize", "--select", "*"}).exit_code, 0);
  for (const auto& [selection, expected] : cases) {
    auto outcome = cli(d, {"materialize", "--select", selection});
    ASSERT_EQ(outcome.exit_code, 0) << selection << outcome.err;
    EXPECT_EQ(steps_of_latest_run(), expected) << selection;
  }
}

TEST_F(CliTest, TerminalGetsALiveProgressLine) {
  auto d = defs();
  auto outcome = cli(d, {"materialize", "--select", "*"}, /*terminal=*/true);
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("\r\033[K"), std::string::npos);
  EXPECT_NE(outcome.out.find("steps done"), std::string::npos);
  EXPECT_NE(outcome.out.find("/4 steps done"), std::string::npos);
  auto plain = cli(d, {"materialize", "--select", "*", "--plain"}, /*terminal=*/true);
  EXPECT_EQ(plain.out.find('\r'), std::string::npos);
}

TEST_F(CliTest, FailedRunExitsOneAndSaysWhy) {
  auto d = defs(/*with_failure=*/true);
  auto outcome = cli(d, {"materialize", "--select", "*"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.out.find("FAILURE"), std::string::npos);
  EXPECT_NE(outcome.out.find("STEP_FAILURE"), std::string::npos);
  EXPECT_NE(outcome.err.find("boom in broken"), std::string::npos) << outcome.err;
  EXPECT_EQ(run_count(), 1u);
  auto runs = cli(d, {"runs", "--status", "failure"});
  EXPECT_EQ(runs.exit_code, 0);
  EXPECT_NE(runs.out.find("FAILURE"), std::string::npos);
}

TEST_F(CliTest, UnknownCommandSuggestsTheNearest) {
  expect_usage_error(defs(), {"materialise", "--select", "*"},
                     "unknown command 'materialise'; did you mean 'materialize'?");
  expect_usage_error(defs(), {"lst", "assets"}, "did you mean 'list'?");
}

TEST_F(CliTest, UnknownAssetSuggestsTheNearest) {
  auto d = defs();
  expect_usage_error(d, {"materialize", "--select", "numbrs"},
                     "bad selection 'numbrs': unknown asset 'numbrs'; did you mean 'numbers'?");
  expect_usage_error(d, {"materialize", "--select", "+totl"}, "did you mean 'total'?");
  expect_usage_error(d, {"asset", "show", "dobled"}, "unknown asset 'dobled'; did you mean 'doubled'?");
  expect_usage_error(d, {"wipe", "totl", "--yes"}, "did you mean 'total'?");
  expect_usage_error(d, {"runs", "--asset", "wrds"}, "did you mean 'words'?");
  expect_usage_error(d, {"materialize", "--select", "group:mth"}, "mth");
}

TEST_F(CliTest, BadSelectionSyntax) {
  auto d = defs();
  for (const char* selection : {"numbers,,total", "group:", "+", ""}) {
    auto outcome = expect_usage_error(d, {"materialize", "--select", selection}, "selection");
    EXPECT_NE(outcome.err.find("hint: selection syntax"), std::string::npos) << selection << outcome.err;
  }
}

TEST_F(CliTest, BadOptionsAndMissingArguments) {
  auto d = defs();
  expect_usage_error(d, {"materialize"}, "--select");
  expect_usage_error(d, {"materialize", "--select", "*", "--bogus"}, "--bogus");
  expect_usage_error(d, {"job", "execute"}, "name");
  expect_usage_error(d, {"materialize", "--select", "*", "--log-level", "loud"}, "loud");
  expect_usage_error(d, {"materialize", "--select", "*", "--tag", "novalue"}, "novalue");
  auto outcome = cli(d, {"materialize", "--bogus"});
  EXPECT_NE(outcome.err.find("strata-test materialize --help"), std::string::npos) << outcome.err;
}

TEST_F(CliTest, ConfigFileIsAppliedToTheRun) {
  auto d = defs();
  write("factor.yaml", "resources:\n  settings:\n    config:\n      factor: 10\n");
  auto outcome = cli(d, {"materialize", "--select", "*", "--config", (dir_ / "factor.yaml").string()});
  ASSERT_EQ(outcome.exit_code, 0) << outcome.err;
  EXPECT_NE(outcome.out.find("multiplied by 10"), std::string::npos);
  auto show = cli(d, {"asset", "show", "total"});
  EXPECT_NE(show.out.find("sum: 60"), std::string::npos) << show.out;
}

TEST_F(CliTest, UnreadableOrWrongConfigIsRefusedBeforeAnythingRuns) {
  auto d = defs();
  std::string missing = (dir_ / "missing.yaml").string();
  expect_usage_error(d, {"materialize", "--select", "*", "--config", missing}, "missing.yaml");
  write("broken.yaml", "resources: [unclosed\n");
  expect_usage_error(d, {"materialize", "--select", "*", "--config", (dir_ / "broken.yaml").string()}, "broken.yaml");
  write("typo.yaml", "resources:\n  setings:\n    config:\n      factor: 3\n");
  expect_usage_error(d, {"materialize", "--select", "*", "--config", (dir_ / "typo.yaml").string()},
                     "did you mean 'settings'?");
  write("type.yaml", "resources:\n  settings:\n    config:\n      factor: lots\n");
  expect_usage_error(d, {"materialize", "--select", "*", "--config", (dir_ / "type.yaml").string()}, "factor");
  write("section.yaml", "execution:\n  config: {}\n");
  expect_usage_error(d, {"job", "execute", "math_job", "--config", (dir_ / "section.yaml").string()}, "execution");
  write("ops.yaml", "ops:\n  numbrs:\n    config: {}\n");
  expect_usage_error(d, {"job", "execute", "math_job", "--config", (dir_ / "ops.yaml").string()},
                     "did you mean 'numbers'?");
}

TEST_F(CliTest, JobExecute) {
  auto d = defs();
  auto assets = cli(d, {"job", "execute", "math_job"});
  ASSERT_EQ(assets.exit_code, 0) << assets.err;
  EXPECT_EQ(steps_of_latest_run(), (std::set<std::string>{"numbers", "doubled", "total"}));
  auto ops = cli(d, {"job", "execute", "ops_job"});
  ASSERT_EQ(ops.exit_code, 0) << ops.err;
  EXPECT_EQ(steps_of_latest_run(), (std::set<std::string>{"make", "add_one"}));
  auto runs = cli(d, {"runs", "--job", "ops_job"});
  EXPECT_NE(runs.out.find("ops_job"), std::string::npos);
  EXPECT_EQ(runs.out.find("math_job"), std::string::npos);
}

TEST_F(CliTest, UnknownJobSuggestsTheNearest) {
  expect_usage_error(defs(), {"job", "execute", "math_jb"}, "unknown job 'math_jb'; did you mean 'math_job'?");
  expect_usage_error(defs(), {"job", "run", "math_job"}, "unknown command 'job run'; did you mean 'job execute'?");
  expect_usage_error(defs(), {"asset", "shw", "total"}, "did you mean 'asset show'?");
}

TEST_F(CliTest, PartitionedMaterialize) {
  auto d = defs(false, /*with_partitions=*/true);
  auto one = cli(d, {"materialize", "--select", "events", "--partition", "2024-01-03"});
  ASSERT_EQ(one.exit_code, 0) << one.err;
  EXPECT_NE(one.out.find("events[2024-01-03]"), std::string::npos) << one.out;
  expect_usage_error(d, {"materialize", "--select", "regions", "--partition", "mars"}, "mars");
  expect_usage_error(d, {"materialize", "--select", "events", "--partition", "2024-13-01"}, "2024-13-01");
  expect_usage_error(d, {"materialize", "--select", "numbers", "--partition", "2024-01-01"}, "partition");
  expect_usage_error(d, {"materialize", "--select", "events"}, "partition");
  expect_usage_error(d, {"materialize", "--select", "events", "--from", "2024-01-01"}, "--from needs --to");
}

TEST_F(CliTest, PartitionRangeFollowsTheBackfillPolicy) {
  auto d = defs(false, true);
  // events: multi_run(2) -> 4 partitions in 2 runs; rollup: single_run -> 1 run.
  auto events = cli(d, {"materialize", "--select", "events", "--from", "2024-01-01", "--to", "2024-01-04"});
  ASSERT_EQ(events.exit_code, 0) << events.err;
  EXPECT_NE(events.out.find("4 partition(s) of 1 asset(s) in 2 run(s)"), std::string::npos) << events.out;
  auto rollup = cli(d, {"backfill", "--select", "rollup", "--from", "2024-01-01", "--to", "2024-01-31"});
  ASSERT_EQ(rollup.exit_code, 0) << rollup.err;
  EXPECT_NE(rollup.out.find("31 partition(s) of 1 asset(s) in 1 run(s)"), std::string::npos) << rollup.out;
  EXPECT_NE(rollup.out.find("2024-01-01 .. 2024-01-31"), std::string::npos);
  auto show = cli(d, {"asset", "show", "events"});
  EXPECT_NE(show.out.find("4 materialized"), std::string::npos) << show.out;
}

// Regression: a partitioned asset whose only attempts failed was shown as "Never materialized", with
// its failures hidden and a suggested command that exits 2 (no partition given).
TEST_F(CliTest, AssetShowOfAPartitionedAssetWhoseAttemptsFailed) {
  auto d = defs(false, true);
  ASSERT_EQ(cli(d, {"materialize", "--select", "readings", "--partition", "south"}).exit_code, 1);
  auto show = cli(d, {"asset", "show", "readings"});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_NE(show.out.find("Partitions: 2 total, 0 materialized, 1 failed, 1 missing"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("failed: south"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("No successful materialization"), std::string::npos) << show.out;
  // The suggested command names a partition, and it is a command the CLI accepts.
  std::string suggestion = "materialize --select readings --partition south";
  ASSERT_NE(show.out.find(suggestion), std::string::npos) << show.out;
  auto again = cli(d, {"materialize", "--select", "readings", "--partition", "south"});
  EXPECT_EQ(again.exit_code, 1) << again.err;  // runs (and fails again), not a usage error
  auto never = cli(d, {"asset", "show", "regions"});
  EXPECT_NE(never.out.find("Never materialized"), std::string::npos) << never.out;
  EXPECT_NE(never.out.find("materialize --select regions --partition eu"), std::string::npos) << never.out;
}

TEST_F(CliTest, BackfillPartitionListsAndAll) {
  auto d = defs(false, true);
  auto listed = cli(d, {"backfill", "--select", "events", "--partitions", "2024-01-05,2024-01-07,2024-01-09"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("3 partition(s) of 1 asset(s) in 2 run(s)"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("COMPLETED"), std::string::npos);
  auto all = cli(d, {"backfill", "--select", "regions", "--all"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_NE(all.out.find("3 partition(s) of 1 asset(s) in 3 run(s)"), std::string::npos) << all.out;
  auto instance = s::Instance::open(home());
  EXPECT_EQ(instance->storage().backfills().size(), 2u);
}

TEST_F(CliTest, BackfillBadInput) {
  auto d = defs(false, true);
  expect_usage_error(d, {"backfill", "--select", "events"}, "backfill needs partitions");
  expect_usage_error(d, {"backfill", "--select", "events", "--all", "--partitions", "2024-01-01"}, "one way only");
  expect_usage_error(d, {"backfill", "--select", "numbers", "--partitions", "a"}, "partitioned");
  expect_usage_error(d, {"backfill", "--select", "events", "--from", "2024-01-05", "--to", "2024-01-01"}, "2024-01");
}

TEST_F(CliTest, ListEverything) {
  auto d = defs(false, true);
  auto assets = cli(d, {"list", "assets"});
  ASSERT_EQ(assets.exit_code, 0);
  EXPECT_NE(assets.out.find("doubled"), std::string::npos);
  EXPECT_NE(assets.out.find("math"), std::string::npos);
  EXPECT_NE(assets.out.find("daily partitions from 2024-01-01"), std::string::npos) << assets.out;
  auto jobs = cli(d, {"list", "jobs"});
  EXPECT_NE(jobs.out.find("math_job"), std::string::npos);
  EXPECT_NE(jobs.out.find("ops_job"), std::string::npos);
  EXPECT_NE(jobs.out.find("make, add_one"), std::string::npos) << jobs.out;
  auto schedules = cli(d, {"list", "schedules"});
  EXPECT_NE(schedules.out.find("math_schedule  math_job  0 * * * *"), std::string::npos) << schedules.out;
  auto resources = cli(d, {"list", "resources"});
  EXPECT_NE(resources.out.find("factor=2"), std::string::npos) << resources.out;
  EXPECT_NE(resources.out.find("FilesystemIOManager"), std::string::npos);
  expect_usage_error(d, {"list", "asets"}, "did you mean 'assets'?");
}

TEST_F(CliTest, ListAssetsAsAGraphvizGraph) {
  auto d = defs();
  auto dot = cli(d, {"list", "assets", "--dot"});
  ASSERT_EQ(dot.exit_code, 0) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph assets {\n", 0), 0u) << dot.out;
  EXPECT_NE(dot.out.find("  subgraph \"cluster_math\" {\n    label=\"math\";\n"), std::string::npos) << dot.out;
  EXPECT_NE(dot.out.find("  \"numbers\" -> \"doubled\";\n"), std::string::npos) << dot.out;
  EXPECT_NE(dot.out.find("  \"doubled\" -> \"total\";\n"), std::string::npos) << dot.out;
  EXPECT_EQ(dot.out.substr(dot.out.size() - 2), "}\n");
  expect_usage_error(d, {"list", "jobs", "--dot"}, "--dot draws assets only");
}

TEST_F(CliTest, AssetShowMetadataAndHistory) {
  auto d = defs();
  auto never = cli(d, {"asset", "show", "total"});
  EXPECT_EQ(never.exit_code, 0);
  EXPECT_NE(never.out.find("Never materialized"), std::string::npos);
  ASSERT_EQ(cli(d, {"materialize", "--select", "*"}).exit_code, 0);
  ASSERT_EQ(cli(d, {"materialize", "--select", "+total"}).exit_code, 0);
  auto show = cli(d, {"asset", "show", "total"});
  ASSERT_EQ(show.exit_code, 0);
  EXPECT_NE(show.out.find("upstream    doubled"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("sum: 12"), std::string::npos);
  EXPECT_NE(show.out.find("note: (markdown)\n      # Total"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("History (2 materializations"), std::string::npos);
}

TEST_F(CliTest, RunsFiltersAndLimits) {
  auto d = defs();
  auto empty = cli(d, {"runs"});
  EXPECT_EQ(empty.exit_code, 0);
  EXPECT_NE(empty.out.find("No runs"), std::string::npos);
  ASSERT_EQ(cli(d, {"materialize", "--select", "numbers"}).exit_code, 0);
  ASSERT_EQ(cli(d, {"job", "execute", "ops_job"}).exit_code, 0);
  auto all = cli(d, {"runs"});
  EXPECT_NE(all.out.find("materialize numbers"), std::string::npos) << all.out;
  EXPECT_NE(all.out.find("ops_job"), std::string::npos);
  auto one = cli(d, {"runs", "--limit", "1"});
  EXPECT_EQ(std::count(one.out.begin(), one.out.end(), '\n'), 2) << one.out;  // header + 1 run
  auto success = cli(d, {"runs", "--status", "SUCCESS"});
  EXPECT_EQ(std::count(success.out.begin(), success.out.end(), '\n'), 3);
  auto failed = cli(d, {"runs", "--status", "failure"});
  EXPECT_NE(failed.out.find("No runs with status failure"), std::string::npos);
  auto by_asset = cli(d, {"runs", "--asset", "numbers"});
  EXPECT_EQ(std::count(by_asset.out.begin(), by_asset.out.end(), '\n'), 2) << by_asset.out;
  auto bad = cli(d, {"runs", "--status", "done"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("unknown run status 'done'"), std::string::npos);
}

TEST_F(CliTest, RunsReexecute) {
  auto d = defs();
  ASSERT_EQ(cli(d, {"job", "execute", "ops_job"}).exit_code, 0);
  std::string parent = s::Instance::open(home())->storage().runs({}).front().run_id;
  auto again = cli(d, {"runs", "reexecute", parent.substr(0, 8), "--steps", "add_one"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("Re-executing run " + parent + ": 1 step(s): add_one"), std::string::npos) << again.out;
  EXPECT_NE(again.out.find("SUCCESS"), std::string::npos) << again.out;
  auto runs = s::Instance::open(home())->storage().runs({});
  ASSERT_EQ(runs.size(), 2u);
  EXPECT_EQ(runs.front().tags.at("strata/parent_run_id"), parent);
  expect_usage_error(d, {"runs", "reexecute", parent, "--from-failure"}, "succeeded: no step failed");
  expect_usage_error(d, {"runs", "reexecute", parent, "--steps", "add_two"}, "'add_two' is not a step or asset");
  expect_usage_error(d, {"runs", "reexecute", parent, "--from-failure", "--steps", "make"}, "cannot be combined");
  expect_usage_error(d, {"runs", "reexecute", "zzzz"}, "no run 'zzzz'");
  expect_usage_error(d, {"runs", "cancel", parent}, "already finished (SUCCESS)");
  expect_usage_error(d, {"runs", "cancle", parent}, "did you mean 'runs cancel'?");
}

TEST_F(CliTest, LogsOfARunByIdOrPrefix) {
  auto d = defs();
  ASSERT_EQ(cli(d, {"materialize", "--select", "+doubled"}).exit_code, 0);
  std::string run_id = s::Instance::open(home())->storage().runs({}).front().run_id;
  auto logs = cli(d, {"logs", run_id});
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_NE(logs.out.find("RUN_START"), std::string::npos);
  EXPECT_NE(logs.out.find("multiplied by 2"), std::string::npos);
  EXPECT_NE(logs.out.find("RUN_SUCCESS"), std::string::npos);
  auto prefix = cli(d, {"logs", run_id.substr(0, 8), "--follow"});
  EXPECT_EQ(prefix.exit_code, 0) << prefix.err;
  EXPECT_EQ(prefix.out, logs.out) << "a finished run: --follow prints the same and returns";
  auto unknown = cli(d, {"logs", "nonexistent-run"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("no run 'nonexistent-run'"), std::string::npos) << unknown.err;
  EXPECT_NE(unknown.err.find("hint: 'strata-test runs'"), std::string::npos) << unknown.err;
}

TEST_F(CliTest, WipeForgetsHistoryAfterConfirmation) {
  auto d = defs();
  ASSERT_EQ(cli(d, {"materialize", "--select", "*"}).exit_code, 0);
  auto refused = cli(d, {"wipe", "total"});
  EXPECT_EQ(refused.exit_code, 2);
  EXPECT_NE(refused.err.find("--yes"), std::string::npos);
  EXPECT_NE(cli(d, {"asset", "show", "total"}).out.find("History (1 materialization"), std::string::npos);

  auto declined = run_cli_in_process(d, home(), {"wipe", "total"}, false, "no\n", /*input_terminal=*/true);
  EXPECT_EQ(declined.exit_code, 1);
  EXPECT_NE(declined.out.find("Nothing wiped"), std::string::npos);
  auto confirmed = run_cli_in_process(d, home(), {"wipe", "total"}, false, "yes\n", true);
  EXPECT_EQ(confirmed.exit_code, 0) << confirmed.err;
  EXPECT_NE(cli(d, {"asset", "show", "total"}).out.find("Never materialized"), std::string::npos);

  auto both = cli(d, {"wipe", "numbers", "words", "--yes"});
  EXPECT_EQ(both.exit_code, 0);
  EXPECT_NE(both.out.find("Wiped numbers"), std::string::npos);
  EXPECT_NE(both.out.find("Wiped words"), std::string::npos);
  EXPECT_TRUE(std::filesystem::exists(dir_ / "data" / "total")) << "stored data is kept";
}

TEST_F(CliTest, GlobalOptionsGoAnywhere) {
  auto d = defs();
  auto other = dir_ / "other-home";
  std::istringstream in;
  std::ostringstream out, err;
  int code = s::run_cli(d, {"strata-test", "--home", other.string(), "--plain", "materialize", "--select", "words"},
                        s::CliStreams{in, out, err, true, false});
  ASSERT_EQ(code, 0) << err.str();
  EXPECT_TRUE(std::filesystem::exists(other / "history.db"));
  EXPECT_EQ(out.str().find('\r'), std::string::npos);
  // ... and after the command (the fixture puts --home last).
  ASSERT_EQ(cli(d, {"materialize", "--select", "words"}).exit_code, 0);
  EXPECT_TRUE(std::filesystem::exists(home() / "history.db"));
}

}  // namespace
