// Process-wide clean-up that must run before main() returns rather than from an exit handler
// (Arrow's S3 support crashes when finalized during static destruction). Integrations register a
// hook when they start such a subsystem; strata::run_cli runs the hooks before returning, and a
// program with its own main() calls run_shutdown_hooks() itself.
#pragma once

#include <functional>
#include <string>

namespace strata {

// Registers `hook` under `name`; registering a name again keeps the first hook. Thread-safe.
void register_shutdown_hook(const std::string& name, std::function<void()> hook);

// Runs every registered hook once, most recent first, then forgets them. Exceptions are swallowed
// (shutdown must not fail).
void run_shutdown_hooks();

}  // namespace strata
