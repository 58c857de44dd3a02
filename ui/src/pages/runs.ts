// Runs (filters by status, job, asset and tag; live) and run detail: the step Gantt, step
// statuses, logs streaming over SSE with level/step/text filters, re-execute and cancel.

import { get, post, stream, type Run, type RunEvent, type Step } from "../api";
import { debounce, empty, errorBox, pageHeader, runLink } from "../components";
import {
  el,
  listTable,
  searchInput,
  formatDuration,
  formatTime,
  link,
  replace,
  statusBadge,
  toDate,
} from "../dom";
import { navigate, setQuery, type Route } from "../router";

const STATUSES = ["", "QUEUED", "STARTED", "SUCCESS", "FAILURE", "CANCELING", "CANCELED"];
const ACTIVE = new Set(["queued", "not_started", "starting", "started", "running", "canceling"]);
const isActive = (status: string) => ACTIVE.has(status.toLowerCase());

/** The job's name, or for an asset run (the implicit "__" job) its selection. */
function jobLabel(r: Run): string {
  if (r.job && !r.job.startsWith("__")) return r.job;
  return typeof r.selection === "string" && r.selection ? `assets: ${r.selection}` : (r.job ?? "—");
}

export function runsPage(root: HTMLElement, route: Route): () => void {
  const q = route.query;
  const status = el(
    "select",
    { name: "status", "aria-label": "Status" },
    ...STATUSES.map((s) => el("option", { value: s }, s.toLowerCase() || "any status")),
  );
  status.value = q.get("status") ?? "";
  const job = searchInput("job", "job", q.get("job"));
  const asset = searchInput("asset", "asset key", q.get("asset"));
  const tag = searchInput("tag", "tag key=value", q.get("tag"));
  const form = el(
    "form",
    { class: "toolbar", role: "search" },
    status,
    job,
    asset,
    tag,
    el("button", { type: "submit" }, "Filter"),
  );
  const body = el("div", { class: "runs" });
  const more = el("button", { type: "button", hidden: true }, "Load more");
  root.append(pageHeader("Runs"), form, body, more);

  let cursor: string | undefined;
  let runs: Run[] = [];
  const params = () => ({
    status: status.value,
    job: job.value.trim(),
    asset: asset.value.trim(),
    tag: tag.value.trim(),
  });
  const draw = () => {
    body.replaceChildren(
      runs.length === 0
        ? empty("No runs match.")
        : listTable(
            ["Run", "Job", "Status", "Started", "Duration", "Tags"],
            el(
              "tbody",
              {},
              ...runs.map((r) =>
                el(
                  "tr",
                  { "data-run": r.run_id },
                  el("td", {}, runLink(r.run_id)),
                  el("td", {}, jobLabel(r)),
                  el("td", {}, statusBadge(r.status)),
                  el("td", {}, formatTime(r.start)),
                  el("td", { class: "num" }, r.start ? formatDuration(r.start, r.end) : "—"),
                  el(
                    "td",
                    {},
                    ...Object.entries(r.tags ?? {}).map(([k, v]) =>
                      el("span", { class: "tag" }, `${k}=${v}`),
                    ),
                  ),
                ),
              ),
            ),
          ),
    );
  };
  const load = async (append: boolean) => {
    const r = await get<{ runs: Run[]; next_cursor?: string | null; cursor?: string | null }>("/runs", {
      ...params(),
      limit: 100,
      cursor: append ? cursor : undefined,
    });
    runs = append ? [...runs, ...r.runs] : r.runs;
    cursor = r.next_cursor ?? r.cursor ?? undefined;
    more.hidden = !cursor || r.runs.length === 0;
    draw();
  };
  const reload = () => void load(false).catch((e) => body.replaceChildren(errorBox(e)));
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    setQuery(params());
    reload();
  });
  more.addEventListener("click", () => void load(true).catch((e) => body.replaceChildren(errorBox(e))));
  body.appendChild(el("p", { class: "muted loading" }, "Loading runs…"));
  reload();
  const live = debounce(reload, 1000);
  const handle = stream({}, (type) => {
    if (/run/i.test(type)) live();
  });
  return () => handle.close();
}

function gantt(run: Run): HTMLElement {
  const steps = run.steps ?? [];
  if (steps.length === 0) return empty("No steps yet.");
  const t0 = Math.min(
    ...steps.map((s) => toDate(s.start)?.getTime() ?? Infinity),
    toDate(run.start)?.getTime() ?? Infinity,
  );
  const endOf = (s: Step) => toDate(s.end)?.getTime() ?? (s.start ? Date.now() : NaN);
  const t1 = Math.max(
    ...steps.map(endOf).filter((x) => !Number.isNaN(x)),
    toDate(run.end)?.getTime() ?? 0,
    t0 + 1,
  );
  const span = Number.isFinite(t0) ? t1 - t0 : 1;
  return el(
    "div",
    { class: "gantt", role: "table", "aria-label": "Step timeline" },
    ...steps.map((s) => {
      const a = toDate(s.start)?.getTime();
      const b = endOf(s);
      const left = a !== undefined && Number.isFinite(t0) ? ((a - t0) / span) * 100 : 0;
      const width = a !== undefined && !Number.isNaN(b) ? Math.max(0.5, ((b - a) / span) * 100) : 0;
      return el(
        "div",
        { class: "gantt-row", role: "row", "data-step": s.key, "data-status": s.status },
        el("span", { class: "gantt-label", role: "cell", title: s.key }, s.key),
        el("span", { role: "cell", class: "gantt-status" }, statusBadge(s.status)),
        el(
          "span",
          { class: "gantt-track", role: "cell" },
          width > 0
            ? el("span", {
                class: `gantt-bar status-${s.status}`,
                style: `left:${left.toFixed(2)}%;width:${Math.min(100 - left, width).toFixed(2)}%`,
                title: `${s.key}: ${formatDuration(s.start, s.end)}${(s.attempts ?? 1) > 1 ? `, ${s.attempts} attempts` : ""}`,
              })
            : null,
        ),
        el(
          "span",
          { class: "gantt-duration num", role: "cell" },
          s.start ? formatDuration(s.start, s.end) : "—",
        ),
      );
    }),
  );
}

const LEVELS = ["", "debug", "info", "warning", "error"];
const LEVEL_RANK: Record<string, number> = { debug: 0, info: 1, warning: 2, warn: 2, error: 3, critical: 4 };

export function runPage(root: HTMLElement, route: Route): () => void {
  const id = route.rest[0] ?? "";
  const header = el("header", { class: "page-header" }, el("h1", {}, "Run ", el("code", {}, id)));
  const summary = el("div", { class: "run-summary" });
  const actions = el("div", { class: "actions" });
  const timeline = el("div", { class: "timeline-slot" });
  const level = el(
    "select",
    { name: "level", "aria-label": "Minimum level" },
    ...LEVELS.map((l) => el("option", { value: l }, l ? `${l}+` : "all levels")),
  );
  const stepFilter = el(
    "select",
    { name: "step", "aria-label": "Step" },
    el("option", { value: "" }, "all steps"),
  );
  const search = el("input", {
    type: "search",
    name: "q",
    placeholder: "search logs",
    "aria-label": "Search logs",
  });
  const live = el("span", { class: "live", role: "status" }, "connecting…");
  const logBody = el("tbody");
  const logs = el(
    "div",
    { class: "logs", tabindex: 0, "aria-label": "Run events" },
    el(
      "table",
      { class: "log-table" },
      el(
        "thead",
        {},
        el("tr", {}, ...["Time", "Level", "Step", "Event", "Message"].map((h) => el("th", {}, h))),
      ),
      logBody,
    ),
  );
  root.append(
    header,
    summary,
    actions,
    el("section", {}, el("h2", {}, "Steps"), timeline),
    el(
      "section",
      {},
      el("h2", {}, "Logs"),
      el("div", { class: "toolbar" }, level, stepFilter, search, live),
      logs,
    ),
  );

  const seen = new Set<number>();
  const steps = new Set<string>();
  let run: Run | null = null;
  let lastEventId = 0;
  const visible = (e: RunEvent) =>
    (!level.value ||
      (LEVEL_RANK[(e.level ?? "info").toLowerCase()] ?? 1) >= (LEVEL_RANK[level.value] ?? 0)) &&
    (!stepFilter.value || e.step === stepFilter.value) &&
    (!search.value || `${e.message ?? ""} ${e.type}`.toLowerCase().includes(search.value.toLowerCase()));
  const rowOf = (e: RunEvent) => {
    const tr = el(
      "tr",
      { class: `level-${(e.level ?? "info").toLowerCase().replace(/[^a-z]/g, "")}`, "data-event": e.id },
      el("td", { class: "num" }, formatTime(e.timestamp).slice(11)),
      el("td", {}, e.level ?? ""),
      el("td", {}, e.step ?? ""),
      el("td", {}, e.type),
      el("td", { class: "message" }, e.message ?? ""),
    );
    tr.hidden = !visible(e);
    (tr as HTMLTableRowElement & { event?: RunEvent }).event = e;
    return tr;
  };
  let onStatusEvent: () => void = () => {};
  const addEvents = (events: RunEvent[]) => {
    const atBottom = logs.scrollHeight - logs.scrollTop - logs.clientHeight < 40;
    const rows: HTMLTableRowElement[] = [];
    let changed = false;
    for (const e of events) {
      if (typeof e.id === "number") {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        lastEventId = Math.max(lastEventId, e.id);
      }
      if (e.step && !steps.has(e.step)) {
        steps.add(e.step);
        stepFilter.appendChild(el("option", { value: e.step }, e.step));
      }
      rows.push(rowOf(e));
      // Step and run status changes (from the backlog or live) refresh the steps and the status.
      if (/^(RUN_|STEP_|ASSET_)/.test(e.type ?? "")) changed = true;
    }
    if (changed) onStatusEvent();
    logBody.append(...rows);
    if (atBottom) logs.scrollTop = logs.scrollHeight;
  };
  const refilter = () => {
    for (const tr of Array.from(logBody.rows)) {
      const e = (tr as HTMLTableRowElement & { event?: RunEvent }).event;
      if (e) tr.hidden = !visible(e);
    }
  };
  for (const c of [level, stepFilter, search]) c.addEventListener("input", refilter);

  const drawRun = (r: Run) => {
    run = r;
    summary.replaceChildren(
      el(
        "dl",
        { class: "definition" },
        el("dt", {}, "Status"),
        el("dd", {}, statusBadge(r.status)),
        el("dt", {}, "Job"),
        el("dd", {}, jobLabel(r)),
        el("dt", {}, "Started"),
        el("dd", {}, formatTime(r.start)),
        el("dt", {}, "Duration"),
        el("dd", { class: "num" }, r.start ? formatDuration(r.start, r.end) : "—"),
        el("dt", {}, "Tags"),
        el(
          "dd",
          {},
          ...Object.entries(r.tags ?? {}).map(([k, v]) => el("span", { class: "tag" }, `${k}=${v}`)),
        ),
      ),
    );
    const active = isActive(r.status);
    const button = (label: string, onClick: () => Promise<unknown>, cls = "") => {
      const b = el("button", { type: "button", class: cls }, label);
      b.addEventListener("click", () => {
        b.disabled = true;
        onClick().catch((err: unknown) => {
          b.disabled = false;
          actions.appendChild(errorBox(err));
        });
      });
      return b;
    };
    replace(
      actions,
      button("Re-execute all", async () => {
        const r2 = await post<{ run_id: string }>(`/runs/${encodeURIComponent(id)}/reexecute`, {
          from_failure: false,
        });
        navigate(`/runs/${encodeURIComponent(r2.run_id)}`);
      }),
      button("Re-execute from failure", async () => {
        const r2 = await post<{ run_id: string }>(`/runs/${encodeURIComponent(id)}/reexecute`, {
          from_failure: true,
        });
        navigate(`/runs/${encodeURIComponent(r2.run_id)}`);
      }),
      active
        ? button(
            "Cancel run",
            async () => {
              await post(`/runs/${encodeURIComponent(id)}/cancel`, {});
              refresh();
            },
            "danger",
          )
        : null,
      r.job && !r.job.startsWith("__")
        ? link(`/runs?job=${encodeURIComponent(r.job)}`, "Runs of this job")
        : null,
    );
    const [again, fromFailure] = Array.from(actions.querySelectorAll("button"));
    if (again) again.disabled = active;
    if (fromFailure) fromFailure.disabled = !/^(failure|canceled)$/i.test(r.status);
    timeline.replaceChildren(gantt(r));
  };
  const load = async () => {
    const r = await get<Run>(`/runs/${encodeURIComponent(id)}`);
    drawRun(r);
  };
  const refresh = debounce(() => {
    load().catch(() => {});
  }, 300);
  onStatusEvent = refresh;
  load().catch((e) => summary.replaceChildren(errorBox(e)));

  // Logs: what is stored so far, page by page, then live.
  let handle: { close(): void } | null = null;
  let closed = false;
  let streaming = false;
  const backlog = async () => {
    for (;;) {
      const r = await get<{ events: RunEvent[]; has_more?: boolean }>(
        `/runs/${encodeURIComponent(id)}/events`,
        {
          after: lastEventId,
        },
      );
      if (closed) return;
      addEvents(r.events);
      if (r.events.length === 0 || !r.has_more) break;
    }
  };
  backlog()
    .catch((e) => logs.appendChild(errorBox(e)))
    .finally(() => {
      if (closed) return;
      handle = stream(
        { run_id: id },
        (type, data) => {
          const e = (typeof data === "object" && data ? data : { message: String(data) }) as RunEvent;
          addEvents([{ ...e, type: e.type ?? type }]);
        },
        (connected) => {
          streaming = connected;
          live.textContent = connected ? "● live" : "reconnecting…";
        },
        lastEventId > 0 ? String(lastEventId) : null,
      );
    });
  // Durations of running steps tick.
  // While the run is active its step bars grow, and its state is re-read every few seconds too
  // (in case the event stream is reconnecting).
  let ticks = 0;
  const timer = window.setInterval(() => {
    if (!run || !isActive(run.status)) return;
    timeline.replaceChildren(gantt(run));
    if (++ticks % 3 === 0) refresh();
    if (!streaming && handle) backlog().catch(() => {}); // the stream is down: read new events directly
  }, 1000);
  return () => {
    closed = true;
    handle?.close();
    clearInterval(timer);
  };
}
