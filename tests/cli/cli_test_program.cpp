// strata_cli_test_program <data dir> <cli args...>: the CLI fixture's definitions (with the gate
// asset) behind strata::run_cli, as a user's binary would be.
#include <cstdio>
#include <vector>

#include "cli_fixture.hpp"
#include "strata/cli/run_cli.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: strata_cli_test_program <data dir> <command> ...\n");
    return 2;
  }
  auto defs = strata::testing::cli_test_definitions({.data_dir = argv[1], .with_failure = true, .with_gate = true});
  std::vector<char*> args{argv[0]};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  return strata::run_cli(defs, static_cast<int>(args.size()), args.data());
}
