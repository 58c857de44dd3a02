// The UI's only way to build DOM: elements with attributes and children, text always as text
// nodes. Data never reaches an HTML parser (innerHTML is banned by the lint configuration).

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: (Child | Child[])[]
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") {
      node.addEventListener(name.replace(/^on/, ""), value);
    } else {
      node.setAttribute(name, value === true ? "" : String(value));
    }
  }
  append(node, ...children);
  return node;
}

export function append(parent: Node, ...children: (Child | Child[])[]): void {
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    parent.appendChild(typeof child === "object" ? child : document.createTextNode(String(child)));
  }
}

export function clear(node: Node): void {
  while (node.firstChild) node.removeChild(node.firstChild);
}

/** A link handled by the client-side router (plain click navigates without reloading). */
export function link(href: string, ...children: Child[]): HTMLAnchorElement {
  return el("a", { href, "data-route": true }, ...children);
}

export function statusBadge(status: string): HTMLSpanElement {
  const s = status.toLowerCase();
  return el("span", { class: `badge status-${s.replace(/[^a-z_]/g, "")}` }, s.replace(/_/g, " "));
}

/** Seconds since the epoch, milliseconds, or an ISO string → Date (null when absent/invalid). */
export function toDate(value: unknown): Date | null {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "number") return new Date(value > 1e12 ? value : value * 1000);
  if (typeof value === "string") {
    const asNumber = Number(value);
    if (!Number.isNaN(asNumber)) return toDate(asNumber);
    const d = new Date(value);
    return Number.isNaN(d.getTime()) ? null : d;
  }
  return null;
}

export function formatTime(value: unknown): string {
  const d = toDate(value);
  if (!d) return "—";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function formatDuration(start: unknown, end: unknown): string {
  const a = toDate(start);
  if (!a) return "—";
  const b = toDate(end) ?? new Date();
  const ms = Math.max(0, b.getTime() - a.getTime());
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const m = Math.floor(ms / 60_000);
  return `${m} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** Replaces `parent`'s children (null/false children are skipped). */
export function replace(parent: Element, ...children: (Child | Child[])[]): void {
  clear(parent);
  append(parent, ...children);
}

/** A table of class "list" with one header row and the given body. */
export function listTable(headers: string[], body: HTMLTableSectionElement): HTMLTableElement {
  return el(
    "table",
    { class: "list" },
    el("thead", {}, el("tr", {}, ...headers.map((h) => el("th", {}, h)))),
    body,
  );
}

/** A search field bound to the query parameter `name`. */
export function searchInput(name: string, placeholder: string, value: string | null): HTMLInputElement {
  return el("input", { type: "search", name, placeholder, value: value ?? "", "aria-label": placeholder });
}
