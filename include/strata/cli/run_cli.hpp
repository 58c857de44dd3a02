// strata::run_cli: the command line of a program built on Strata. A user's main() builds its
// Definitions and hands them over:
//
//   int main(int argc, char** argv) { return strata::run_cli(make_definitions(), argc, argv); }
//
// and the binary then understands (each with --help):
//   materialize --select EXPR [--partition KEY | --from KEY --to KEY] [--config FILE]
//               [--executor in_process|multiprocess] [--detach]
//   job execute NAME [--partition KEY] [--config FILE] [--executor ...] [--detach]
//   backfill --select EXPR (--from KEY --to KEY | --partitions A,B | --all) [--config FILE]
//   list assets|jobs|schedules|resources
//   asset show KEY
//   runs [--status S] [--job NAME] [--asset KEY] [--limit N]
//   logs RUN_ID [--follow]
//   wipe KEY... [--yes]
//   ui [--host 127.0.0.1] [--port 3000]     (the web UI, docs/api.md)
//   daemon                         run the daemon (schedules, sensors, queued runs) until Ctrl-C
//   daemon status
//   schedule list | schedule start|stop|preview|ticks NAME
//   sensor list | sensor start|stop|preview|ticks NAME
// Hidden commands serve the program itself: `__step-worker` (the multi-process executor's step
// server, execution/executor.hpp) and `__detached-run` (execution/run_launcher.hpp).
// Global options: --home DIR (the instance; default $STRATA_HOME, else ./.strata), --plain (no live
// progress line), --version.
//
// A failure is one `error[CODE]: message` line on stderr (CODE is strata::Error::code(), or
// `internal` for an exception that is not a Strata error; a `hint:` line may follow). Exit codes: 0
// success; 1 a run failed or was canceled; 2 bad input (unknown command, asset, job or run; bad
// selection; unreadable or malformed config file; bad partition; an argument that is not UTF-8):
// nothing was run; 3 the instance or a stored object cannot be used; 4 internal (docs/cli.md). Text from input or
// stored data is printed with control characters escaped
// (\xHH), so it never acts on the terminal.
#pragma once

#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

#include "strata/core/definitions/definitions.hpp"

namespace strata {

// The streams a command line talks to, and whether they are terminals (live progress, prompts).
struct CliStreams {
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool out_is_terminal = false;
  bool in_is_terminal = false;
};

// The process's own command line, on std::cin/cout/cerr.
int run_cli(const Definitions& defs, int argc, char** argv);
// The same on given streams; args[0] is the program name. For tests and embedding.
int run_cli(const Definitions& defs, const std::vector<std::string>& args, CliStreams streams);
// The same, with the Definitions built by `make` inside the command line's error handling: what
// building them throws (a DefinitionError, a std::out_of_range of the user's code) is one error
// line and its exit code rather than std::terminate.
//
//   int main(int argc, char** argv) { return strata::run_cli(make_definitions, argc, argv); }
int run_cli(const std::function<Definitions()>& make, int argc, char** argv);
int run_cli(const std::function<Definitions()>& make, const std::vector<std::string>& args, CliStreams streams);

}  // namespace strata
