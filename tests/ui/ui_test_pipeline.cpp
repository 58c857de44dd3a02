// The program the browser tests (ui/tests/browser.mjs) drive besides the Hacker News example:
//   hostile  metadata, description and logs full of HTML, <script> and javascript: links, which the
//            UI must show as text and never run;
//   slow     logs a line every 50 ms until the file named by $UI_TEST_RELEASE exists or the run is
//            canceled, so a test sees logs arrive live and can cancel a running run;
//   daily    partitioned by day, for the partitions health bar and the backfill launcher.
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <strata/cli/run_cli.hpp>
#include <strata/strata.hpp>

namespace s = strata;

namespace {

constexpr const char* kHostileMarkdown =
    "# Notes <script>window.__xss = 'markdown script'</script>\n\n"
    "<img src=x onerror=\"window.__xss = 'img onerror'\">\n\n"
    "[click me](javascript:window.__xss='link') and [safe](https://example.com/docs)\n\n"
    "![pixel](javascript:window.__xss='image')\n\n"
    "| col <b>1</b> | col 2 |\n| --- | --- |\n| <script>window.__xss='cell'</script> | `code` |\n";

bool released() {
  const char* path = std::getenv("UI_TEST_RELEASE");
  return path != nullptr && std::filesystem::exists(path);
}

}  // namespace

int main(int argc, char** argv) {
  auto hostile = s::asset(
      "hostile",
      {.group = "hostile",
       .description = "<script>window.__xss = 'description'</script> An asset whose metadata tries to inject HTML."},
      [](s::AssetContext& ctx) {
        ctx.log().info("<script>window.__xss = 'log'</script> logged <b>markup</b>");
        ctx.add_output_metadata({{"notes", s::MetadataValue::markdown(kHostileMarkdown)},
                                 {"link", s::MetadataValue::url("javascript:window.__xss='url'")},
                                 {"label", "<b>bold?</b><script>window.__xss = 'text'</script>"},
                                 {"rows", int64_t{3}}});
        return int64_t{1};
      });
  auto slow = s::asset("slow", {.group = "live"}, [](s::AssetContext& ctx) {
    int64_t ticks = 0;
    while (!released()) {
      ctx.log().info("tick " + std::to_string(++ticks));
      if (ctx.wait_unless_canceled(std::chrono::milliseconds(50))) break;
    }
    ctx.check_canceled();
    ctx.add_output_metadata({{"ticks", ticks}});
    return ticks;
  });
  auto daily =
      s::asset("daily", {.group = "live", .partitions = s::daily_partitions("2024-01-01", {.end = "2024-04-01"})},
               [](s::AssetContext& ctx) { return ctx.partition_key(); });
  s::Definitions defs({.assets = {hostile, slow, daily},
                       .jobs = {s::define_asset_job("slow_job", s::AssetSelection::parse("slow"))},
                       .resources = {{"io_manager", s::FilesystemIOManager({.base_dir = "data"})}}});
  return s::run_cli(defs, argc, argv);
}
