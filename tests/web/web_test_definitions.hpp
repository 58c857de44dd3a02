// The Definitions the web UI tests serve, shared by the test (its UiServer) and the program the
// server launches runs of (web_test_program): a small graph with hostile text in descriptions and
// metadata, an embedded PNG, a failing asset, a gated asset (it waits for the file named by
// $STRATA_WEB_TEST_GATE, so a test can watch it running), an hourly partitioned asset and a
// resource with secrets.
#pragma once

#include <strata/strata.hpp>

namespace strata::testing {

inline constexpr const char* kHostileText =
    "<script>alert('x')</script> [click](javascript:alert(1)) <img src=x onerror=alert(2)>";
inline constexpr const char* kTinyPngDataUrl =
    "data:image/"
    "png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";

Definitions web_test_definitions();

}  // namespace strata::testing
