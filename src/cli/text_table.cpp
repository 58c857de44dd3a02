#include "text_table.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <ctime>

#include "terminal_text.hpp"

namespace strata::cli {

size_t display_width(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++width;  // count lead bytes only
  }
  return width;
}

std::string shorten(const std::string& text, size_t width) {
  if (display_width(text) <= width || width == 0) return text;
  std::string out;
  size_t seen = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if ((c & 0xC0) != 0x80 && ++seen == width) break;
    out += text[i];
  }
  return out + "…";
}

void TextTable::print(std::ostream& out, const std::string& indent) const {
  // Cells are data: escaped to one line each before they are measured.
  auto escaped = [](const std::vector<std::string>& row) {
    std::vector<std::string> cells;
    for (const auto& cell : row) cells.push_back(terminal_line(cell));
    return cells;
  };
  std::vector<std::string> header = escaped(header_);
  std::vector<std::vector<std::string>> rows;
  for (const auto& row : rows_) rows.push_back(escaped(row));
  std::vector<size_t> widths(header_.size());
  auto measure = [&](const std::vector<std::string>& row) {
    if (widths.size() < row.size()) widths.resize(row.size());
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], display_width(row[i]));
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line = indent;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line += std::string(widths[i] - display_width(row[i]) + 2, ' ');
    }
    out << line << '\n';
  };
  if (!header.empty()) print_row(header);
  for (const auto& row : rows) print_row(row);
}

std::string format_time(int64_t unix_us) {
  if (unix_us <= 0) return "-";
  std::time_t seconds = static_cast<std::time_t>(unix_us / 1000000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &local);
  return text;
}

std::string format_duration_us(int64_t us) {
  if (us < 1000) return fmt::format("{} us", us);
  if (us < 1000000) return fmt::format("{:.1f} ms", static_cast<double>(us) / 1e3);
  if (us < 60000000) return fmt::format("{:.2f} s", static_cast<double>(us) / 1e6);
  int64_t seconds = us / 1000000;
  return fmt::format("{}m {:02}s", seconds / 60, seconds % 60);
}

}  // namespace strata::cli
