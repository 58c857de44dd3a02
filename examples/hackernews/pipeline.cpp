#include "pipeline.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "bar_chart.hpp"

namespace hackernews {
namespace {

void check(const arrow::Status& status) {
  if (!status.ok()) throw std::runtime_error("building the items table: " + status.ToString());
}

void append_string(arrow::StringBuilder& builder, const nlohmann::json& item, const char* field) {
  auto it = item.find(field);
  if (it != item.end() && it->is_string()) {
    check(builder.Append(it->get<std::string>()));
  } else {
    check(builder.AppendNull());
  }
}

template <class Builder>
void append_int(Builder& builder, const nlohmann::json& item, const char* field) {
  auto it = item.find(field);
  if (it != item.end() && it->is_number_integer()) {
    check(builder.Append(it->get<int64_t>()));
  } else {
    check(builder.AppendNull());
  }
}

template <class Builder>
std::shared_ptr<arrow::Array> finish(Builder& builder) {
  auto result = builder.Finish();
  check(result.status());
  return *result;
}

}  // namespace

std::shared_ptr<arrow::Table> items_to_table(const std::vector<nlohmann::json>& items) {
  arrow::Int64Builder id, score, descendants;
  arrow::StringBuilder type, by, title, url, text;
  arrow::TimestampBuilder time(arrow::timestamp(arrow::TimeUnit::SECOND), arrow::default_memory_pool());
  for (const auto& item : items) {
    if (!item.is_object()) continue;
    append_int(id, item, "id");
    append_string(type, item, "type");
    append_string(by, item, "by");
    append_int(time, item, "time");
    append_string(title, item, "title");
    append_string(url, item, "url");
    append_string(text, item, "text");
    append_int(score, item, "score");
    append_int(descendants, item, "descendants");
  }
  auto schema = arrow::schema(
      {arrow::field("id", arrow::int64()), arrow::field("type", arrow::utf8()), arrow::field("by", arrow::utf8()),
       arrow::field("time", arrow::timestamp(arrow::TimeUnit::SECOND)), arrow::field("title", arrow::utf8()),
       arrow::field("url", arrow::utf8()), arrow::field("text", arrow::utf8()), arrow::field("score", arrow::int64()),
       arrow::field("descendants", arrow::int64())});
  return arrow::Table::Make(schema, {finish(id), finish(type), finish(by), finish(time), finish(title), finish(url),
                                     finish(text), finish(score), finish(descendants)});
}

std::vector<std::pair<std::string, int64_t>> most_frequent_words(const arrow::Table& stories, size_t top) {
  static const std::vector<std::string> kStopwords = {"a",   "the", "an",   "of", "to", "in",
                                                      "for", "and", "with", "on", "is"};
  static const std::string kStrip = ".,-!?:;()[]'\"";
  auto column = stories.GetColumnByName("title");
  if (!column) throw std::runtime_error("topstories has no 'title' column");

  std::unordered_map<std::string, size_t> index;  // word -> position in counts
  std::vector<std::pair<std::string, int64_t>> counts;
  for (const auto& chunk : column->chunks()) {
    const auto& titles = static_cast<const arrow::StringArray&>(*chunk);
    for (int64_t row = 0; row < titles.length(); ++row) {
      if (titles.IsNull(row)) continue;
      std::string title(titles.GetView(row));
      std::transform(title.begin(), title.end(), title.begin(), [](unsigned char c) { return std::tolower(c); });
      std::istringstream words(title);
      std::string word;
      while (words >> word) {
        size_t first = word.find_first_not_of(kStrip);
        if (first == std::string::npos) continue;
        word = word.substr(first, word.find_last_not_of(kStrip) - first + 1);
        if (std::find(kStopwords.begin(), kStopwords.end(), word) != kStopwords.end()) continue;
        auto [it, inserted] = index.emplace(word, counts.size());
        if (inserted) counts.emplace_back(word, 0);
        ++counts[it->second].second;
      }
    }
  }
  std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  if (counts.size() > top) counts.resize(top);
  return counts;
}

std::string bar_chart_markdown(const std::vector<std::pair<std::string, int64_t>>& counts, bool* has_text) {
  std::vector<Bar> bars;
  for (const auto& [word, count] : counts) bars.push_back({word, count});
  ChartOptions options;
  options.title = "Top " + std::to_string(counts.size()) + " Words in Hacker News Titles";
  Chart chart = draw_bar_chart(bars, options);
  if (has_text) *has_text = chart.has_text;
  return "![" + options.title + "](data:image/png;base64," + base64_encode(chart.png) + ")";
}

}  // namespace hackernews
