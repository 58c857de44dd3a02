// How the command line reports failures: one `error[CODE]: message` line with the error's stable
// code and the exit code of its class (docs/cli.md, "Exit codes"); damaged records in the instance
// are storage errors naming the record, and an exception that is not a Strata error (one the user's
// code threw where no run catches it) is `error[internal]`, never std::terminate.
#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <stdexcept>

#include "cli_test_base.hpp"
#include "sqlite_statement.hpp"
#include "strata/cli/run_cli.hpp"
#include "strata/strata.hpp"

namespace s = strata;
using strata::testing::CliTest;

namespace {

// Stores like FilesystemIOManager, but its loading fails the way a bug in a user's manager would:
// with a std::out_of_range from std::map::at.
class LookupBugManager : public s::FilesystemIOManager {
 public:
  using s::FilesystemIOManager::FilesystemIOManager;
  s::Value load_input(s::InputContext&) override {
    std::map<std::string, s::Value> loaded;
    return loaded.at("never-loaded");
  }
};

class CliErrorCodeTest : public CliTest {
 protected:
  s::Definitions lookup_bug_defs() {
    return s::Definitions({.assets = {s::asset("numbers",
                                               [] {
                                                 return std::vector<int64_t>{1, 2, 3};
                                               })},
                           .resources = {{"io_manager", LookupBugManager({.base_dir = (dir_ / "data").string()})}}});
  }
  // Materializes everything, then writes `text` (damaged JSON) into `column` of the run's record,
  // as an edit by hand or a torn copy would; then runs `args` (where RUN stands for the run id) and
  // expects one `error[storage_error]:` line starting with `message` (RUN replaced too), exit 3.
  void expect_damaged_record(const std::string& column, const std::string& text, std::vector<std::string> args,
                             std::string message) {
    auto d = defs();
    ASSERT_EQ(cli(d, {"materialize", "--select", "*"}).exit_code, 0);
    std::string run_id = s::Instance::open(home())->storage().runs({}).front().run_id;
    std::string statement = "UPDATE runs SET " + column + " = '" + text + "' WHERE run_id = '" + run_id + "'";
    EXPECT_EQ(s::testing::run_sqlite_statement(home() / "history.db", statement), "");
    for (auto& arg : args) arg = arg == "RUN" ? run_id : arg;
    message.replace(message.find("RUN"), 3, run_id);
    auto outcome = cli(d, args);
    EXPECT_EQ(outcome.exit_code, 3) << outcome.out << outcome.err;
    EXPECT_EQ(outcome.err.rfind("error[storage_error]: " + message, 0), 0u) << outcome.err;
    EXPECT_EQ(std::count(outcome.err.begin(), outcome.err.end(), '\n'), 1) << outcome.err;
  }
};

TEST_F(CliErrorCodeTest, BadInputCarriesItsCodeAndExitTwo) {
  auto outcome = cli(defs(), {"materialise", "--select", "*"});
  EXPECT_EQ(outcome.exit_code, 2);
  EXPECT_EQ(outcome.err.rfind("error[usage_error]: unknown command 'materialise'", 0), 0u) << outcome.err;
  EXPECT_EQ(outcome.err.find("\nhint: "), outcome.err.find('\n')) << outcome.err;
}

TEST_F(CliErrorCodeTest, FailedRunIsRunFailedWithExitOne) {
  auto outcome = cli(defs(true), {"materialize", "--select", "*"});
  EXPECT_EQ(outcome.exit_code, 1);
  EXPECT_NE(outcome.err.find("error[run_failed]: run "), std::string::npos) << outcome.err;
}

// A run record whose tags were damaged in the database (edited by hand, a torn copy): `runs` names
// the run and what is damaged, exit 3, instead of a JSON library's exception.
TEST_F(CliErrorCodeTest, DamagedRunRecordIsAStorageErrorNamingTheRun) {
  expect_damaged_record("tags", "{\"strata/partition\": ", {"runs"}, "run 'RUN': stored tags are damaged");
}

// The stored run config of a run to re-execute, damaged: a storage error naming the run, not bad
// input (exit 2 would blame the command line).
TEST_F(CliErrorCodeTest, DamagedStoredRunConfigIsAStorageErrorNamingTheRun) {
  expect_damaged_record("run_config", "{\"resources\": ", {"runs", "reexecute", "RUN"},
                        "run RUN: stored run config is damaged");
}

// What no run catches: the user's manager throws std::out_of_range while `asset value` loads. One
// `error[internal]:` line with the exception's message and exit 4; the program does not abort.
TEST_F(CliErrorCodeTest, ExceptionThatIsNotAStrataErrorIsInternal) {
  auto d = lookup_bug_defs();
  ASSERT_EQ(cli(d, {"materialize", "--select", "numbers"}).exit_code, 0);
  auto outcome = cli(d, {"asset", "value", "numbers"});
  EXPECT_EQ(outcome.exit_code, 4) << outcome.out << outcome.err;
  EXPECT_EQ(outcome.err, "error[internal]: map::at\n");
  EXPECT_EQ(outcome.out, "");
}

// A main() that builds its Definitions through run_cli: what building them throws is one error
// line with its code, not std::terminate.
TEST(CliMain, DefinitionsThatThrowAreOneErrorLine) {
  std::istringstream in;
  std::ostringstream out, err;
  auto out_of_range = []() -> s::Definitions {
    std::vector<int> empty;
    return s::Definitions({.assets = {s::asset("x", [n = empty.at(0)] { return n; })}});
  };
  int code = s::run_cli(out_of_range, {"strata-test", "list", "assets"}, {in, out, err});
  EXPECT_EQ(code, 4);
  std::string said = err.str();
  EXPECT_EQ(said.rfind("error[internal]: vector::_M_range_check", 0), 0u) << said;
  EXPECT_EQ(std::count(said.begin(), said.end(), '\n'), 1) << said;

  std::ostringstream duplicate_err;
  auto duplicate = [] {
    return s::Definitions({.assets = {s::asset("x", [] { return 1; }), s::asset("x", [] { return 2; })}});
  };
  code = s::run_cli(duplicate, {"strata-test", "list", "assets"}, {in, out, duplicate_err});
  EXPECT_EQ(code, 2);
  EXPECT_EQ(duplicate_err.str().rfind("error[definition_error]: ", 0), 0u) << duplicate_err.str();
}

}  // namespace
