// The Hacker News pipeline's own logic, apart from Strata: Hacker News items as an Arrow table,
// the seed's title word count, and the chart of the counts as markdown.
#pragma once

#include <arrow/api.h>

#include <cstdint>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace hackernews {

// Items (API JSON objects) as a table: id, type, by, time (timestamp, seconds), title, url, text,
// score, descendants. Fields an item lacks are null; items that are null (deleted) are skipped.
std::shared_ptr<arrow::Table> items_to_table(const std::vector<nlohmann::json>& items);

// The seed's count: titles lowercased, split on whitespace, punctuation stripped from both ends,
// stopwords and empty words dropped; the `top` most frequent (ties: first seen first).
std::vector<std::pair<std::string, int64_t>> most_frequent_words(const arrow::Table& stories, size_t top = 25);

// `![Top 25 Words in Hacker News Titles](data:image/png;base64,...)` with a bar chart of `counts`.
std::string bar_chart_markdown(const std::vector<std::pair<std::string, int64_t>>& counts, bool* has_text = nullptr);

}  // namespace hackernews
