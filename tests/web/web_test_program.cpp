// The program the web UI tests launch runs of (and run `ui` on): web_test_definitions() behind run_cli.
#include <strata/cli/run_cli.hpp>

#include "web_test_definitions.hpp"

int main(int argc, char** argv) { return strata::run_cli(strata::testing::web_test_definitions(), argc, argv); }
