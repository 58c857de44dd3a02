// strata_daemon_test_program <data dir> <cli args...>: the daemon fixture's definitions behind
// strata::run_cli, as a user's pipeline binary would be.
#include <cstdio>
#include <vector>

#include "daemon_fixture.hpp"
#include "strata/cli/run_cli.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: strata_daemon_test_program <data dir> <command> ...\n");
    return 2;
  }
  auto defs = strata::testing::daemon_test_definitions(argv[1]);
  std::vector<char*> args{argv[0]};
  for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
  return strata::run_cli(defs, static_cast<int>(args.size()), args.data());
}
