// The asset lineage graph page: selection filter (the CLI's syntax, sent as ?select=), the canvas
// graph with groups and status colours, the selected assets and Materialize.

import { get, stream, type GraphData } from "../api";
import { debounce, errorBox, assetLink, materializeDialog } from "../components";
import { el } from "../dom";
import { GraphView } from "../graph_view";
import { navigate, setQuery, type Route } from "../router";
import { keyPath } from "../api";

const LEGEND: [string, string][] = [
  ["never_materialized", "never materialized"],
  ["fresh", "fresh"],
  ["upstream_newer", "upstream newer"],
  ["failed", "failed"],
  ["running", "running"],
];

declare global {
  interface Window {
    /** The graph of the page, for tests and benchmarks (positions, selection). */
    strataGraph?: GraphView;
  }
}

export function graphPage(root: HTMLElement, route: Route): () => void {
  const select = route.query.get("select") ?? "";
  const input = el("input", {
    type: "search",
    name: "select",
    value: select,
    placeholder: "Selection, as on the command line: *  +key  key*  group:NAME  a,b",
    "aria-label": "Asset selection",
    accesskey: "f",
  });
  const count = el("span", { class: "muted", role: "status" });
  const fitButton = el("button", { type: "button", title: "Fit to view (0)" }, "Fit");
  const form = el(
    "form",
    { class: "toolbar", role: "search" },
    input,
    el("button", { type: "submit" }, "Filter"),
    fitButton,
    count,
  );
  const legend = el(
    "ul",
    { class: "legend", "aria-label": "Status colours" },
    ...LEGEND.map(([s, label]) => el("li", {}, el("span", { class: `swatch status-${s}` }), label)),
  );
  const canvasHost = el("div", { class: "graph-host" });
  const selectedList = el("ul", { class: "selected-list" });
  const materialize = el("button", { type: "button", class: "primary", disabled: true }, "Materialize");
  const side = el(
    "aside",
    { class: "graph-side", "aria-label": "Selected assets" },
    el("h2", {}, "Selection"),
    el(
      "p",
      { class: "muted small" },
      "Click an asset to select it, Shift+click to add, double-click to open.",
    ),
    selectedList,
    materialize,
  );
  // A text list of what the canvas shows, for screen readers (and small graphs only).
  const textList = el("ul", { class: "sr-only", "aria-label": "Assets in the graph" });
  root.append(
    el("header", { class: "page-header" }, el("h1", {}, "Asset lineage"), legend),
    form,
    el("div", { class: "graph-layout" }, canvasHost, side),
    textList,
  );

  let view: GraphView | null = null;
  let handle: { close(): void } | null = null;
  let closed = false;

  const showSelection = (keys: string[]) => {
    selectedList.replaceChildren(...keys.slice(0, 200).map((k) => el("li", {}, assetLink(k))));
    if (keys.length > 200)
      selectedList.appendChild(el("li", { class: "muted" }, `and ${keys.length - 200} more`));
    if (keys.length === 0) selectedList.appendChild(el("li", { class: "muted" }, "Nothing selected."));
    materialize.disabled = keys.length === 0;
    materialize.textContent = keys.length > 1 ? `Materialize ${keys.length} assets` : "Materialize";
  };
  showSelection([]);

  const load = async () => {
    const started = performance.now();
    canvasHost.replaceChildren(el("p", { class: "muted loading" }, "Loading graph…"));
    try {
      const data = await get<GraphData>("/graph", { select: input.value.trim() || undefined });
      if (closed) return;
      canvasHost.replaceChildren();
      view?.destroy();
      view = new GraphView(canvasHost, data, {
        onSelect: showSelection,
        onOpen: (key) => navigate(`/assets/${keyPath(key)}`),
      });
      window.strataGraph = view;
      showSelection([]);
      count.textContent = `${data.nodes.length.toLocaleString()} assets, ${data.edges.length.toLocaleString()} edges`;
      if (data.nodes.length === 0)
        canvasHost.appendChild(el("p", { class: "empty overlay" }, "No assets match this selection."));
      if (data.nodes.length <= 500) {
        const ups = new Map<string, string[]>();
        const keyOf = (x: number | string) => (typeof x === "number" ? (data.nodes[x]?.key ?? "") : x);
        for (const [a, b] of data.edges) ups.set(keyOf(b), [...(ups.get(keyOf(b)) ?? []), keyOf(a)]);
        textList.replaceChildren(
          ...data.nodes.map((n) =>
            el(
              "li",
              {
                "data-key": n.key,
                "data-status": n.status,
                "data-group": n.group,
                "data-upstream": (ups.get(n.key) ?? []).join(" "),
              },
              `${n.key} (${n.group}, ${n.status})`,
            ),
          ),
        );
      } else textList.replaceChildren();
      requestAnimationFrame(() => {
        // Milliseconds since navigation when the first frame of the graph is drawn, with its input
        // handlers attached (what the ui_graph_10k_ms benchmark reads); data-load-ms: since the fetch.
        view?.canvas.setAttribute("data-ready", String(Math.round(performance.now())));
        view?.canvas.setAttribute("data-load-ms", String(Math.round(performance.now() - started)));
      });
    } catch (e) {
      canvasHost.replaceChildren(errorBox(e));
    }
  };

  // Live status colours: refetch (debounced) when runs change.
  const refresh = debounce(() => {
    get<GraphData>("/graph", { select: input.value.trim() || undefined })
      .then((data) => view?.updateStatuses(data))
      .catch(() => {});
  }, 1000);
  handle = stream({}, (type) => {
    if (/run|materializ|step|asset/i.test(type)) refresh();
  });

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    setQuery({ select: input.value.trim() });
    load();
  });
  fitButton.addEventListener("click", () => view?.fit());
  materialize.addEventListener("click", () => {
    if (view) void materializeDialog(view.selection());
  });
  load();
  return () => {
    closed = true;
    handle?.close();
    view?.destroy();
    if (window.strataGraph === view) delete window.strataGraph;
  };
}
