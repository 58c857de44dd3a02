// Browser tests of the web UI against real Strata programs (see tests/ui/CMakeLists.txt):
//   node ui/tests/browser.mjs --hackernews BIN --pipeline BIN --screenshots DIR
// Each check prints "ok - name" or "not ok - name: why"; the exit code is 1 when any failed.
// A screenshot of every page goes to DIR (the test's artifact).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli, launchBrowser, parseArgs, requireChromium, startUi, tempDir } from "./harness.mjs";

const args = parseArgs(process.argv.slice(2));
if (!args.hackernews || !args.pipeline || !args.screenshots) {
  console.error("usage: node browser.mjs --hackernews BIN --pipeline BIN --screenshots DIR");
  process.exit(2);
}
requireChromium();
mkdirSync(args.screenshots, { recursive: true });

const failures = [];
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures.push(name);
    console.log(`not ok - ${name}: ${(e?.message ?? String(e)).split("\n").slice(0, 6).join("\n    ")}`);
  }
}
function expect(condition, message) {
  if (!condition) throw new Error(message);
}

const work = tempDir("strata-ui-test-");
const servers = [];
const browser = await launchBrowser();
const page = await browser.context.newPage();
page.setDefaultTimeout(20_000);
const consoleErrors = [];
page.on("pageerror", (e) => consoleErrors.push(String(e)));
page.on("dialog", (d) => {
  consoleErrors.push(`a dialog opened: ${d.message()}`);
  d.dismiss();
});
const shot = (name) => page.screenshot({ path: join(args.screenshots, `${name}.png`), fullPage: false });
const api = async (base, path) => (await fetch(`${base}/api/v1${path}`)).json();

try {
  // ---- The Hacker News example after `materialize --select '*'` --------------------------------
  const hn = join(work.dir, "hackernews");
  mkdirSync(hn);
  const hnEnv = { STRATA_HOME: join(hn, ".strata") };
  cli(args.hackernews, ["materialize", "--select", "*"], hn, hnEnv);
  const hnUi = await startUi(args.hackernews, hn, hnEnv);
  servers.push(hnUi);
  const base = hnUi.url;

  await check("graph shows the three assets and their edges", async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector("canvas.graph-canvas[data-ready]");
    const nodes = await page.$$eval("li[data-key]", (items) =>
      Object.fromEntries(
        items.map((li) => [li.dataset.key, { up: li.dataset.upstream, status: li.dataset.status }]),
      ),
    );
    expect(
      Object.keys(nodes).sort().join(",") === "most_frequent_words,topstories,topstory_ids",
      JSON.stringify(nodes),
    );
    expect(nodes.topstories.up === "topstory_ids", `topstories upstream: ${nodes.topstories.up}`);
    expect(
      nodes.most_frequent_words.up === "topstories",
      `most_frequent_words upstream: ${nodes.most_frequent_words.up}`,
    );
    expect(
      Object.values(nodes).every((n) => n.status === "fresh"),
      `statuses: ${JSON.stringify(nodes)}`,
    );
    expect((await page.getAttribute("canvas.graph-canvas", "data-edges")) === "2", "canvas draws 2 edges");
    // Drawn: the canvas has pixels in the fresh colour where most_frequent_words is.
    const drawn = await page.evaluate(() => {
      const g = window.strataGraph;
      const p = g.screenPosition("most_frequent_words");
      const ratio = window.devicePixelRatio || 1;
      const data = g.canvas
        .getContext("2d")
        .getImageData(Math.round(p.x * ratio), Math.round(p.y * ratio), 1, 1).data;
      return Array.from(data);
    });
    expect(drawn[3] === 255, `no pixel drawn at the node: ${drawn}`);
    await shot("graph");
  });

  await check("graph in dark mode", async () => {
    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${base}/`);
    await page.waitForSelector("canvas.graph-canvas[data-ready]");
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg !== "rgb(246, 247, 249)", `dark background expected, got ${bg}`);
    await shot("graph-dark");
    await page.emulateMedia({ colorScheme: "light" });
  });

  await check("asset catalog lists the assets with group and I/O manager", async () => {
    await page.goto(`${base}/assets`);
    await page.waitForSelector("table.list tbody tr");
    const rows = await page.$$eval("table.list tbody tr", (trs) => trs.map((tr) => tr.textContent));
    expect(rows.length === 3, `rows: ${rows.length}`);
    await page.fill("input[name=q]", "words");
    await page.waitForFunction(() => document.querySelectorAll("table.list tbody tr").length === 1);
    await page.fill("input[name=q]", "");
    await shot("catalog");
  });

  await check("most_frequent_words shows its bar chart", async () => {
    await page.goto(`${base}/assets/most_frequent_words`);
    const img = await page.waitForSelector("dd[data-label=plot] img");
    await page.waitForFunction((el) => el.complete && el.naturalWidth > 0, img);
    const box = await img.boundingBox();
    expect(box && box.width > 100 && box.height > 50, `chart box ${JSON.stringify(box)}`);
    expect(await img.isVisible(), "chart not visible");
    const src = await img.getAttribute("src");
    expect(src.startsWith("data:image/png;base64,"), "chart is the embedded PNG");
    await img.scrollIntoViewIfNeeded();
    await shot("asset-most_frequent_words");
  });

  await check("topstories shows its preview table and numeric history", async () => {
    await page.goto(`${base}/assets/topstories`);
    await page.waitForSelector("dd[data-label=preview] table td");
    await page.waitForSelector(".plots-slot figure, .plots-slot .empty");
    await shot("asset-topstories");
  });

  let launchedRun = "";
  await check("Materialize from the graph creates a run", async () => {
    await page.goto(`${base}/`);
    await page.waitForSelector("canvas.graph-canvas[data-ready]");
    const p = await page.evaluate(() => window.strataGraph.screenPosition("topstory_ids"));
    const box = await page.locator("canvas.graph-canvas").boundingBox();
    await page.mouse.click(box.x + p.x, box.y + p.y);
    await page.waitForSelector(".selected-list a");
    expect((await page.textContent(".selected-list")).includes("topstory_ids"), "topstory_ids selected");
    await page.click("button:has-text('Materialize')");
    await page.waitForSelector("dialog[open]");
    await shot("materialize-dialog");
    await page.click("dialog button:has-text('Launch run')");
    await page.waitForURL(/\/runs\/[^/]+$/);
    launchedRun = decodeURIComponent(page.url().split("/runs/")[1]);
    const runs = await api(base, "/runs");
    expect(
      runs.runs.some((r) => r.run_id === launchedRun),
      `run ${launchedRun} not in /api/v1/runs`,
    );
    await page.waitForSelector(".run-summary .badge.status-success", { timeout: 60_000 });
    await page.waitForSelector("tr[data-event] >> text=STEP_SUCCESS");
    await shot("run");
  });

  await check("runs list shows the runs and filters by status", async () => {
    await page.goto(`${base}/runs`);
    await page.waitForSelector("tr[data-run]");
    const n = await page.$$eval("tr[data-run]", (r) => r.length);
    expect(n >= 2, `runs listed: ${n}`);
    await page.selectOption("select[name=status]", "FAILURE");
    await page.click("form.toolbar button[type=submit]");
    await page.waitForSelector("p.empty");
    await page.selectOption("select[name=status]", "");
    await page.click("form.toolbar button[type=submit]");
    await page.waitForSelector("tr[data-run]");
    await shot("runs");
  });

  for (const [path, name, selector] of [
    ["/jobs", "jobs", "main h1"],
    ["/automation", "schedules-sensors", "main section"],
    ["/backfills", "backfills", "main h1"],
    ["/instance", "instance", "dl.definition"],
  ]) {
    await check(`${name} page renders`, async () => {
      await page.goto(`${base}${path}`);
      await page.waitForSelector(selector);
      await page.waitForFunction(() => !document.querySelector("main .loading"));
      const errors = await page.$$eval("main .error", (e) => e.map((x) => x.textContent));
      expect(errors.length === 0, `errors on ${path}: ${errors.join("; ")}`);
      await shot(name);
    });
  }

  await check("an unknown page says so", async () => {
    await page.goto(`${base}/no/such/page`);
    await page.waitForSelector("text=Page not found");
  });

  // ---- The test pipeline: hostile metadata, a slow run to watch and cancel, partitions --------
  const tp = join(work.dir, "pipeline");
  mkdirSync(tp);
  const release = join(work.dir, "release");
  const tpEnv = { STRATA_HOME: join(tp, ".strata"), UI_TEST_RELEASE: release };
  cli(args.pipeline, ["materialize", "--select", "hostile"], tp, tpEnv);
  cli(args.pipeline, ["materialize", "--select", "daily", "--partition", "2024-01-05"], tp, tpEnv);
  cli(
    args.pipeline,
    ["backfill", "--select", "daily", "--from", "2024-01-10", "--to", "2024-01-12"],
    tp,
    tpEnv,
  );
  const tpUi = await startUi(args.pipeline, tp, tpEnv);
  servers.push(tpUi);
  const tbase = tpUi.url;

  await check("XSS: script tags and javascript: links in metadata are shown as text", async () => {
    await page.goto(`${tbase}/assets/hostile`);
    await page.waitForSelector("dd[data-label=notes] .markdown");
    const result = await page.evaluate(() => ({
      xss: window.__xss ?? null,
      scripts: document.querySelectorAll("main script").length,
      jsLinks: Array.from(document.querySelectorAll("a")).filter((a) =>
        /^\s*javascript:/i.test(a.getAttribute("href") ?? ""),
      ).length,
      jsImages: Array.from(document.querySelectorAll("img")).filter(
        (i) => !/^(data:image\/|https?:)/.test(i.getAttribute("src") ?? ""),
      ).length,
      notes: document.querySelector("dd[data-label=notes]").textContent,
      link: document.querySelector("dd[data-label=link]").textContent,
      label: document.querySelector("dd[data-label=label]").textContent,
      description: document.querySelector("section.description")?.textContent ?? "",
      safeLink: document.querySelector("dd[data-label=notes] a")?.getAttribute("href") ?? null,
    }));
    expect(result.xss === null, `injected code ran: ${result.xss}`);
    expect(result.scripts === 0, `script elements in the page: ${result.scripts}`);
    expect(
      result.jsLinks === 0 && result.jsImages === 0,
      `javascript: links ${result.jsLinks}, images ${result.jsImages}`,
    );
    expect(
      result.notes.includes("<script>window.__xss = 'markdown script'</script>"),
      `notes text: ${result.notes}`,
    );
    expect(
      result.notes.includes("[click me](javascript:window.__xss='link')"),
      "the javascript: link shown as text",
    );
    expect(result.link.includes("javascript:window.__xss='url'"), `url text: ${result.link}`);
    expect(result.label.includes("<script>"), `label text: ${result.label}`);
    expect(result.description.includes("<script>"), `description text: ${result.description}`);
    expect(result.safeLink === "https://example.com/docs", `the https link kept: ${result.safeLink}`);
    await shot("xss-hostile-asset");
  });

  await check("XSS: log messages with markup are shown as text", async () => {
    const runs = await api(tbase, "/runs?limit=10");
    const hostileRun = runs.runs.find((r) => (r.selection ?? "").includes("hostile")) ?? runs.runs.at(-1);
    await page.goto(`${tbase}/runs/${encodeURIComponent(hostileRun.run_id)}`);
    await page.waitForSelector("td.message >> text=logged <b>markup</b>");
    expect((await page.evaluate(() => window.__xss ?? null)) === null, "log markup ran");
    expect((await page.$$("td.message b")).length === 0, "markup became elements");
  });

  await check("partitions health bar and backfill launcher", async () => {
    await page.goto(`${tbase}/assets/daily`);
    await page.waitForSelector("canvas.partitions-bar[data-ready]");
    const label = await page.getAttribute("canvas.partitions-bar", "aria-label");
    expect(/^91 partitions: 4 materialized/.test(label), `bar label: ${label}`);
    expect(
      (await page.inputValue("input[name=first]")) === "2024-01-01",
      "range starts at the first partition",
    );
    await shot("asset-partitions");
  });

  await check("a backfill launched from the partitions bar runs", async () => {
    await page.goto(`${tbase}/assets/daily`);
    await page.waitForSelector("canvas.partitions-bar[data-ready]");
    await page.fill("input[name=first]", "2024-02-01");
    await page.fill("input[name=last]", "2024-02-02");
    await page.click("button:has-text('Launch backfill')");
    await page.waitForURL(/\/backfills$/);
    await page.waitForSelector("table.list tbody tr:has-text('2024-02-01')");
    const list = await api(tbase, "/backfills");
    const launched = list.backfills.find((b) => b.first === "2024-02-01" && b.last === "2024-02-02");
    expect(launched && launched.partition_count === 2, `backfills: ${JSON.stringify(list.backfills)}`);
  });

  await check("backfills page lists the CLI's backfill", async () => {
    await page.goto(`${tbase}/backfills`);
    await page.waitForSelector("table.list tbody tr");
    const text = await page.textContent("table.list tbody");
    expect(text.includes("2024-01-10") && text.includes("completed"), `backfills: ${text}`);
    await shot("backfills");
  });

  await check("a run's logs appear live while it runs, and cancel works", async () => {
    await page.goto(`${tbase}/jobs`);
    await page.click("tr:has-text('slow_job') button:has-text('Launch')");
    await page.waitForURL(/\/runs\/[^/]+$/);
    const runId = decodeURIComponent(page.url().split("/runs/")[1]);
    await page.waitForSelector("td.message >> text=tick 2", { timeout: 60_000 });
    const before = await page.$$eval(
      "td.message",
      (tds) => tds.filter((t) => /^tick \d+$/.test(t.textContent)).length,
    );
    // More ticks arrive without reloading: the page's own rows grow.
    await page.waitForFunction(
      (n) =>
        Array.from(document.querySelectorAll("td.message")).filter((t) => /^tick \d+$/.test(t.textContent))
          .length >=
        n + 3,
      before,
    );
    expect((await page.textContent(".live")).includes("live"), "stream connected");
    await page.waitForSelector(".gantt-row[data-status=running]");
    await shot("run-live-logs");
    await page.click("button:has-text('Cancel run')");
    await page.waitForSelector(".run-summary .badge.status-canceled", { timeout: 60_000 });
    const run = await api(tbase, `/runs/${encodeURIComponent(runId)}`);
    expect(run.status === "CANCELED", `run status ${run.status}`);
    await shot("run-canceled");
  });

  await check("no script errors on any page", async () => {
    expect(consoleErrors.length === 0, consoleErrors.join("\n"));
  });
} catch (e) {
  failures.push("setup");
  console.log(`not ok - setup: ${e?.stack ?? e}`);
} finally {
  writeFileSync(join(work.dir, "release"), "");
  await browser.close();
  for (const s of servers) await s.stop();
  work.remove();
}
console.log(
  failures.length
    ? `${failures.length} check(s) failed: ${failures.join(", ")}`
    : "all browser checks passed",
);
process.exit(failures.length ? 1 : 0);
