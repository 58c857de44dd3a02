// The Hacker News example's own logic: the seed's word count, the chart, the items table, and the
// snapshot server answering the HTTP client exactly as the API would.
#include <gtest/gtest.h>

#include <cstring>

#include "bar_chart.hpp"
#include "hackernews_api.hpp"
#include "pipeline.hpp"
#include "snapshot_server.hpp"
#include "strata/core/util/error.hpp"

namespace hn = hackernews;

namespace {

std::shared_ptr<arrow::Table> stories(const std::vector<std::string>& titles) {
  std::vector<nlohmann::json> items;
  int64_t id = 1;
  for (const auto& title : titles) items.push_back({{"id", id++}, {"type", "story"}, {"title", title}});
  return hn::items_to_table(items);
}

TEST(HackerNewsPipeline, WordCountFollowsTheSeed) {
  auto table = stories({"Show HN: The Rust book (2nd edition)", "Rust is fast; Rust is safe!", "A show of hands",
                        "\"Quoted\" words - and dashes"});
  auto counts = hn::most_frequent_words(*table, 25);
  // Lowercased, punctuation stripped at both ends, stopwords (a, the, is, of, and) and "-" dropped.
  ASSERT_GE(counts.size(), 3u);
  EXPECT_EQ(counts[0], (std::pair<std::string, int64_t>{"rust", 3}));
  EXPECT_EQ(counts[1], (std::pair<std::string, int64_t>{"show", 2}));
  for (const auto& [word, count] : counts) {
    EXPECT_TRUE(word != "the" && word != "is" && word != "a" && word != "of" && word != "and" && !word.empty()) << word;
    EXPECT_EQ(word.find_first_of(".,-!?:;()[]'\""), std::string::npos) << word;
  }
  // Ties keep the order in which words were first seen; the list is cut at `top`.
  auto top2 = hn::most_frequent_words(*stories({"beta alpha", "gamma"}), 2);
  EXPECT_EQ(top2, (std::vector<std::pair<std::string, int64_t>>{{"beta", 1}, {"alpha", 1}}));
}

TEST(HackerNewsPipeline, ItemsTableHasTheApiFieldsWithNullsForMissingOnes) {
  std::vector<nlohmann::json> items = {
      {{"id", 1}, {"type", "story"}, {"by", "pg"}, {"time", 1573504106}, {"title", "T"}, {"url", "u"}, {"score", 3}},
      {{"id", 2}, {"type", "job"}, {"title", "Hiring"}},
      nullptr};  // a deleted item: the API answers null
  auto table = hn::items_to_table(items);
  EXPECT_EQ(table->num_rows(), 2);
  EXPECT_EQ(table->schema()->field_names(),
            (std::vector<std::string>{"id", "type", "by", "time", "title", "url", "text", "score", "descendants"}));
  EXPECT_EQ(table->GetColumnByName("url")->null_count(), 1);
  EXPECT_EQ(table->GetColumnByName("descendants")->null_count(), 2);
}

TEST(HackerNewsPipeline, ChartIsAPngOfTheRequestedSize) {
  hn::Chart chart = hn::draw_bar_chart({{"rust", 3}, {"show", 2}}, {.width = 400, .height = 300, .title = "Top"});
  ASSERT_GT(chart.png.size(), 24u);
  EXPECT_EQ(chart.png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  auto be32 = [&](size_t at) {
    const auto* b = reinterpret_cast<const unsigned char*>(chart.png.data() + at);
    return (b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3];
  };
  EXPECT_EQ(be32(16), 400);  // IHDR width
  EXPECT_EQ(be32(20), 300);  // IHDR height
  EXPECT_TRUE(chart.has_text) << "DejaVu Sans (fonts-dejavu-core) is installed by the setup script";
  std::string markdown = hn::bar_chart_markdown({{"rust", 3}});
  EXPECT_EQ(markdown.rfind("![Top 1 Words in Hacker News Titles](data:image/png;base64,iVBORw0KGgo", 0), 0u);
}

TEST(HackerNewsPipeline, Base64) {
  EXPECT_EQ(hn::base64_encode(""), "");
  EXPECT_EQ(hn::base64_encode("f"), "Zg==");
  EXPECT_EQ(hn::base64_encode("fo"), "Zm8=");
  EXPECT_EQ(hn::base64_encode("foo"), "Zm9v");
  EXPECT_EQ(hn::base64_encode("foobar"), "Zm9vYmFy");
}

TEST(HackerNewsPipeline, ClientReadsTheSnapshotServerLikeTheApi) {
  hn::HackerNewsApi api;  // base_url empty: the shipped snapshot on loopback
  strata::InitContext init;
  api.setup(init);
  EXPECT_EQ(api.effective_url().rfind("http://127.0.0.1:", 0), 0u) << api.effective_url();
  auto ids = api.top_story_ids();
  ASSERT_EQ(ids.size(), 200u);
  EXPECT_EQ(ids.front(), 21508542);
  auto item = api.item(ids.front());
  EXPECT_EQ(item["by"], "itamarst");
  EXPECT_EQ(item["title"], "When your data doesn\u2019t fit in memory: the basic techniques");
  std::string missing = [&] {
    try {
      api.item(1);
    } catch (const strata::Error& e) {
      return std::string(e.what());
    }
    return std::string();
  }();
  EXPECT_NE(missing.find("/v0/item/1.json answered HTTP 404"), std::string::npos) << missing;
  api.teardown();
}

TEST(HackerNewsPipeline, ClientNamesTheUrlWhenTheServerIsUnreachable) {
  int port = 0;
  {
    hn::SnapshotServer server("");  // take a free port, then close it
    port = server.port();
  }
  hn::HackerNewsApi api;
  api.base_url = "http://127.0.0.1:" + std::to_string(port) + "/v0";
  strata::InitContext init;
  api.setup(init);
  try {
    api.top_story_ids();
    FAIL() << "expected an error";
  } catch (const strata::Error& e) {
    EXPECT_NE(std::string(e.what()).find("GET http://127.0.0.1:" + std::to_string(port) + "/v0/topstories.json failed"),
              std::string::npos)
        << e.what();
  }
  api.teardown();
}

}  // namespace
