// The asset catalog (search, group and I/O manager filters) and the asset detail page
// (definition, latest materialization's metadata, numeric history plots, partitions health bar
// with a backfill launcher).

import {
  get,
  keyPath,
  post,
  stream,
  type AssetDetail,
  type AssetSummary,
  type Materialization,
  type PartitionStates,
} from "../api";
import {
  assetLink,
  debounce,
  empty,
  errorBox,
  fill,
  materializeDialog,
  metadataList,
  pageHeader,
  plot,
  runLink,
} from "../components";
import { el, listTable, formatTime, link, replace, statusBadge, toDate } from "../dom";
import { renderMarkdown } from "../markdown";
import { partitionKeyFn, PartitionsBar } from "../partitions_bar";
import { navigate, setQuery, type Route } from "../router";

export function catalogPage(root: HTMLElement, route: Route): void {
  const q = el("input", {
    type: "search",
    name: "q",
    value: route.query.get("q") ?? "",
    placeholder: "Search assets by key or description",
    "aria-label": "Search assets",
  });
  const group = el(
    "select",
    { name: "group", "aria-label": "Group" },
    el("option", { value: "" }, "all groups"),
  );
  const kind = el(
    "select",
    { name: "kind", "aria-label": "I/O manager" },
    el("option", { value: "" }, "all I/O managers"),
  );
  const summary = el("p", { class: "muted", role: "status" });
  const body = el("div", { class: "catalog" });
  root.append(
    pageHeader("Assets"),
    el("form", { class: "toolbar", role: "search" }, q, group, kind, summary),
    body,
  );

  let all: AssetSummary[] = [];
  const render = () => {
    const text = q.value.trim().toLowerCase();
    const rows = all.filter(
      (a) =>
        (!group.value || a.group === group.value) &&
        (!kind.value || (a.kind ?? "") === kind.value) &&
        (!text || a.key.toLowerCase().includes(text) || (a.description ?? "").toLowerCase().includes(text)),
    );
    setQuery({ q: q.value.trim(), group: group.value, kind: kind.value });
    summary.textContent = `${rows.length} of ${all.length} assets`;
    const shown = rows.slice(0, 1000);
    replace(
      body,
      rows.length === 0
        ? empty("No asset matches.")
        : listTable(
            ["Asset", "Group", "I/O manager", "Status", "Latest materialization", "Description"],
            el(
              "tbody",
              {},
              ...shown.map((a) =>
                el(
                  "tr",
                  {},
                  el(
                    "td",
                    {},
                    assetLink(a.key),
                    a.partitioned ? el("span", { class: "tag" }, "partitioned") : null,
                  ),
                  el("td", {}, a.group),
                  el("td", {}, a.kind ?? ""),
                  el("td", {}, statusBadge(a.status)),
                  el(
                    "td",
                    {},
                    a.latest ? [formatTime(a.latest.timestamp), " ", runLink(a.latest.run_id)] : "—",
                  ),
                  el("td", { class: "description" }, a.description ?? ""),
                ),
              ),
            ),
          ),
      rows.length > shown.length
        ? el("p", { class: "muted" }, `Showing the first ${shown.length}; search to narrow.`)
        : null,
    );
  };
  for (const c of [q, group, kind]) c.addEventListener("input", render);
  body.appendChild(el("p", { class: "muted loading" }, "Loading assets…"));
  get<{ assets: AssetSummary[] }>("/assets")
    .then((r) => {
      all = r.assets;
      for (const g of Array.from(new Set(all.map((a) => a.group))).sort())
        group.appendChild(el("option", { value: g }, g));
      for (const k of Array.from(new Set(all.map((a) => a.kind ?? "")))
        .filter(Boolean)
        .sort()) {
        kind.appendChild(el("option", { value: k }, k));
      }
      group.value = route.query.get("group") ?? "";
      kind.value = route.query.get("kind") ?? "";
      render();
    })
    .catch((e) => body.replaceChildren(errorBox(e)));
}

function definition(d: AssetDetail): HTMLElement {
  const p = d.partitions;
  const row = (label: string, ...value: (Node | string)[]) => [el("dt", {}, label), el("dd", {}, ...value)];
  const keys = (list: AssetDetail["upstream"]) =>
    list && list.length
      ? el(
          "ul",
          { class: "inline-list" },
          ...list.map((k) =>
            typeof k === "string"
              ? el("li", {}, assetLink(k))
              : el("li", {}, el("span", { class: `swatch status-${k.status ?? ""}` }), assetLink(k.key)),
          ),
        )
      : "none";
  return el(
    "dl",
    { class: "definition" },
    ...row("Group", d.group ?? "default"),
    ...row("Type", el("code", {}, d.type ?? "—")),
    ...(d.code_version ? row("Code version", el("code", {}, d.code_version)) : []),
    ...row("I/O manager", d.io_manager ?? d.kind ?? "—"),
    ...row(
      "Partitions",
      p && (p.count ?? 0) > 0
        ? `${p.kind ?? ""} · ${p.count?.toLocaleString()} (${p.first} … ${p.last})`
        : "not partitioned",
    ),
    ...(d.latest_failure?.run_id ? row("Latest failure", "in run ", runLink(d.latest_failure.run_id)) : []),
    ...row("Upstream", keys(d.upstream)),
    ...row("Downstream", keys(d.downstream)),
  );
}

function latestSection(m: Materialization | null | undefined): HTMLElement {
  if (!m) return el("section", {}, el("h2", {}, "Latest materialization"), empty("Never materialized."));
  return el(
    "section",
    { class: "latest" },
    el("h2", {}, "Latest materialization"),
    el(
      "p",
      { class: "muted" },
      formatTime(m.timestamp),
      m.run_id ? [" · run ", runLink(m.run_id)] : null,
      m.partition ? ` · partition ${m.partition}` : null,
    ),
    metadataList(m.metadata ?? []),
  );
}

async function historyPlots(key: string): Promise<Node> {
  const r = await get<{ materializations: Materialization[] }>(`/assets/${keyPath(key)}/materializations`, {
    limit: 100,
  });
  const list = (r.materializations ?? []).slice().reverse();
  const series = new Map<string, { t: number; v: number }[]>();
  for (const m of list) {
    const t = toDate(m.timestamp)?.getTime() ?? 0;
    for (const e of m.metadata ?? []) {
      if ((e.kind === "int" || e.kind === "float") && typeof e.value === "number") {
        series.set(e.label, [...(series.get(e.label) ?? []), { t, v: e.value }]);
      }
    }
  }
  if (series.size === 0)
    return empty(list.length ? "No numeric metadata to plot." : "No materializations yet.");
  return el(
    "div",
    { class: "plots" },
    ...Array.from(series, ([label, points]) => plot(label, points)),
    el("p", { class: "muted small" }, `Over the last ${list.length} materializations.`),
  );
}

/** Fills `slot` (in the document) with the health bar of `data` and the backfill launcher. */
function partitionsSection(slot: HTMLElement, key: string, detail: AssetDetail, data: PartitionStates): void {
  const keyOf = partitionKeyFn(data);
  const n = data.states.length;
  const hover = el(
    "p",
    { class: "muted small hover-line" },
    "Hover the bar for partitions; drag to choose a range.",
  );
  const first = el("input", {
    type: "text",
    name: "first",
    value: keyOf(0),
    "aria-label": "First partition",
  });
  const last = el("input", {
    type: "text",
    name: "last",
    value: keyOf(n - 1),
    "aria-label": "Last partition",
  });
  const status = el("span", { class: "muted", role: "status" });
  const host = el("div", { class: "bar-host" });
  const counts = el("p", { class: "small" });
  const section = el(
    "div",
    {},
    counts,
    host,
    hover,
    el(
      "form",
      { class: "toolbar backfill-form" },
      el("label", {}, "From ", first),
      el("label", {}, "to ", last),
      el("button", { type: "submit", class: "primary" }, "Launch backfill"),
      status,
    ),
  );
  // The bar needs its host in the document to know its width.
  slot.replaceChildren(section);
  const bar = new PartitionsBar(
    host,
    data,
    (range) => {
      first.value = keyOf(range.first);
      last.value = keyOf(range.last);
    },
    (text) => (hover.textContent = text),
  );
  const c = bar.counts();
  const swatch = (status: string, count: number | undefined, label: string) =>
    el(
      "span",
      { class: "count" },
      el("span", { class: `swatch status-${status}` }),
      `${count ?? 0} ${label}`,
    );
  replace(
    counts,
    `${n.toLocaleString()} partitions${detail.partitions?.kind ? ` (${detail.partitions.kind})` : ""}: `,
    swatch("fresh", c.m, "materialized"),
    swatch("failed", c.f, "failed"),
    swatch("running", c.r, "running"),
    swatch("never_materialized", c["-"], "missing"),
  );
  section.querySelector("form")!.addEventListener("submit", (e) => {
    e.preventDefault();
    status.textContent = "Launching…";
    post<{ backfill_id: string }>("/backfills", {
      selection: key,
      first: first.value.trim(),
      last: last.value.trim(),
    })
      .then(() => navigate("/backfills"))
      .catch((err: unknown) => (status.textContent = err instanceof Error ? err.message : String(err)));
  });
}

export function assetPage(root: HTMLElement, route: Route): () => void {
  const key = route.rest.join("/");
  root.append(el("p", { class: "muted loading" }, "Loading…"));
  let handle: { close(): void } | null = null;
  const render = async () => {
    // Partition states are fetched alongside the definition (an unpartitioned asset answers 400).
    const states = get<PartitionStates>(`/assets/${keyPath(key)}/partitions`);
    states.catch(() => {});
    const d = await get<AssetDetail>(`/assets/${keyPath(key)}`);
    const plots = el("div", { class: "plots-slot" }, el("p", { class: "muted" }, "Loading history…"));
    const partitions = el("div", {}, el("p", { class: "muted" }, "Loading partitions…"));
    const materialize = el("button", { type: "button", class: "primary" }, "Materialize");
    materialize.addEventListener("click", () => void materializeDialog([key]));
    replace(
      root,
      el(
        "header",
        { class: "page-header" },
        el("h1", {}, key),
        d.status ? statusBadge(d.status) : null,
        el(
          "div",
          { class: "actions" },
          link(`/?select=${encodeURIComponent(`+${key},${key}+`)}`, "Show in graph"),
          link(`/runs?asset=${encodeURIComponent(key)}`, "Runs"),
          materialize,
        ),
      ),
      d.description ? el("section", { class: "description" }, renderMarkdown(d.description)) : null,
      el("section", {}, el("h2", {}, "Definition"), definition(d)),
      d.partitions && (d.partitions.count ?? 0) > 0
        ? el("section", {}, el("h2", {}, "Partitions"), partitions)
        : null,
      latestSection(d.latest),
      d.definition_metadata?.length
        ? el("section", {}, el("h2", {}, "Definition metadata"), metadataList(d.definition_metadata))
        : null,
      el("section", {}, el("h2", {}, "Numeric metadata over time"), plots),
    );
    fill(plots, () => historyPlots(key));
    if (d.partitions && (d.partitions.count ?? 0) > 0) {
      states
        .then((data) => partitionsSection(partitions, key, d, data))
        .catch((e) => partitions.replaceChildren(errorBox(e)));
    }
  };
  render().catch((e) => root.replaceChildren(pageHeader(key), errorBox(e)));
  const again = debounce(() => {
    render().catch(() => {});
  }, 1500);
  handle = stream({}, (type, data) => {
    const text = JSON.stringify(data);
    if (/materializ/i.test(type) && text.includes(JSON.stringify(key).slice(1, -1))) again();
  });
  return () => handle?.close();
}
