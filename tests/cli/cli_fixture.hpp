// Definitions the command-line tests drive, and a helper that runs strata::run_cli in-process on
// string streams with its own instance directory.
//
//   numbers -> doubled -> total     group "math"; doubled multiplies by settings.factor
//   words                           group "text"
//   broken (with_failure)           fails; reads numbers
//   events, rollup, regions         partitioned: daily multi_run(2), daily single_run, static
//   readings                        partitioned (static north, south); always fails
//   gate (with_gate)                waits until the file $STRATA_TEST_GATE exists
// Jobs: math_job (assets, group:math), ops_job (ops); schedule math_schedule (hourly).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "strata/core/definitions/definitions.hpp"

namespace strata::testing {

struct FixtureOptions {
  std::filesystem::path data_dir;  // the filesystem I/O manager's base_dir
  bool with_failure = false;
  bool with_partitions = false;
  bool with_gate = false;
};

Definitions cli_test_definitions(const FixtureOptions& options);

struct CliOutcome {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// run_cli(defs, {"strata-test", args..., "--home", home}) with `input` on stdin.
CliOutcome run_cli_in_process(const Definitions& defs, const std::filesystem::path& home, std::vector<std::string> args,
                              bool terminal = false, const std::string& input = "", bool input_terminal = false);

}  // namespace strata::testing
