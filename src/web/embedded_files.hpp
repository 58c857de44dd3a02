// The front end's built files, compiled into the binary so that the program alone serves the UI.
// One definition of embedded_ui_files() is linked: the files generated from ui/dist by the build,
// or, until the front end is built, embedded_placeholder.cpp (one index.html saying so).
#pragma once

#include <span>
#include <string_view>

namespace strata::web {

struct EmbeddedFile {
  std::string_view path;          // "/index.html", "/assets/app-1234.js"
  std::string_view content_type;  // "text/html; charset=utf-8"
  std::string_view body;
};

std::span<const EmbeddedFile> embedded_ui_files();

}  // namespace strata::web
