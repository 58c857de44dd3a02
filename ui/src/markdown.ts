// A small Markdown renderer that builds DOM nodes directly (never HTML text): headings,
// paragraphs, emphasis, code, lists, block quotes, rules, pipe tables, links and images.
// Raw HTML stays text. Links are kept only for http(s) URLs and images only for http(s) and
// data:image/(png|jpeg|gif|webp) URLs; anything else (javascript:, data:text/html, ...) is shown as
// the literal Markdown text it came from.

import { el } from "./dom";

const SAFE_LINK = /^https?:\/\//i;
const SAFE_IMAGE = /^(https?:\/\/|data:image\/(png|jpeg|gif|webp);base64,[a-z0-9+/=\s]*$)/i;

export function safeLinkUrl(url: string): string | null {
  const trimmed = url.trim();
  return SAFE_LINK.test(trimmed) ? trimmed : null;
}

export function safeImageUrl(url: string): string | null {
  const trimmed = url.trim();
  return SAFE_IMAGE.test(trimmed) ? trimmed.replace(/\s+/g, "") : null;
}

/** Finds the `)` closing a link destination that starts at `from`, allowing balanced parentheses. */
function closingParen(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "(") depth++;
    else if (c === ")") {
      if (depth === 0) return i;
      depth--;
    } else if (c === "\n") return -1;
  }
  return -1;
}

/** Finds the `]` closing link text that starts at `from`, allowing balanced brackets. */
function closingBracket(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "\\") i++;
    else if (c === "[") depth++;
    else if (c === "]") {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function destination(raw: string): string {
  // `url "title"` → url; `<url>` → url
  let d = raw.trim();
  const titled = /^(\S+)\s+(".*"|'.*')$/.exec(d);
  if (titled?.[1]) d = titled[1];
  if (d.startsWith("<") && d.endsWith(">")) d = d.slice(1, -1);
  return d;
}

export function renderInline(text: string): Node[] {
  const out: Node[] = [];
  let plain = "";
  const flush = () => {
    if (plain) out.push(document.createTextNode(plain));
    plain = "";
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "\\" && i + 1 < text.length && /[!-/:-@[-`{-~]/.test(text[i + 1] as string)) {
      plain += text[i + 1];
      i += 2;
      continue;
    }
    if (c === "`") {
      let ticks = 1;
      while (text[i + ticks] === "`") ticks++;
      const fence = "`".repeat(ticks);
      const end = text.indexOf(fence, i + ticks);
      if (end > 0) {
        flush();
        out.push(el("code", {}, text.slice(i + ticks, end).trim()));
        i = end + ticks;
        continue;
      }
      plain += fence;
      i += ticks;
      continue;
    }
    const isImage = c === "!" && text[i + 1] === "[";
    if (isImage || c === "[") {
      const open = i + (isImage ? 2 : 1);
      const close = closingBracket(text, open);
      if (close > 0 && text[close + 1] === "(") {
        const end = closingParen(text, close + 2);
        if (end > 0) {
          const label = text.slice(open, close);
          const url = destination(text.slice(close + 2, end));
          const source = text.slice(i, end + 1);
          if (isImage) {
            const safe = safeImageUrl(url);
            flush();
            out.push(
              safe ? el("img", { src: safe, alt: label, title: label, loading: "lazy" }) : text2(source),
            );
          } else {
            const safe = safeLinkUrl(url);
            flush();
            if (safe) {
              const a = el("a", { href: safe, rel: "noopener noreferrer nofollow", target: "_blank" });
              for (const n of renderInline(label)) a.appendChild(n);
              out.push(a);
            } else {
              out.push(
                el(
                  "span",
                  { class: "unsafe-link", title: "link not followed: only http(s) URLs are" },
                  source,
                ),
              );
            }
          }
          i = end + 1;
          continue;
        }
      }
    }
    if ((c === "*" || c === "_") && text[i + 1] === c) {
      const end = text.indexOf(c + c, i + 2);
      if (end > i + 2) {
        flush();
        out.push(el("strong", {}, ...renderInline(text.slice(i + 2, end))));
        i = end + 2;
        continue;
      }
    }
    if ((c === "*" || c === "_") && text[i + 1] !== " " && text[i + 1] !== undefined) {
      const end = text.indexOf(c, i + 1);
      const wordInside = c === "_" && i > 0 && /\w/.test(text[i - 1] as string);
      if (end > i + 1 && !wordInside && text[end - 1] !== " ") {
        flush();
        out.push(el("em", {}, ...renderInline(text.slice(i + 1, end))));
        i = end + 1;
        continue;
      }
    }
    plain += c;
    i++;
  }
  flush();
  return out;
}

function text2(s: string): Node {
  return document.createTextNode(s);
}

const TABLE_RULE = /^\s*\|?\s*:?-{1,}:?\s*(\|\s*:?-{1,}:?\s*)*\|?\s*$/;
const LIST_ITEM = /^\s*([-*+]|\d{1,9}[.)])\s+(.*)$/;

function cells(line: string): string[] {
  let s = line.trim();
  if (s.startsWith("|")) s = s.slice(1);
  if (s.endsWith("|") && !s.endsWith("\\|")) s = s.slice(0, -1);
  const out: string[] = [];
  let cur = "";
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "\\" && s[i + 1] === "|") {
      cur += "|";
      i++;
    } else if (s[i] === "|") {
      out.push(cur.trim());
      cur = "";
    } else cur += s[i];
  }
  out.push(cur.trim());
  return out;
}

/** Renders Markdown `source` into a new <div class="markdown">. */
export function renderMarkdown(source: string): HTMLDivElement {
  const root = el("div", { class: "markdown" });
  const lines = source.replace(/\r\n?/g, "\n").split("\n");
  let i = 0;
  let paragraph: string[] = [];
  const endParagraph = () => {
    if (paragraph.length) root.appendChild(el("p", {}, ...renderInline(paragraph.join("\n"))));
    paragraph = [];
  };
  while (i < lines.length) {
    const line = lines[i] as string;
    const fence = /^\s*(```+|~~~+)(.*)$/.exec(line);
    if (fence?.[1]) {
      endParagraph();
      const body: string[] = [];
      i++;
      while (i < lines.length && !(lines[i] as string).trim().startsWith(fence[1]))
        body.push(lines[i++] as string);
      i++;
      root.appendChild(el("pre", {}, el("code", {}, body.join("\n"))));
      continue;
    }
    if (line.trim() === "") {
      endParagraph();
      i++;
      continue;
    }
    const heading = /^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading?.[1]) {
      endParagraph();
      const level = Math.min(6, heading[1].length + 2) as 3 | 4 | 5 | 6;
      root.appendChild(el(`h${level}`, {}, ...renderInline(heading[2] ?? "")));
      i++;
      continue;
    }
    if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) {
      endParagraph();
      root.appendChild(el("hr"));
      i++;
      continue;
    }
    const next = lines[i + 1];
    if (line.includes("|") && next !== undefined && TABLE_RULE.test(next) && next.includes("-")) {
      endParagraph();
      const head = cells(line);
      const rows: string[][] = [];
      i += 2;
      while (i < lines.length && (lines[i] as string).includes("|") && (lines[i] as string).trim() !== "") {
        rows.push(cells(lines[i++] as string));
      }
      root.appendChild(
        el(
          "div",
          { class: "table-scroll" },
          el(
            "table",
            {},
            el("thead", {}, el("tr", {}, ...head.map((h) => el("th", {}, ...renderInline(h))))),
            el(
              "tbody",
              {},
              ...rows.map((r) =>
                el("tr", {}, ...head.map((_, c) => el("td", {}, ...renderInline(r[c] ?? "")))),
              ),
            ),
          ),
        ),
      );
      continue;
    }
    if (/^\s{0,3}>/.test(line)) {
      endParagraph();
      const quoted: string[] = [];
      while (i < lines.length && /^\s{0,3}>/.test(lines[i] as string)) {
        quoted.push((lines[i++] as string).replace(/^\s{0,3}>\s?/, ""));
      }
      const inner = renderMarkdown(quoted.join("\n"));
      root.appendChild(el("blockquote", {}, ...Array.from(inner.childNodes)));
      continue;
    }
    const item = LIST_ITEM.exec(line);
    if (item?.[1]) {
      endParagraph();
      const ordered = /\d/.test(item[1]);
      const list = el(ordered ? "ol" : "ul");
      while (i < lines.length) {
        const m = LIST_ITEM.exec(lines[i] as string);
        if (!m) break;
        list.appendChild(el("li", {}, ...renderInline(m[2] ?? "")));
        i++;
      }
      root.appendChild(list);
      continue;
    }
    paragraph.push(line.trim());
    i++;
  }
  endParagraph();
  return root;
}
