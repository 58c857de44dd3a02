// The stand-in for the front end's files when they were not built: an index.html that says so.
// The JSON API (/api/v1) works the same either way.
#include "embedded_files.hpp"

namespace strata::web {

namespace {

constexpr std::string_view kIndex = R"(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Strata</title></head>
<body>
<h1>Strata</h1>
<p>The web UI was not built into this program (its front end, ui/, is built by the project's build with npm).
The JSON API is served under <a href="/api/v1/instance">/api/v1</a> (docs/api.md).</p>
</body>
</html>
)";

constexpr EmbeddedFile kFiles[] = {{"/index.html", "text/html; charset=utf-8", kIndex}};

}  // namespace

std::span<const EmbeddedFile> embedded_ui_files() { return kFiles; }

}  // namespace strata::web
