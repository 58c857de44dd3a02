// What the browser tests and the UI benchmarks share: Debian's chromium through playwright-core
// (never a downloaded browser), a Strata program's `ui` command on a free loopback port over a temp
// STRATA_HOME, and running CLI commands of that program.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve as absolute } from "node:path";
import { chromium } from "playwright-core";

export const CHROMIUM = process.env.STRATA_CHROMIUM ?? "/usr/bin/chromium";
export const SKIP = 77; // CTest's SKIP_RETURN_CODE for these tests

/** Exits (fails under CI=true, else skips) when chromium is missing. */
export function requireChromium() {
  if (existsSync(CHROMIUM)) return;
  const message = `${CHROMIUM} not found: scripts/setup.sh installs Debian's chromium`;
  if (process.env.CI === "true") {
    console.error(`FAIL: ${message}`);
    process.exit(1);
  }
  console.error(`SKIP: ${message}`);
  process.exit(SKIP);
}

export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i].startsWith("--")) out[argv[i].slice(2)] = argv[i + 1]?.startsWith("--") ? "1" : argv[++i];
  }
  return out;
}

/** A temp directory removed by the returned cleanup. */
export function tempDir(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs a CLI command of `binary` in `cwd` with `env`; throws with its output when it fails. */
export function cli(binary, args, cwd, env) {
  const r = spawnSync(absolute(binary), args, {
    cwd,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0) {
    throw new Error(`${binary} ${args.join(" ")} exited ${r.status ?? r.error}: ${r.stderr || r.stdout}`);
  }
  return r.stdout;
}

/**
 * Starts `binary ui --host 127.0.0.1 --port 0` and resolves with {url, stop} once it prints the
 * address it serves (the kernel picked a free port).
 */
export function startUi(binary, cwd, env, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const child = spawn(absolute(binary), ["ui", "--host", "127.0.0.1", "--port", "0"], {
      cwd,
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${binary} ui printed no address within ${timeoutMs} ms: ${output}`));
    }, timeoutMs);
    const stop = () =>
      new Promise((done) => {
        if (child.exitCode !== null || child.signalCode !== null) return done();
        child.once("exit", () => done());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      });
    const onData = (chunk) => {
      output += chunk.toString();
      const m = /Strata UI: (http:\/\/127\.0\.0\.1:\d+)\//.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve({ url: m[1], stop, output: () => output });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${binary} ui exited (${code}) before serving: ${output}`));
    });
  });
}

/** Headless chromium with a fresh profile; close() removes the profile. */
export async function launchBrowser(viewport = { width: 1400, height: 900 }) {
  const profile = tempDir("strata-chromium-");
  const context = await chromium.launchPersistentContext(profile.dir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      profile.remove();
    },
  };
}
