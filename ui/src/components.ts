// Pieces several pages share: error and empty states, metadata rendered by kind, numeric history
// plots (SVG built node by node), and the Materialize dialog (partitions + run config).

import { ApiError, get, keyPath, post, type AssetDetail, type MetadataEntry } from "./api";
import { el, formatTime, link, type Child } from "./dom";
import { renderMarkdown, safeImageUrl, safeLinkUrl } from "./markdown";
import { navigate } from "./router";

export function errorBox(error: unknown): HTMLElement {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiError ? ` (${error.code})` : "";
  return el("div", { class: "error", role: "alert" }, `Could not load: ${message}${code}`);
}

export function empty(text: string): HTMLElement {
  return el("p", { class: "empty" }, text);
}

export function pageHeader(title: string, ...extra: Child[]): HTMLElement {
  return el("header", { class: "page-header" }, el("h1", {}, title), ...extra);
}

/** Calls `fn`, replacing `slot`'s content with its result or the error. */
export async function fill(slot: HTMLElement, fn: () => Promise<Node>): Promise<void> {
  try {
    const node = await fn();
    slot.replaceChildren(node);
  } catch (e) {
    slot.replaceChildren(errorBox(e));
  }
}

export function assetLink(key: string): HTMLAnchorElement {
  return link(`/assets/${keyPath(key)}`, key);
}

export function runLink(id: string): HTMLAnchorElement {
  return link(`/runs/${encodeURIComponent(id)}`, el("code", {}, id.slice(0, 8)));
}

function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

interface TableValue {
  columns?: (string | { name: string; type?: string })[];
  rows?: unknown[][];
}

function renderTable(value: unknown): Node {
  const v = (typeof value === "string" ? (JSON.parse(value) as unknown) : value) as
    TableValue | TableValue["columns"];
  if (Array.isArray(v)) {
    // a table schema: [{name, type}]
    return el(
      "table",
      { class: "compact" },
      el("thead", {}, el("tr", {}, el("th", {}, "column"), el("th", {}, "type"))),
      el(
        "tbody",
        {},
        ...v.map((c) =>
          el(
            "tr",
            {},
            el("td", {}, typeof c === "string" ? c : c.name),
            el("td", {}, typeof c === "string" ? "" : (c.type ?? "")),
          ),
        ),
      ),
    );
  }
  const columns = (v?.columns ?? []).map((c) => (typeof c === "string" ? c : c.name));
  return el(
    "div",
    { class: "table-scroll" },
    el(
      "table",
      { class: "compact" },
      el("thead", {}, el("tr", {}, ...columns.map((c) => el("th", {}, c)))),
      el(
        "tbody",
        {},
        ...(v?.rows ?? []).map((r) => el("tr", {}, ...r.map((cell) => el("td", {}, asText(cell))))),
      ),
    ),
  );
}

/** One metadata value rendered by its kind; unknown kinds are shown as JSON text. */
export function metadataValue(entry: MetadataEntry): Node {
  const { kind, value } = entry;
  try {
    switch (kind) {
      case "markdown":
        return renderMarkdown(asText(value));
      case "int":
      case "float":
        return el(
          "span",
          { class: "num" },
          typeof value === "number" ? value.toLocaleString() : asText(value),
        );
      case "bool":
        return el("span", {}, value ? "true" : "false");
      case "path":
        return el("code", { class: "path" }, asText(value));
      case "url": {
        const safe = safeLinkUrl(asText(value));
        return safe
          ? el("a", { href: safe, rel: "noopener noreferrer nofollow", target: "_blank" }, safe)
          : el("span", { class: "unsafe-link" }, asText(value));
      }
      case "json": {
        const parsed: unknown = typeof value === "string" ? JSON.parse(value) : value;
        return el("pre", { class: "json" }, JSON.stringify(parsed, null, 2));
      }
      case "table":
      case "table_preview":
      case "table_schema":
        return renderTable(value);
      case "timestamp":
        return el("span", {}, formatTime(value));
      case "image": {
        const src = asText(value);
        const safe = src.startsWith("/api/v1/") ? src : safeImageUrl(src);
        return safe
          ? el("img", { src: safe, alt: entry.label, class: "metadata-image" })
          : el("span", {}, src);
      }
      default:
        return el("span", { class: "pre" }, asText(value));
    }
  } catch {
    return el("span", { class: "pre" }, asText(value));
  }
}

export function metadataList(entries: MetadataEntry[]): HTMLElement {
  if (entries.length === 0) return empty("No metadata recorded.");
  return el(
    "dl",
    { class: "metadata" },
    ...entries.flatMap((e) => [
      el("dt", {}, e.label, " ", el("span", { class: "kind" }, e.kind)),
      el("dd", { "data-label": e.label }, metadataValue(e)),
    ]),
  );
}

const SVG = "http://www.w3.org/2000/svg";
function svg<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number>,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

/** A line plot of `points` (oldest first) with its min/max and last value. */
export function plot(label: string, points: { t: number; v: number }[]): HTMLElement {
  const w = 320;
  const h = 90;
  const pad = 6;
  const vs = points.map((p) => p.v);
  const min = Math.min(...vs);
  const max = Math.max(...vs);
  const span = max - min || 1;
  const xy = points.map((p, i) => [
    pad + (points.length === 1 ? (w - 2 * pad) / 2 : (i / (points.length - 1)) * (w - 2 * pad)),
    h - pad - ((p.v - min) / span) * (h - 2 * pad),
  ]);
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, width: w, height: h, class: "plot", role: "img" });
  chart.setAttribute("aria-label", `${label} over ${points.length} materializations`);
  chart.appendChild(svg("polyline", { points: xy.map(([x, y]) => `${x},${y}`).join(" "), fill: "none" }));
  for (const [x, y] of xy) chart.appendChild(svg("circle", { cx: x!, cy: y!, r: 2.5 }));
  const last = vs[vs.length - 1];
  return el(
    "figure",
    { class: "plot-figure" },
    chart,
    el(
      "figcaption",
      {},
      el("strong", {}, label),
      ` last ${last?.toLocaleString() ?? "—"} · min ${min.toLocaleString()} · max ${max.toLocaleString()}`,
    ),
  );
}

/** The config editor's text as a JSON object (undefined when empty); throws a readable error. */
function runConfig(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(trimmed);
  } catch (e) {
    throw new Error(`Run config is not valid JSON: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new Error('Run config must be a JSON object, e.g. {"ops": {"step": {"config": {}}}}');
  }
  return parsed;
}

/**
 * The Materialize dialog for `keys`: a partition picker when any is partitioned, a run config
 * editor, Launch (POST /runs) → the new run's page.
 */
export async function materializeDialog(keys: string[]): Promise<void> {
  const details = await Promise.all(
    keys.slice(0, 50).map((k) => get<AssetDetail>(`/assets/${keyPath(k)}`).catch(() => null)),
  );
  const partitioned = details.find((d) => d?.partitions && (d.partitions.count ?? 0) > 0);
  const status = el("p", { class: "dialog-status", role: "status" });
  const partitionInput = el("input", {
    type: "text",
    name: "partition",
    placeholder: partitioned?.partitions?.last ?? "",
    value: partitioned?.partitions?.last ?? "",
    "aria-label": "Partition key",
  });
  const config = el("textarea", {
    name: "run_config",
    rows: 6,
    spellcheck: "false",
    placeholder: '{"ops": {"my_asset": {"config": {"limit": 10}}}}',
    "aria-label": "Run config",
  });
  const schema = details.find((d) => d?.config_schema)?.config_schema;
  if (schema) config.value = typeof schema === "string" ? schema : JSON.stringify(schema, null, 2);
  const launch = el("button", { type: "submit", class: "primary" }, "Launch run");
  const cancel = el("button", { type: "button" }, "Cancel");
  const form = el(
    "form",
    { method: "dialog", class: "launch-form" },
    el("h2", {}, `Materialize ${keys.length === 1 ? keys[0] : `${keys.length} assets`}`),
    keys.length > 1
      ? el(
          "p",
          { class: "muted" },
          keys.slice(0, 10).join(", "),
          keys.length > 10 ? ` and ${keys.length - 10} more` : "",
        )
      : null,
    partitioned
      ? el(
          "label",
          {},
          `Partition (${partitioned.partitions?.kind ?? "partitioned"}: ${partitioned.partitions?.first ?? "?"} … ${partitioned.partitions?.last ?? "?"})`,
          partitionInput,
        )
      : null,
    el("label", {}, "Run config (optional)", config),
    status,
    el("div", { class: "buttons" }, cancel, launch),
  );
  const dialog = el("dialog", { class: "launch-dialog", "aria-label": "Materialize" }, form);
  document.body.appendChild(dialog);
  cancel.addEventListener("click", () => dialog.close());
  dialog.addEventListener("close", () => dialog.remove());
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const body: Record<string, unknown> = { selection: keys.join(",") };
    const partition = partitionInput.value.trim();
    if (partitioned && partition) body.partition = partition;
    try {
      const rc = runConfig(config.value);
      if (rc !== undefined) body.run_config = rc;
    } catch (err) {
      status.textContent = err instanceof Error ? err.message : String(err);
      status.classList.add("error");
      config.focus();
      return;
    }
    launch.disabled = true;
    status.textContent = "Launching…";
    post<{ run_id: string }>("/runs", body)
      .then((r) => {
        dialog.close();
        navigate(`/runs/${encodeURIComponent(r.run_id)}`);
      })
      .catch((err: unknown) => {
        launch.disabled = false;
        status.textContent = err instanceof Error ? err.message : String(err);
        status.classList.add("error");
      });
  });
  dialog.showModal();
  (partitioned ? partitionInput : launch).focus();
}

/** Runs `fn` at most once per `ms`, trailing. */
export function debounce(fn: () => void, ms: number): () => void {
  let timer = 0;
  return () => {
    if (timer) return;
    timer = window.setTimeout(() => {
      timer = 0;
      fn();
    }, ms);
  };
}
