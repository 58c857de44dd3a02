// Finds a TCP port on 127.0.0.1 that nothing listens on right now (the kernel picks it).
#pragma once

namespace strata::testing {

int free_loopback_port();

}  // namespace strata::testing
