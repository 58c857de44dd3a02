// The partitions health bar: one canvas pixel column aggregates every partition that falls on it
// (failed wins, then running, else the materialized share in green over the missing share), so
// 87,600 hourly partitions draw in one pass over the state string into an ImageData. Drag to pick
// a range (for a backfill); hover tells which partitions a column holds.

import type { PartitionStates } from "./api";

export interface BarRange {
  first: number;
  last: number;
}

const STATE_NAMES: Record<string, string> = { m: "materialized", f: "failed", r: "running", "-": "missing" };

/** The key of partition `i`: from the explicit list, or stepped from first to last in the first key's format. */
export function partitionKeyFn(p: PartitionStates): (i: number) => string {
  const keys = p.keys;
  if (Array.isArray(keys)) return (i) => keys[i] ?? String(i);
  if (!keys) return (i) => `#${i}`;
  const { first, last, count } = keys;
  const parse = (k: string) => {
    const m = /^(\d{4})-(\d{2})(?:-(\d{2}))?(?:-(\d{2}):(\d{2}))?$/.exec(k);
    if (!m) return null;
    return Date.UTC(+m[1]!, +m[2]! - 1, m[3] ? +m[3] : 1, m[4] ? +m[4] : 0, m[5] ? +m[5] : 0);
  };
  const a = parse(first);
  const b = parse(last);
  if (a === null || b === null || count < 2)
    return (i) => (i === 0 ? first : i === count - 1 ? last : `#${i}`);
  const step = (b - a) / (count - 1);
  const pad = (n: number) => String(n).padStart(2, "0");
  return (i) => {
    const d = new Date(a + Math.round(i * step));
    let out = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}`;
    if (first.length >= 10) out += `-${pad(d.getUTCDate())}`;
    if (first.length >= 16) out += `-${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
    return out;
  };
}

function rgb(css: string): [number, number, number] {
  const probe = document.createElement("canvas").getContext("2d")!;
  probe.fillStyle = css;
  probe.fillRect(0, 0, 1, 1);
  const d = probe.getImageData(0, 0, 1, 1).data;
  return [d[0]!, d[1]!, d[2]!];
}

export class PartitionsBar {
  readonly canvas = document.createElement("canvas");
  private range: BarRange | null = null;

  constructor(
    private readonly host: HTMLElement,
    private readonly data: PartitionStates,
    private readonly onRange: (range: BarRange) => void,
    private readonly onHover: (text: string) => void,
  ) {
    this.canvas.className = "partitions-bar";
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "img");
    const counts = this.counts();
    this.canvas.setAttribute(
      "aria-label",
      `${data.states.length} partitions: ${counts.m} materialized, ${counts.f} failed, ${counts.r} running, ${counts["-"]} missing`,
    );
    host.appendChild(this.canvas);
    this.attach();
    this.draw();
  }

  counts(): Record<string, number> {
    const c: Record<string, number> = { m: 0, f: 0, r: 0, "-": 0 };
    const s = this.data.states;
    for (let i = 0; i < s.length; i++) {
      const ch = s[i]!;
      c[ch in c ? ch : "-"]! += 1;
    }
    return c;
  }

  private partitionAt(px: number): number {
    const n = this.data.states.length;
    const w = this.canvas.clientWidth || 1;
    return Math.min(n - 1, Math.max(0, Math.floor((px / w) * n)));
  }

  setRange(range: BarRange | null): void {
    this.range = range;
    this.draw();
  }

  draw(): void {
    const ratio = window.devicePixelRatio || 1;
    const cssW = Math.max(1, this.host.clientWidth);
    const cssH = 36;
    const w = Math.round(cssW * ratio);
    const h = Math.round(cssH * ratio);
    this.canvas.width = w;
    this.canvas.height = h;
    this.canvas.style.width = `${cssW}px`;
    this.canvas.style.height = `${cssH}px`;
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const style = getComputedStyle(this.host);
    const color = (name: string) => rgb(style.getPropertyValue(name).trim() || "#888");
    const green = color("--st-fresh");
    const red = color("--st-failed");
    const blue = color("--st-running");
    const grey = color("--st-never");
    const image = ctx.createImageData(w, h);
    const px = image.data;
    const s = this.data.states;
    const n = s.length;
    for (let x = 0; x < w; x++) {
      const from = Math.floor((x * n) / w);
      const to = Math.max(from + 1, Math.floor(((x + 1) * n) / w));
      let m = 0;
      let f = 0;
      let r = 0;
      for (let i = from; i < to && i < n; i++) {
        const ch = s.charCodeAt(i);
        if (ch === 109) m++;
        else if (ch === 102) f++;
        else if (ch === 114) r++;
      }
      const total = Math.min(to, n) - from;
      let top: [number, number, number] = grey;
      let split = 0; // rows from the bottom painted green
      if (f > 0) top = red;
      else if (r > 0) top = blue;
      else split = total > 0 ? Math.round((m / total) * h) : 0;
      for (let y = 0; y < h; y++) {
        const c = f > 0 || r > 0 ? top : h - y <= split ? green : grey;
        const o = (y * w + x) * 4;
        px[o] = c[0];
        px[o + 1] = c[1];
        px[o + 2] = c[2];
        px[o + 3] = 255;
      }
    }
    ctx.putImageData(image, 0, 0);
    if (this.range && n > 0) {
      const x0 = (this.range.first / n) * w;
      const x1 = ((this.range.last + 1) / n) * w;
      ctx.fillStyle = "rgba(80,140,255,0.35)";
      ctx.fillRect(x0, 0, Math.max(2, x1 - x0), h);
      ctx.strokeStyle = "rgba(80,140,255,1)";
      ctx.lineWidth = 2 * ratio;
      ctx.strokeRect(x0, 1, Math.max(2, x1 - x0), h - 2);
    }
    // Milliseconds since navigation when the bar was drawn (the ui_partitions_87600_ms benchmark).
    this.canvas.dataset.ready = String(Math.round(performance.now()));
  }

  private attach() {
    const keyOf = partitionKeyFn(this.data);
    let anchor: number | null = null;
    const pos = (e: PointerEvent) => e.clientX - this.canvas.getBoundingClientRect().left;
    const describe = (x: number) => {
      const w = this.canvas.clientWidth || 1;
      const n = this.data.states.length;
      const a = this.partitionAt(x);
      const b = Math.max(a, Math.min(n - 1, Math.floor(((x + 1) / w) * n) - 1));
      const states = this.data.states.slice(a, b + 1);
      const parts = Object.entries(STATE_NAMES)
        .map(([ch, name]) => [name, states.split(ch).length - 1] as const)
        .filter(([, c]) => c > 0)
        .map(([name, c]) => `${c} ${name}`);
      return `${keyOf(a)}${b > a ? ` … ${keyOf(b)}` : ""}: ${parts.join(", ")}`;
    };
    this.canvas.addEventListener("pointerdown", (e) => {
      anchor = this.partitionAt(pos(e));
      this.canvas.setPointerCapture(e.pointerId);
      this.setRange({ first: anchor, last: anchor });
    });
    this.canvas.addEventListener("pointermove", (e) => {
      this.onHover(describe(pos(e)));
      if (anchor === null) return;
      const p = this.partitionAt(pos(e));
      this.setRange({ first: Math.min(anchor, p), last: Math.max(anchor, p) });
    });
    this.canvas.addEventListener("pointerup", () => {
      anchor = null;
      if (this.range) this.onRange(this.range);
    });
    window.addEventListener("resize", () => this.draw());
  }
}
