// Metadata rendered for a terminal: one "key: value" line per entry; markdown and table previews
// below their key, indented. Images embedded as data URIs (the seed's bar chart) are shown as a
// short placeholder with their type and size instead of kilobytes of base64.
#pragma once

#include <ostream>
#include <string>

#include "strata/core/types/metadata.hpp"

namespace strata::cli {

void print_metadata(std::ostream& out, const Metadata& metadata, const std::string& indent);

// `markdown` with every "(data:<type>;base64,<data>)" link target replaced by
// "(<type>, <size> embedded)".
std::string collapse_inline_images(const std::string& markdown);

}  // namespace strata::cli
