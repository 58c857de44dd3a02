// Jobs, schedules and sensors, backfills and the instance: tables of what the API returns, with
// launching, start/stop and cancel where the API offers them.

import { get, post } from "../api";
import { debounce, empty, errorBox, fill, pageHeader } from "../components";
import { el, listTable, formatTime, link, statusBadge } from "../dom";
import { navigate } from "../router";
import { stream } from "../api";

type Row = Record<string, unknown>;

function str(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return typeof value === "string" ? value : `${value as number | boolean}`;
}

function cell(value: unknown): Node | string {
  if (value === null || value === undefined || value === "") return "—";
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return str(value);
  if (Array.isArray(value))
    return value.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join(", ");
  return el("code", {}, JSON.stringify(value));
}

function actionButton(label: string, path: string, after: () => void, cls = ""): HTMLButtonElement {
  const b = el("button", { type: "button", class: cls }, label);
  b.addEventListener("click", () => {
    b.disabled = true;
    post(path, {})
      .then(after)
      .catch((e: unknown) => {
        b.disabled = false;
        b.after(errorBox(e));
      });
  });
  return b;
}

export function jobsPage(root: HTMLElement): void {
  const body = el("div", {});
  root.append(pageHeader("Jobs"), body);
  fill(body, async () => {
    const r = await get<{ jobs: Row[] }>("/jobs");
    if (r.jobs.length === 0) return empty("This code location defines no jobs.");
    return listTable(
      ["Job", "Description", "Assets / ops", "Schedules", ""],
      el(
        "tbody",
        {},
        ...r.jobs.map((j) => {
          const name = str(j.name ?? "");
          const launch = el("button", { type: "button", class: "primary" }, "Launch");
          launch.addEventListener("click", () => {
            launch.disabled = true;
            post<{ run_id: string }>("/runs", { job: name })
              .then((x) => navigate(`/runs/${encodeURIComponent(x.run_id)}`))
              .catch((e: unknown) => launch.after(errorBox(e)));
          });
          return el(
            "tr",
            {},
            el("td", {}, link(`/runs?job=${encodeURIComponent(name)}`, name)),
            el("td", { class: "description" }, cell(j.description)),
            el("td", {}, cell(j.selection ?? j.assets ?? j.ops)),
            el("td", {}, cell(j.schedules)),
            el("td", {}, launch),
          );
        }),
      ),
    );
  });
}

function ticks(value: unknown): Node {
  if (!Array.isArray(value) || value.length === 0) return el("span", { class: "muted" }, "no ticks yet");
  return el(
    "ul",
    { class: "ticks" },
    ...(value as Row[])
      .slice(0, 10)
      .map((t) =>
        el(
          "li",
          {},
          formatTime(t.timestamp ?? t.time),
          " ",
          statusBadge(str(t.status ?? "")),
          t.run_id ? ` run ${str(t.run_id).slice(0, 8)}` : "",
          t.error ? ` ${cell(t.error) as string}` : "",
        ),
      ),
  );
}

function automationTable(kind: "schedules" | "sensors", rows: Row[], reload: () => void): Node {
  if (rows.length === 0) return empty(`No ${kind} defined (or the daemon does not report them yet).`);
  return listTable(
    ["Name", "State", kind === "schedules" ? "Cron" : "Interval", "Next tick", "Recent ticks", ""],
    el(
      "tbody",
      {},
      ...rows.map((s) => {
        const name = str(s.name ?? "");
        const running = /run|on|start/i.test(str(s.state ?? s.status ?? ""));
        return el(
          "tr",
          {},
          el("td", {}, name),
          el("td", {}, statusBadge(str(s.state ?? s.status ?? "unknown"))),
          el("td", {}, cell(s.cron ?? s.cron_schedule ?? s.interval ?? s.minimum_interval_seconds)),
          el("td", {}, s.next_tick ? formatTime(s.next_tick) : "—"),
          el("td", {}, ticks(s.ticks ?? s.tick_history)),
          el(
            "td",
            {},
            actionButton(
              running ? "Stop" : "Start",
              `/${kind}/${encodeURIComponent(name)}/${running ? "stop" : "start"}`,
              reload,
            ),
          ),
        );
      }),
    ),
  );
}

export function automationPage(root: HTMLElement): void {
  const schedules = el("div", {});
  const sensors = el("div", {});
  root.append(
    pageHeader("Schedules & sensors"),
    el("section", {}, el("h2", {}, "Schedules"), schedules),
    el("section", {}, el("h2", {}, "Sensors"), sensors),
  );
  const load = (): void => {
    void fill(schedules, async () =>
      automationTable("schedules", (await get<{ schedules: Row[] }>("/schedules")).schedules ?? [], load),
    );
    fill(sensors, async () =>
      automationTable("sensors", (await get<{ sensors: Row[] }>("/sensors")).sensors ?? [], load),
    );
  };
  load();
}

export function backfillsPage(root: HTMLElement): () => void {
  const body = el("div", {});
  root.append(pageHeader("Backfills"), body);
  const load = (): void =>
    void fill(body, async () => {
      const r = await get<{ backfills: Row[] }>("/backfills");
      if ((r.backfills ?? []).length === 0)
        return empty("No backfills yet. Launch one from an asset's partitions bar.");
      return listTable(
        ["Backfill", "Selection", "Range", "Status", "Progress", "Created", ""],
        el(
          "tbody",
          {},
          ...r.backfills.map((b) => {
            const id = str(b.backfill_id ?? b.id ?? "");
            const partitions = Number(b.partition_count ?? 0);
            const runs = Number(b.num_runs ?? 0);
            const done = Number(b.runs_succeeded ?? 0);
            const failed = Number(b.runs_failed ?? 0);
            const total = runs || partitions;
            const status = str(b.status ?? "");
            const pct = total > 0 ? Math.round(((done + failed) / total) * 100) : 0;
            return el(
              "tr",
              {},
              el("td", {}, el("code", {}, id.slice(0, 12))),
              el("td", {}, cell(b.selection)),
              el("td", {}, `${cell(b.first) as string} … ${cell(b.last) as string}`),
              el("td", {}, statusBadge(status)),
              el(
                "td",
                {},
                el("progress", { max: Math.max(total, 1), value: done + failed, "aria-label": `${pct}%` }),
                ` ${done + failed}/${total} runs done${failed ? `, ${failed} failed` : ""} · ${partitions} partitions`,
              ),
              el("td", {}, formatTime(b.create)),
              el(
                "td",
                {},
                /requested|running|started|in_progress/i.test(status)
                  ? actionButton("Cancel", `/backfills/${encodeURIComponent(id)}/cancel`, load, "danger")
                  : null,
              ),
            );
          }),
        ),
      );
    });
  load();
  const again = debounce(load, 1500);
  const handle = stream({}, (type) => {
    if (/run|backfill/i.test(type)) again();
  });
  return () => handle.close();
}

export function instancePage(root: HTMLElement): void {
  const body = el("div", {});
  root.append(pageHeader("Instance"), body);
  fill(body, async () => {
    const r = await get<{
      strata_home?: string;
      storage?: { kind?: string; location?: string };
      schema_version?: number | string;
      daemon?: { loops?: { name: string; last_heartbeat?: unknown; last_error?: unknown }[] };
      [k: string]: unknown;
    }>("/instance");
    const loops = r.daemon?.loops ?? [];
    return el(
      "div",
      {},
      el(
        "dl",
        { class: "definition" },
        el("dt", {}, "STRATA_HOME"),
        el("dd", {}, el("code", {}, r.strata_home ?? "—")),
        el("dt", {}, "Storage"),
        el("dd", {}, `${r.storage?.kind ?? "—"} `, el("code", {}, r.storage?.location ?? "")),
        el("dt", {}, "Schema version"),
        el("dd", {}, str(r.schema_version ?? "—")),
        el("dt", {}, "Runs launched here"),
        el("dd", {}, r.launch === "queue" ? "into the run queue" : "as background processes of this program"),
        el("dt", {}, "Definitions"),
        el("dd", {}, `${str(r.asset_count ?? "?")} assets, ${str(r.job_count ?? "?")} jobs`),
      ),
      el("h2", {}, "Daemon"),
      loops.length === 0
        ? el(
            "p",
            { class: "empty" },
            "No daemon heartbeat recorded: schedules, sensors and the run queue need ",
            el("code", {}, "dev"),
            " or ",
            el("code", {}, "daemon"),
            " running.",
          )
        : listTable(
            ["Loop", "Last heartbeat", "Last error"],
            el(
              "tbody",
              {},
              ...loops.map((l) =>
                el(
                  "tr",
                  {},
                  el("td", {}, l.name),
                  el("td", {}, formatTime(l.last_heartbeat)),
                  el("td", {}, cell(l.last_error)),
                ),
              ),
            ),
          ),
    );
  });
}
