#include "metadata_render.hpp"

#include <fmt/format.h>

#include <sstream>

#include "terminal_text.hpp"
#include "text_table.hpp"

namespace strata::cli {
namespace {

std::string human_bytes(size_t bytes) {
  if (bytes < 1024) return fmt::format("{} B", bytes);
  if (bytes < 1024 * 1024) return fmt::format("{:.1f} KB", static_cast<double>(bytes) / 1024.0);
  return fmt::format("{:.1f} MB", static_cast<double>(bytes) / (1024.0 * 1024.0));
}

void print_indented(std::ostream& out, const std::string& text, const std::string& indent) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) out << indent << terminal_line(line) << '\n';
}

}  // namespace

std::string collapse_inline_images(const std::string& markdown) {
  static const std::string kPrefix = "(data:";
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t start = markdown.find(kPrefix, pos);
    if (start == std::string::npos) break;
    size_t marker = markdown.find(";base64,", start);
    size_t end = markdown.find(')', start);
    if (marker == std::string::npos || end == std::string::npos || marker > end) {
      out.append(markdown, pos, start + kPrefix.size() - pos);
      pos = start + kPrefix.size();
      continue;
    }
    std::string type = markdown.substr(start + kPrefix.size(), marker - start - kPrefix.size());
    size_t encoded = end - (marker + 8);
    out.append(markdown, pos, start - pos);
    out += "(" + type + ", " + human_bytes(encoded / 4 * 3) + " embedded)";
    pos = end + 1;
  }
  out.append(markdown, pos, std::string::npos);
  return out;
}

void print_metadata(std::ostream& out, const Metadata& metadata, const std::string& indent) {
  for (const auto& [key, value] : metadata) {
    switch (value.kind()) {
      case MetadataValue::Kind::kMarkdown: {
        std::string text = collapse_inline_images(value.as_text());
        if (text.find('\n') == std::string::npos) {
          out << indent << terminal_line(key) << ": " << terminal_line(text) << '\n';
        } else {
          out << indent << terminal_line(key) << ": (markdown)\n";
          print_indented(out, text, indent + "  ");
        }
        break;
      }
      case MetadataValue::Kind::kTablePreview: {
        const TablePreview& preview = value.as_table_preview();
        out << indent << terminal_line(key) << ": (" << terminal_line(value.to_display_string()) << ")\n";
        TextTable table(preview.columns);
        for (const auto& row : preview.rows) {
          std::vector<std::string> cells;
          for (const auto& cell : row) cells.push_back(shorten(cell, 40));
          table.add(std::move(cells));
        }
        table.print(out, indent + "  ");
        break;
      }
      default:
        out << indent << terminal_line(key) << ": " << terminal_line(value.to_display_string()) << '\n';
    }
  }
}

}  // namespace strata::cli
