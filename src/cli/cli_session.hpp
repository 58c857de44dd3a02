// CliSession: what every command of strata::run_cli works with — the user's Definitions, the output
// streams, the program's name (for hints), and the instance, opened on first use.
//
// Commands report bad input by throwing UsageError (exit code 2, nothing run); a run that fails
// returns exit code 1; other errors are reported by error_report.hpp with their code.
#pragma once

#include <filesystem>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "strata/core/definitions/definitions.hpp"
#include "strata/core/util/error.hpp"
#include "strata/storage/instance.hpp"

namespace strata::cli {

inline constexpr int kExitSuccess = 0;
inline constexpr int kExitFailure = 1;   // a run (or the instance) failed
inline constexpr int kExitUsage = 2;     // bad input: nothing was run
inline constexpr int kExitStorage = 3;   // the instance or a stored object cannot be used
inline constexpr int kExitInternal = 4;  // not a Strata error: a bug, reported with its message

// Input the command line cannot act on. `hint` says what to do instead (one line, may be empty).
class UsageError : public Error {
 public:
  const char* code() const noexcept override { return "usage_error"; }
  UsageError(const std::string& message, std::string hint = "") : Error(message), hint_(std::move(hint)) {}
  const std::string& hint() const { return hint_; }

 private:
  std::string hint_;
};

struct CliSession {
  CliSession(const Definitions& definitions, std::ostream& out_stream, std::ostream& err_stream, std::string name)
      : defs(definitions), out(out_stream), err(err_stream), program(std::move(name)) {}

  const Definitions& defs;
  std::ostream& out;                 // terminal-safe (see terminal_text.hpp)
  std::ostream& err;                 // terminal-safe
  std::ostream* live_out = nullptr;  // raw stdout for the live progress line; null: `out`
  std::string program;               // argv[0]'s file name, for hints ("hackernews materialize --help")
  std::filesystem::path home{};      // --home; empty: Instance::default_home()
  bool terminal = false;             // `out` is a terminal: live progress line
  std::vector<std::string> args{};   // the command line after the program name (for --detach)
  // In a detached run's process (run_launcher.hpp): the run's id, and where to report that it is
  // recorded (-1 once reported, or when not detached).
  std::string detached_run_id{};
  int detached_report_fd = -1;

  // The instance at `home`, opened (and dead runs reaped) on first call.
  Instance& instance();
  std::shared_ptr<Instance> shared_instance();

 private:
  std::shared_ptr<Instance> instance_{};
};

// The asset `text` names; UsageError naming it (and the nearest existing key) when unknown.
AssetKey known_asset_key(const Definitions& defs, const std::string& text);

// `text` in ASCII upper case (status and level names are matched case-insensitively).
std::string upper_case(std::string text);

}  // namespace strata::cli
