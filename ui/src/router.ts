// Client-side routing: every page has its own URL (History API); links marked data-route and
// navigate() change pages without reloading; the server answers any non-API path with index.html.

export interface Route {
  /** Path segments after the page name, decoded (e.g. an asset key's components). */
  rest: string[];
  query: URLSearchParams;
}

export type Cleanup = () => void;
export type Page = (root: HTMLElement, route: Route) => Cleanup | void;

let render: () => void = () => {};

export function startRouter(onChange: () => void): void {
  render = onChange;
  window.addEventListener("popstate", () => render());
  document.addEventListener("click", (e) => {
    const a = (e.target as Element | null)?.closest?.("a[data-route]");
    if (!(a instanceof HTMLAnchorElement)) return;
    if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
    e.preventDefault();
    navigate(a.getAttribute("href") ?? "/");
  });
  render();
}

export function navigate(href: string, replace = false): void {
  if (replace) history.replaceState(null, "", href);
  else history.pushState(null, "", href);
  window.scrollTo(0, 0);
  render();
}

/** Updates the query string of the current page without a new history entry or re-render. */
export function setQuery(params: Record<string, string>): void {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) query.set(k, v);
  const qs = query.toString();
  history.replaceState(null, "", `${location.pathname}${qs ? `?${qs}` : ""}`);
}

export function currentRoute(): { page: string; route: Route } {
  const parts = location.pathname
    .split("/")
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return {
    page: parts[0] ?? "",
    route: { rest: parts.slice(1), query: new URLSearchParams(location.search) },
  };
}
