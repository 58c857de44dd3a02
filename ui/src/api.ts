// The JSON API client (docs/api.md): typed GETs, POSTs with the CSRF header, the access token
// (taken once from ?token= and kept for the tab), and a Server-Sent Events reader over fetch so
// every event type arrives and the token travels as a header.

export type AssetStatus = "never_materialized" | "fresh" | "upstream_newer" | "failed" | "running";

export interface Latest {
  run_id: string;
  timestamp: number | string;
  partition?: string | null;
}
export interface AssetSummary {
  key: string;
  group: string;
  description?: string;
  kind?: string;
  partitioned?: boolean;
  deps?: string[];
  status: AssetStatus;
  latest?: Latest | null;
}
export interface GraphData {
  nodes: { key: string; group: string; status: AssetStatus }[];
  /** [from, to]: indices into nodes (what the server sends) or keys. */
  edges: [number | string, number | string][];
}
export interface MetadataEntry {
  label: string;
  kind: string;
  value: unknown;
}
export interface PartitionsInfo {
  kind?: string;
  count?: number;
  first?: string;
  last?: string;
}
export interface Materialization {
  run_id?: string;
  timestamp?: number | string;
  partition?: string | null;
  metadata?: MetadataEntry[];
}
export interface AssetDetail {
  key: string;
  group?: string;
  description?: string;
  type?: string;
  io_manager?: string;
  kind?: string;
  status?: AssetStatus;
  partitions?: PartitionsInfo | null;
  upstream?: (string | { key: string; status?: AssetStatus })[];
  downstream?: (string | { key: string; status?: AssetStatus })[];
  latest?: Materialization | null;
  definition_metadata?: MetadataEntry[];
  latest_failure?: { event_id?: number; run_id?: string } | null;
  code_version?: string;
  config_schema?: unknown;
  [extra: string]: unknown;
}
export interface PartitionStates {
  keys?: string[] | { first: string; last: string; count: number; format?: string };
  states: string;
}
export interface Run {
  run_id: string;
  job?: string;
  status: string;
  start?: number | string | null;
  end?: number | string | null;
  tags?: Record<string, string>;
  steps?: Step[];
  [extra: string]: unknown;
}
export interface Step {
  key: string;
  status: string;
  start?: number | string | null;
  end?: number | string | null;
  attempts?: number;
}
export interface RunEvent {
  id: number;
  type: string;
  step?: string | null;
  level?: string | null;
  message?: string;
  timestamp?: number | string;
  run_id?: string;
  [extra: string]: unknown;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const TOKEN_KEY = "strata-ui-token";

function token(): string | null {
  const fromUrl = new URLSearchParams(location.search).get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function headers(extra: Record<string, string> = {}): Record<string, string> {
  const t = token();
  return t ? { ...extra, Authorization: `Bearer ${t}` } : extra;
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, "bad_json", `${response.status}: ${text.slice(0, 200)}`);
  }
  if (!response.ok) {
    const err = (body as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(response.status, err?.code ?? "http", err?.message ?? `HTTP ${response.status}`);
  }
  return body as T;
}

export async function get<T>(
  path: string,
  params: Record<string, string | number | undefined> = {},
): Promise<T> {
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") query.set(k, String(v));
  const qs = query.toString();
  return parse<T>(await fetch(`/api/v1${path}${qs ? `?${qs}` : ""}`, { headers: headers() }));
}

export async function post<T>(path: string, body: unknown = {}): Promise<T> {
  const response = await fetch(`/api/v1${path}`, {
    method: "POST",
    headers: headers({ "Content-Type": "application/json", "X-Strata-Request": "1" }),
    body: JSON.stringify(body),
  });
  return parse<T>(response);
}

/** An asset key ("a/b") as URL path components, each encoded. */
export function keyPath(key: string): string {
  return key.split("/").map(encodeURIComponent).join("/");
}

export interface StreamHandle {
  close(): void;
}

/**
 * Reads /api/v1/stream (SSE) and calls `onEvent` for each event of any type; reconnects with
 * Last-Event-ID after a dropped connection until closed.
 */
export function stream(
  params: Record<string, string>,
  onEvent: (type: string, data: unknown, id: string | null) => void,
  onState: (connected: boolean) => void = () => {},
  after: string | null = null,
): StreamHandle {
  const controller = new AbortController();
  let lastId: string | null = after;
  let closed = false;
  const run = async () => {
    while (!closed) {
      try {
        const h = headers({ Accept: "text/event-stream" });
        if (lastId !== null) h["Last-Event-ID"] = lastId;
        const response = await fetch(`/api/v1/stream?${new URLSearchParams(params).toString()}`, {
          headers: h,
          signal: controller.signal,
        });
        if (!response.ok || !response.body) throw new Error(`stream: HTTP ${response.status}`);
        onState(true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        let type = "message";
        let data: string[] = [];
        let id: string | null = null;
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let newline: number;
          while ((newline = buffer.search(/\r\n|\r|\n/)) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
            if (line === "") {
              if (data.length) {
                if (id !== null) lastId = id;
                let parsed: unknown = data.join("\n");
                try {
                  parsed = JSON.parse(parsed as string);
                } catch {
                  /* keep the text */
                }
                onEvent(type, parsed, id);
              }
              type = "message";
              data = [];
              id = null;
              continue;
            }
            if (line.startsWith(":")) continue;
            const colon = line.indexOf(":");
            const field = colon < 0 ? line : line.slice(0, colon);
            const val = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
            if (field === "event") type = val;
            else if (field === "data") data.push(val);
            else if (field === "id") id = val;
          }
        }
      } catch {
        if (closed) return;
      }
      onState(false);
      if (closed) return;
      await new Promise((r) => setTimeout(r, 1000));
    }
  };
  run();
  return {
    close() {
      closed = true;
      controller.abort();
    },
  };
}
