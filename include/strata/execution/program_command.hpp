// ProgramCommand: how this program starts itself again, for the multi-process executor's step
// workers and for detached runs. It is the command line that came before strata::run_cli's own
// arguments (the program and whatever arguments its main() consumed), so the new process builds the
// same Definitions; the binary itself is re-executed through /proc/self/exe. run_cli records it;
// a program that runs multi-process or detached runs without run_cli sets it itself. Thread-safe.
#pragma once

#include <string>
#include <vector>

namespace strata {

// The words recorded by set_program_command (or run_cli), else this process's argv[0] alone.
std::vector<std::string> program_command();
void set_program_command(std::vector<std::string> words);

// The words before `cli_args[1..]` in this process's command line (/proc/self/cmdline): what the
// program's main() consumed. Just argv[0] when the command line does not end with those arguments
// (run_cli called with arguments of its own making).
std::vector<std::string> program_command_before(const std::vector<std::string>& cli_args);

// Describes a wait() status: "exited with status 3", "was killed by signal 11 (SIGSEGV)".
std::string describe_exit_status(int status);

}  // namespace strata
