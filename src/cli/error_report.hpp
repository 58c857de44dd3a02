// How the command line reports a failure: one `error[CODE]: message` line on stderr, CODE being
// strata::Error::code() (`usage_error` for a command line it cannot act on), `run_failed` or
// `canceled` for a run that ended so, and `internal` for anything that is not a Strata error; then
// the exit code of the code's class (docs/cli.md, "Exit codes"). Free functions, safe from any
// thread; they throw nothing but what the stream throws.
#pragma once

#include <exception>
#include <ostream>
#include <string>
#include <string_view>

namespace strata::cli {

// The stable code of `e`: Error::code() for a Strata error, "internal" for any other exception.
std::string error_code_of(const std::exception& e);

// 2 for bad input (nothing was run), 3 for an instance or stored data that cannot be used, 4 for
// an internal error, 1 for everything else (a run that failed or was canceled).
int exit_code_for(std::string_view code);

// Writes `error[code]: message` as one terminal-safe line.
void print_error(std::ostream& err, std::string_view code, const std::string& message);

// print_error for `e` (with its code); returns exit_code_for that code.
int report_error(std::ostream& err, const std::exception& e);
// For a thrown value that is not a std::exception: `error[internal]:` and kExitInternal.
int report_unknown_exception(std::ostream& err);

}  // namespace strata::cli
