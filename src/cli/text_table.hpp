// TextTable: rows of cells printed as left-aligned columns separated by two spaces, with an
// optional header row — how the command line prints lists (assets, runs, history).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace strata::cli {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> header = {}) : header_(std::move(header)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  bool empty() const { return rows_.empty(); }
  // Writes every row, each prefixed with `indent`. Cells are measured in UTF-8 code points.
  void print(std::ostream& out, const std::string& indent = "") const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
};

// Display width of UTF-8 text in code points (good enough for names and numbers).
size_t display_width(const std::string& text);
// `text` cut to `width` code points, ending in "…" when cut.
std::string shorten(const std::string& text, size_t width);

// "2026-11-22 10:03:12" in local time, from microseconds since the Unix epoch.
std::string format_time(int64_t unix_us);
// "850 us", "12.3 ms", "4.56 s", "2m 03s".
std::string format_duration_us(int64_t us);

}  // namespace strata::cli
