// The Hacker News pipeline of the documentation's tutorial, on Strata:
//
//   topstory_ids         ids of the 100 top stories            filesystem: data/topstory_ids
//     └─ topstories           the stories as an Arrow table      DuckDB: analytics.hackernews, table
//     hackernews.topstories
//          └─ most_frequent_words  the 25 most frequent title words  filesystem: data/most_frequent_words
//
// Items come through the hackernews_api resource: by default from the snapshot shipped with the
// example, served on loopback; `--config examples/hackernews/live.yaml` points it at the live API.
//
//   build/bin/hackernews materialize --select '*'
//   build/bin/hackernews asset show most_frequent_words
//   build/bin/hackernews daemon        # runs the hourly hackernews_schedule (Ctrl-C stops it)
//   build/bin/hackernews --help
#include <map>
#include <strata/arrow/table.hpp>
#include <strata/cli/run_cli.hpp>
#include <strata/duckdb/duckdb_io_manager.hpp>
#include <strata/strata.hpp>

#include "hackernews_api.hpp"
#include "pipeline.hpp"

namespace s = strata;
using hackernews::HackerNewsApi;

namespace {

constexpr size_t kTopStories = 100;

s::Definitions make_definitions() {
  auto topstory_ids = s::asset("topstory_ids",
                               {.group = "hackernews",
                                .description = "Ids of the current top 100 Hacker News stories",
                                .required_resource_keys = {"hackernews_api"}},
                               [](s::AssetContext& ctx) {
                                 std::vector<int64_t> ids =
                                     ctx.resources().get<HackerNewsApi>("hackernews_api").top_story_ids();
                                 if (ids.size() > kTopStories) ids.resize(kTopStories);
                                 ctx.add_output_metadata({{"num_ids", ids.size()}});
                                 return ids;
                               });

  auto topstories = s::asset("topstories",
                             {.ins = {"topstory_ids"},
                              .group = "hackernews",
                              .description = "The top stories' items, as a table",
                              .io_manager_key = "database_io_manager",
                              .required_resource_keys = {"hackernews_api"}},
                             [](s::AssetContext& ctx, const std::vector<int64_t>& ids) -> s::ArrowTable {
                               const auto& api = ctx.resources().get<HackerNewsApi>("hackernews_api");
                               std::vector<nlohmann::json> results;
                               for (int64_t id : ids) {
                                 results.push_back(api.item(id));
                                 if (results.size() % 20 == 0)
                                   ctx.log().info("Got " + std::to_string(results.size()) + " items so far.");
                               }
                               s::ArrowTable table = hackernews::items_to_table(results);
                               ctx.add_output_metadata({{"num_records", table->num_rows()},
                                                        {"preview", s::markdown(s::markdown_preview(*table, 5))}});
                               return table;
                             });

  auto most_frequent_words = s::asset(
      "most_frequent_words",
      {.ins = {"topstories"},
       .group = "hackernews",
       .description = "The 25 most frequent words in the top stories' titles (stopwords removed)"},
      [](s::AssetContext& ctx, const s::ArrowTable& stories) {
        auto ranked = hackernews::most_frequent_words(*stories, 25);
        bool has_text = false;
        std::string plot = hackernews::bar_chart_markdown(ranked, &has_text);
        if (!has_text) ctx.log().warning("no font for the chart's labels (install fonts-dejavu-core)");
        ctx.add_output_metadata({{"plot", s::markdown(plot)}, {"top_word", ranked.empty() ? "" : ranked[0].first}});
        return std::map<std::string, int64_t>(ranked.begin(), ranked.end());
      });

  return s::Definitions({
      .assets = {topstory_ids, topstories, most_frequent_words},
      .jobs = {s::define_asset_job("hackernews_job", s::AssetSelection::all(),
                                   {.description = "Fetch the top stories and count their title words"})},
      // Hourly, running as soon as a daemon runs (`hackernews daemon`); `schedule stop` stops it.
      .schedules = {{.name = "hackernews_schedule",
                     .job_name = "hackernews_job",
                     .cron_schedule = "0 * * * *",
                     .default_status = s::InstigatorStatus::kRunning}},
      // Notifies (here: a line on the sensor's tick) when a run of the job succeeds.
      .sensors = {s::run_status_sensor(
          "hackernews_job_succeeded", "hackernews_job", false,
          {.minimum_interval = std::chrono::seconds(1), .default_status = s::InstigatorStatus::kRunning},
          [](const s::SensorContext& ctx) {
            std::string runs;
            for (const auto& event : ctx.events) runs += " " + event.run_id;
            return s::TickResult::skip("notified: hackernews_job succeeded (run" + runs + ")");
          })},
      .resources = {{"io_manager", s::FilesystemIOManager({.base_dir = "data"})},
                    {"database_io_manager",
                     s::DuckDBIOManager({.database = "analytics.hackernews", .schema = "hackernews"})},
                    {"hackernews_api", HackerNewsApi{}}},
  });
}

}  // namespace

int main(int argc, char** argv) { return s::run_cli(make_definitions, argc, argv); }
