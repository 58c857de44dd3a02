// Entry point: the shell (navigation, skip link, keyboard shortcuts) and the page table.

import { el } from "./dom";
import { assetPage, catalogPage } from "./pages/assets";
import { graphPage } from "./pages/graph";
import { automationPage, backfillsPage, instancePage, jobsPage } from "./pages/other";
import { runPage, runsPage } from "./pages/runs";
import { currentRoute, navigate, startRouter, type Page } from "./router";
// The styles travel inside the script (one file fewer to fetch, and no text/css response that
// the server's HTTP library would brotli-compress on every request); CSP allows style elements.
import styles from "./style.css?inline";

document.head.appendChild(el("style", {}, styles));

const NAV: [string, string, string][] = [
  ["/", "Lineage", "g"],
  ["/assets", "Assets", "a"],
  ["/runs", "Runs", "r"],
  ["/jobs", "Jobs", "j"],
  ["/automation", "Schedules & sensors", "s"],
  ["/backfills", "Backfills", "b"],
  ["/instance", "Instance", "i"],
];

function pageFor(page: string, rest: string[]): { page: Page; nav: string; title: string } {
  switch (page) {
    case "":
    case "graph":
      return { page: graphPage, nav: "/", title: "Lineage" };
    case "assets":
      return rest.length
        ? { page: assetPage, nav: "/assets", title: rest.join("/") }
        : { page: catalogPage, nav: "/assets", title: "Assets" };
    case "runs":
      return rest.length
        ? { page: runPage, nav: "/runs", title: `Run ${rest[0]}` }
        : { page: runsPage, nav: "/runs", title: "Runs" };
    case "jobs":
      return { page: jobsPage, nav: "/jobs", title: "Jobs" };
    case "automation":
      return { page: automationPage, nav: "/automation", title: "Schedules & sensors" };
    case "backfills":
      return { page: backfillsPage, nav: "/backfills", title: "Backfills" };
    case "instance":
      return { page: instancePage, nav: "/instance", title: "Instance" };
    default:
      return {
        page: (root) => {
          root.append(
            el("h1", {}, "Page not found"),
            el("p", {}, "No page at ", el("code", {}, location.pathname), "."),
          );
        },
        nav: "",
        title: "Not found",
      };
  }
}

const main = el("main", { id: "main", tabindex: -1 });
const links = NAV.map(([href, label, key]) =>
  el("a", { href, "data-route": true, title: `${label} (g then ${key})` }, label),
);
document
  .getElementById("app")!
  .replaceChildren(
    el("a", { href: "#main", class: "skip-link" }, "Skip to content"),
    el(
      "nav",
      { class: "sidebar", "aria-label": "Pages" },
      el("a", { href: "/", "data-route": true, class: "brand" }, "Strata"),
      ...links,
    ),
    main,
  );

let cleanup: (() => void) | void;
startRouter(() => {
  if (cleanup) cleanup();
  const { page, route } = currentRoute();
  const target = pageFor(page, route.rest);
  document.title = `${target.title} · Strata`;
  links.forEach((a) =>
    a.setAttribute("aria-current", a.getAttribute("href") === target.nav ? "page" : "false"),
  );
  main.replaceChildren();
  main.className = `page-${page || "graph"}`;
  cleanup = target.page(main, route);
});

// "g" then a letter jumps to a page; "/" focuses the page's first search field.
let pendingG = false;
document.addEventListener("keydown", (e) => {
  const t = e.target as HTMLElement;
  if (t.closest("input, textarea, select, [contenteditable], dialog") || e.ctrlKey || e.metaKey || e.altKey)
    return;
  if (e.key === "/") {
    const field = main.querySelector<HTMLInputElement>("input[type=search], input[type=text]");
    if (field) {
      e.preventDefault();
      field.focus();
    }
    return;
  }
  if (pendingG) {
    pendingG = false;
    const hit = NAV.find(([, , key]) => key === e.key);
    if (hit) navigate(hit[0]);
    return;
  }
  if (e.key === "g" && !(t instanceof HTMLCanvasElement)) pendingG = true;
});
