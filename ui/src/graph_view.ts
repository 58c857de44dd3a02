// The lineage graph on a canvas: pan (drag, arrow keys), zoom (wheel, + and -, 0 fits), click to
// select (Shift/Ctrl adds), double-click or Enter to open an asset. Draws only what is in view;
// below a zoom threshold nodes lose their labels, so 10,000 assets stay smooth.

import type { AssetStatus, GraphData } from "./api";
import { layoutGraph, NODE_H, NODE_W, type Layout } from "./layout";

export interface GraphViewOptions {
  onSelect: (keys: string[]) => void;
  onOpen: (key: string) => void;
}

const STATUS_VAR: Record<AssetStatus, string> = {
  never_materialized: "--st-never",
  fresh: "--st-fresh",
  upstream_newer: "--st-stale",
  failed: "--st-failed",
  running: "--st-running",
};

export class GraphView {
  readonly canvas: HTMLCanvasElement;
  readonly layout: Layout;
  readonly keys: string[];
  private readonly status: AssetStatus[];
  private readonly index = new Map<string, number>();
  private readonly edges: Int32Array; // pairs
  private readonly adjacent: number[][];
  private scale = 1;
  private tx = 0;
  private ty = 0;
  private frame = 0;
  private selected = new Set<number>();
  private hover = -1;
  private focus = -1;
  private colors: Record<string, string> = {};
  private readonly resize: ResizeObserver;
  private readonly media = matchMedia("(prefers-color-scheme: dark)");

  constructor(
    private readonly host: HTMLElement,
    data: GraphData,
    private readonly options: GraphViewOptions,
  ) {
    this.keys = data.nodes.map((node) => node.key);
    this.status = data.nodes.map((node) => node.status);
    this.keys.forEach((k, i) => this.index.set(k, i));
    const edgeList: [number, number][] = [];
    for (const [from, to] of data.edges) {
      const a =
        typeof from === "number" ? (from < this.keys.length ? from : undefined) : this.index.get(from);
      const b = typeof to === "number" ? (to < this.keys.length ? to : undefined) : this.index.get(to);
      if (a !== undefined && b !== undefined) edgeList.push([a, b]);
    }
    this.edges = new Int32Array(edgeList.length * 2);
    this.adjacent = this.keys.map(() => []);
    edgeList.forEach(([a, b], i) => {
      this.edges[2 * i] = a;
      this.edges[2 * i + 1] = b;
      this.adjacent[a]!.push(b);
      this.adjacent[b]!.push(a);
    });
    this.layout = layoutGraph({
      keys: this.keys,
      groups: data.nodes.map((node) => node.group),
      edges: edgeList,
    });

    this.canvas = document.createElement("canvas");
    this.canvas.className = "graph-canvas";
    this.canvas.tabIndex = 0;
    this.canvas.setAttribute("role", "application");
    this.canvas.setAttribute(
      "aria-label",
      `Lineage graph of ${this.keys.length} assets. Arrow keys pan, + and - zoom, 0 fits, n and p move to the next and previous asset, Space selects, Enter opens.`,
    );
    this.canvas.dataset.nodes = String(this.keys.length);
    this.canvas.dataset.edges = String(edgeList.length);
    host.appendChild(this.canvas);
    this.readColors();
    this.media.addEventListener("change", this.onScheme);
    this.attachInput();
    this.resize = new ResizeObserver(() => this.sizeCanvas());
    this.resize.observe(host);
    this.sizeCanvas();
    this.fit();
  }

  destroy(): void {
    this.resize.disconnect();
    this.media.removeEventListener("change", this.onScheme);
    cancelAnimationFrame(this.frame);
  }

  private onScheme = () => {
    this.readColors();
    this.requestDraw();
  };

  private readColors() {
    const style = getComputedStyle(this.host);
    for (const name of [
      ...Object.values(STATUS_VAR),
      "--fg",
      "--muted",
      "--bg",
      "--panel",
      "--edge",
      "--accent",
      "--lane",
    ]) {
      this.colors[name] = style.getPropertyValue(name).trim() || "#888";
    }
  }

  private sizeCanvas() {
    const ratio = window.devicePixelRatio || 1;
    const w = Math.max(1, this.host.clientWidth);
    const h = Math.max(1, this.host.clientHeight);
    this.canvas.width = Math.round(w * ratio);
    this.canvas.height = Math.round(h * ratio);
    this.canvas.style.width = `${w}px`;
    this.canvas.style.height = `${h}px`;
    this.drawNow();
  }

  fit(): void {
    const w = this.host.clientWidth || 800;
    const h = this.host.clientHeight || 600;
    const s = Math.min(w / this.layout.width, h / this.layout.height, 1.5) * 0.95;
    this.scale = s;
    this.tx = (w - this.layout.width * s) / 2;
    this.ty = (h - this.layout.height * s) / 2;
    this.requestDraw();
  }

  zoomAt(factor: number, cx: number, cy: number): void {
    const next = Math.min(4, Math.max(0.005, this.scale * factor));
    const f = next / this.scale;
    this.tx = cx - (cx - this.tx) * f;
    this.ty = cy - (cy - this.ty) * f;
    this.scale = next;
    this.requestDraw();
  }

  pan(dx: number, dy: number): void {
    this.tx += dx;
    this.ty += dy;
    this.requestDraw();
  }

  /** Centres the view on `key` at a readable zoom. */
  reveal(key: string): void {
    const v = this.index.get(key);
    if (v === undefined) return;
    const w = this.host.clientWidth;
    const h = this.host.clientHeight;
    this.scale = Math.max(this.scale, 0.8);
    this.tx = w / 2 - (this.layout.x[v]! + NODE_W / 2) * this.scale;
    this.ty = h / 2 - (this.layout.y[v]! + NODE_H / 2) * this.scale;
    this.requestDraw();
  }

  /** Recolours nodes from a newer fetch of the same graph (no new layout). */
  updateStatuses(data: GraphData): void {
    for (const node of data.nodes) {
      const v = this.index.get(node.key);
      if (v !== undefined) this.status[v] = node.status;
    }
    this.requestDraw();
  }

  /** Where `key`'s box centre is, in CSS pixels relative to the canvas (tests click there). */
  screenPosition(key: string): { x: number; y: number } | null {
    const v = this.index.get(key);
    if (v === undefined) return null;
    return {
      x: (this.layout.x[v]! + NODE_W / 2) * this.scale + this.tx,
      y: (this.layout.y[v]! + NODE_H / 2) * this.scale + this.ty,
    };
  }

  selection(): string[] {
    return Array.from(this.selected, (v) => this.keys[v]!);
  }

  setSelection(keys: string[]): void {
    this.selected = new Set(keys.map((k) => this.index.get(k)).filter((v): v is number => v !== undefined));
    this.options.onSelect(this.selection());
    this.requestDraw();
  }

  private nodeAt(px: number, py: number): number {
    const wx = (px - this.tx) / this.scale;
    const wy = (py - this.ty) / this.scale;
    for (const col of this.layout.columns) {
      if (col.length === 0) continue;
      const x0 = this.layout.x[col[0]!]!;
      if (wx < x0 || wx > x0 + NODE_W) continue;
      let lo = 0;
      let hi = col.length - 1;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const y = this.layout.y[col[mid]!]!;
        if (wy < y) hi = mid - 1;
        else if (wy > y + NODE_H) lo = mid + 1;
        else return col[mid]!;
      }
    }
    return -1;
  }

  private toggle(v: number, additive: boolean) {
    if (!additive) this.selected.clear();
    if (v >= 0) {
      if (additive && this.selected.has(v)) this.selected.delete(v);
      else this.selected.add(v);
    }
    this.options.onSelect(this.selection());
    this.requestDraw();
  }

  private attachInput() {
    const c = this.canvas;
    let drag: { x: number; y: number; moved: boolean } | null = null;
    c.addEventListener("pointerdown", (e) => {
      drag = { x: e.clientX, y: e.clientY, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener("pointermove", (e) => {
      const rect = c.getBoundingClientRect();
      if (drag) {
        const dx = e.clientX - drag.x;
        const dy = e.clientY - drag.y;
        if (drag.moved || Math.abs(dx) + Math.abs(dy) > 3) {
          drag.moved = true;
          drag.x = e.clientX;
          drag.y = e.clientY;
          this.pan(dx, dy);
        }
        return;
      }
      const v = this.nodeAt(e.clientX - rect.left, e.clientY - rect.top);
      if (v !== this.hover) {
        this.hover = v;
        c.style.cursor = v >= 0 ? "pointer" : "grab";
        c.title = v >= 0 ? `${this.keys[v]} (${this.status[v]!.replace(/_/g, " ")})` : "";
        this.requestDraw();
      }
    });
    c.addEventListener("pointerup", (e) => {
      const wasDrag = drag?.moved ?? false;
      drag = null;
      if (wasDrag) return;
      const rect = c.getBoundingClientRect();
      const v = this.nodeAt(e.clientX - rect.left, e.clientY - rect.top);
      this.focus = v;
      this.toggle(v, e.shiftKey || e.ctrlKey || e.metaKey);
    });
    c.addEventListener("dblclick", (e) => {
      const rect = c.getBoundingClientRect();
      const v = this.nodeAt(e.clientX - rect.left, e.clientY - rect.top);
      if (v >= 0) this.options.onOpen(this.keys[v]!);
    });
    c.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const rect = c.getBoundingClientRect();
        this.zoomAt(Math.exp(-e.deltaY * 0.0015), e.clientX - rect.left, e.clientY - rect.top);
      },
      { passive: false },
    );
    c.addEventListener("keydown", (e) => {
      const step = 60;
      const w = c.clientWidth / 2;
      const h = c.clientHeight / 2;
      switch (e.key) {
        case "ArrowLeft":
          this.pan(step, 0);
          break;
        case "ArrowRight":
          this.pan(-step, 0);
          break;
        case "ArrowUp":
          this.pan(0, step);
          break;
        case "ArrowDown":
          this.pan(0, -step);
          break;
        case "+":
        case "=":
          this.zoomAt(1.25, w, h);
          break;
        case "-":
          this.zoomAt(0.8, w, h);
          break;
        case "0":
          this.fit();
          break;
        case "Escape":
          this.toggle(-1, false);
          break;
        case "n":
        case "p": {
          // Next / previous asset (Tab stays free to leave the canvas).
          if (this.keys.length === 0) return;
          const step = e.key === "p" ? this.keys.length - 1 : 1;
          this.focus = this.focus < 0 ? 0 : (this.focus + step) % this.keys.length;
          this.reveal(this.keys[this.focus]!);
          break;
        }
        case " ":
          if (this.focus >= 0) this.toggle(this.focus, true);
          break;
        case "Enter":
          if (this.focus >= 0) this.options.onOpen(this.keys[this.focus]!);
          else if (this.selected.size === 1) this.options.onOpen(this.selection()[0]!);
          break;
        default:
          return;
      }
      e.preventDefault();
    });
  }

  requestDraw(): void {
    if (this.frame) return;
    this.frame = requestAnimationFrame(() => {
      this.frame = 0;
      this.drawNow();
    });
  }

  drawNow(): void {
    const ctx = this.canvas.getContext("2d");
    if (!ctx) return;
    const ratio = window.devicePixelRatio || 1;
    const { x, y, lanes, columns } = this.layout;
    const s = this.scale;
    const viewW = this.canvas.width / ratio;
    const viewH = this.canvas.height / ratio;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.fillStyle = this.colors["--bg"]!;
    ctx.fillRect(0, 0, viewW, viewH);
    ctx.setTransform(ratio * s, 0, 0, ratio * s, ratio * this.tx, ratio * this.ty);
    const wx0 = -this.tx / s;
    const wy0 = -this.ty / s;
    const wx1 = wx0 + viewW / s;
    const wy1 = wy0 + viewH / s;

    // Lanes (groups).
    for (const lane of lanes) {
      if (lane.y > wy1 || lane.y + lane.height < wy0) continue;
      ctx.fillStyle = this.colors["--lane"]!;
      ctx.fillRect(0, lane.y, this.layout.width, lane.height);
    }

    // Edges: one path for all, then the selection's edges highlighted.
    const curve = (a: number, b: number) => {
      const x0 = x[a]! + NODE_W;
      const y0 = y[a]! + NODE_H / 2;
      const x1 = x[b]!;
      const y1 = y[b]! + NODE_H / 2;
      if ((x0 < wx0 && x1 < wx0) || (x0 > wx1 && x1 > wx1)) return;
      if ((y0 < wy0 && y1 < wy0) || (y0 > wy1 && y1 > wy1)) return;
      ctx.moveTo(x0, y0);
      if (s < 0.2) ctx.lineTo(x1, y1);
      else {
        const mx = (x0 + x1) / 2;
        ctx.bezierCurveTo(mx, y0, mx, y1, x1, y1);
      }
    };
    ctx.lineWidth = Math.max(1, 1.2 / s) * (s < 0.2 ? 0.6 : 1);
    ctx.strokeStyle = this.colors["--edge"]!;
    ctx.globalAlpha = s < 0.2 ? 0.35 : 0.9;
    ctx.beginPath();
    const e = this.edges;
    for (let i = 0; i < e.length; i += 2) curve(e[i]!, e[i + 1]!);
    ctx.stroke();
    ctx.globalAlpha = 1;
    if (this.selected.size || this.hover >= 0) {
      ctx.strokeStyle = this.colors["--accent"]!;
      ctx.lineWidth = Math.max(2, 2 / s);
      ctx.beginPath();
      for (let i = 0; i < e.length; i += 2) {
        const a = e[i]!;
        const b = e[i + 1]!;
        if (this.selected.has(a) || this.selected.has(b) || a === this.hover || b === this.hover) curve(a, b);
      }
      ctx.stroke();
    }

    // Nodes of the columns in view, rows found by binary search.
    const labels = s * NODE_H >= 14;
    ctx.font = "13px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    for (const col of columns) {
      if (col.length === 0) continue;
      const cx = x[col[0]!]!;
      if (cx > wx1 || cx + NODE_W < wx0) continue;
      let lo = 0;
      let hi = col.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (y[col[mid]!]! + NODE_H < wy0) lo = mid + 1;
        else hi = mid;
      }
      for (let r = lo; r < col.length; r++) {
        const v = col[r]!;
        const ny = y[v]!;
        if (ny > wy1) break;
        const statusColor = this.colors[STATUS_VAR[this.status[v]!] ?? "--st-never"]!;
        if (!labels) {
          ctx.fillStyle = statusColor;
          ctx.fillRect(cx, ny, NODE_W, NODE_H);
          if (this.selected.has(v)) {
            ctx.strokeStyle = this.colors["--accent"]!;
            ctx.lineWidth = 3 / s;
            ctx.strokeRect(cx, ny, NODE_W, NODE_H);
          }
          continue;
        }
        ctx.fillStyle = this.colors["--panel"]!;
        ctx.fillRect(cx, ny, NODE_W, NODE_H);
        ctx.fillStyle = statusColor;
        ctx.fillRect(cx, ny, 6, NODE_H);
        const sel = this.selected.has(v);
        ctx.strokeStyle = sel || v === this.focus ? this.colors["--accent"]! : statusColor;
        ctx.lineWidth = sel ? 3 : v === this.hover || v === this.focus ? 2 : 1;
        ctx.strokeRect(cx, ny, NODE_W, NODE_H);
        ctx.fillStyle = this.colors["--fg"]!;
        ctx.save();
        ctx.beginPath();
        ctx.rect(cx + 10, ny, NODE_W - 14, NODE_H);
        ctx.clip();
        ctx.fillText(this.keys[v]!, cx + 12, ny + NODE_H / 2);
        ctx.restore();
      }
    }
    // Group names at a readable size whatever the zoom, at the top of each lane in view.
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.font = "600 12px system-ui, sans-serif";
    ctx.textBaseline = "top";
    for (const lane of lanes) {
      const top = lane.y * s + this.ty;
      const bottom = (lane.y + lane.height) * s + this.ty;
      if (bottom < 0 || top > viewH || bottom - top < 16) continue;
      const label = lane.group || "default";
      const y = Math.max(4, top + 4);
      const w = ctx.measureText(label).width + 10;
      ctx.fillStyle = this.colors["--panel"]!;
      ctx.globalAlpha = 0.85;
      ctx.fillRect(6, y - 2, w, 18);
      ctx.globalAlpha = 1;
      ctx.fillStyle = this.colors["--muted"]!;
      ctx.fillText(label, 11, y + 1);
    }
    ctx.setTransform(1, 0, 0, 1, 0, 0);
  }
}
