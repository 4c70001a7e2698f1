// Runs the production bundle on workerd through Miniflare's API (no wrangler dev proxy).
// Shared by `npm run serve`, `npm run bench` and `npm run stress`.
import { execFileSync } from "node:child_process";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { Log, LogLevel, Miniflare } from "miniflare";
import { unstable_getMiniflareWorkerOptions, unstable_readConfig } from "wrangler";
import { checkSettings } from "./settings.mjs";

export const root = path.resolve(import.meta.dirname, "../..");
/** Where wrangler dev keeps local state; `npm start`, seed and serve all share it. */
export const defaultPersistRoot = path.join(root, ".wrangler/state");

/** wrangler.toml's [vars] as written (without .dev.vars), for runs that must not depend on it. */
export function configuredVars() {
  return unstable_readConfig({ config: path.join(root, "wrangler.toml") }).vars;
}

/** Builds the exact bundle `wrangler deploy` uploads into `outdir`; returns its entry file. */
export function buildBundle(outdir = path.join(root, "dist"), { faults = false } = {}) {
  // --env "": the top level of wrangler.toml (local development), said explicitly since it has environments.
  // A fault-test build (npm run stress -- --faults) keeps the D1 fault layer that every other build drops.
  // wrangler runs the build step (wrangler.toml [build]) first; EDGE_AUTH_LOCAL_BUNDLE tells it
  // this dry run is a local bundle.
  const define = faults ? ["--define", "EDGE_AUTH_FAULTS_BUILD:true"] : [];
  execFileSync(
    process.execPath,
    [path.join(root, "node_modules/wrangler/bin/wrangler.js"), "deploy", "--dry-run", "--outdir", outdir, "--env", "", ...define],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "inherit"],
      env: { ...process.env, EDGE_AUTH_LOCAL_BUNDLE: "1", WRANGLER_HIDE_BANNER: "true" },
    },
  );
  return path.join(outdir, "index.js");
}

/**
 * How many migrations a `wrangler d1 migrations apply` output says it applied. wrangler prints
 * the whole table again after each migration, so each name counts once.
 */
export function countAppliedMigrations(output) {
  return new Set([...output.matchAll(/^│\s*(\d{4}_[\w.-]+)\s*│\s*✅/gmu)].map((match) => match[1])).size;
}

/** Applies pending migrations to the local D1 kept under `persistRoot`. */
export function migrateLocal(persistRoot = defaultPersistRoot) {
  execFileSync("npx", ["wrangler", "d1", "migrations", "apply", "DB", "--local", "--persist-to", persistRoot], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    // Its local D1 is a Miniflare too: CLOUDFLARE_CF_FETCH_ENABLED=false keeps it from trying to
    // fetch the `request.cf` placeholder from Cloudflare (silently, but a network attempt).
    env: { CLOUDFLARE_CF_FETCH_ENABLED: "false", ...process.env, CI: "true" },
  });
}

/**
 * @param {{ port?: number, ip?: string, persistRoot?: string, bundle: string, vars?: Record<string, string>, log?: Log,
 *   handleRuntimeStdio?: (stdout: NodeJS.ReadableStream, stderr: NodeJS.ReadableStream) => void, extraWorkers?: object[],
 *   inspectorPort?: number }} options
 * Starts the bundle on workerd, listening straight on ip:port (Miniflare's entry worker is
 * skipped through a direct socket). `vars` override wrangler.toml's [vars].
 */
export async function startLocalServer({
  port = 8787,
  ip = "127.0.0.1",
  persistRoot = defaultPersistRoot,
  bundle,
  vars = {},
  log = new Log(LogLevel.WARN),
  handleRuntimeStdio,
  extraWorkers = [],
  inspectorPort,
}) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
  // The Worker would answer 503 to everything with a setting it refuses: say so now, in one line.
  checkSettings("edge-auth", { vars: { ...workerOptions.bindings, ...vars } });
  // Miniflare's assets emulation puts two more isolates in front of every request (4.5 times
  // fewer GET / a second here); on Cloudflare requests that are not files go straight to the
  // Worker. So the socket goes straight to the Worker, which serves /docs/ files through its
  // ASSETS binding, answered here from public/.
  const { assets, ...options } = workerOptions;
  const edgeAuth = {
    ...options,
    name: "edge-auth",
    modules: true,
    scriptPath: bundle,
    modulesRoot: path.dirname(bundle),
    bindings: { ...workerOptions.bindings, ...vars },
    serviceBindings: { ...options.serviceBindings, ASSETS: (request) => staticFile(assets.directory, request) },
    unsafeDirectSockets: [{ host: ip, port }],
  };
  const shared = {
    d1Persist: path.join(persistRoot, "v3/d1"),
    // Offline machines: do not try to fetch the `request.cf` placeholder from Cloudflare.
    cf: false,
    // INFO shows each message the simulated EMAIL binding "sends" (recipient, subject, the files
    // with its text and HTML); `npm run serve` uses it, benchmarks keep WARN.
    log,
    // The Worker's own output (its JSON log lines), for a test that reads them; else printed.
    ...(handleRuntimeStdio ? { handleRuntimeStdio } : {}),
    // workerd's DevTools inspector (bench/cpu.mjs takes CPU profiles through it), on 127.0.0.1 only.
    ...(inspectorPort ? { inspectorPort, inspectorHost: "127.0.0.1" } : {}),
  };
  // Other Workers beside it (a consumer of its AuthService entrypoint, in a test).
  const mf = new Miniflare(extraWorkers.length ? { ...shared, workers: [edgeAuth, ...extraWorkers] } : { ...edgeAuth, ...shared });
  await mf.ready;
  return mf;
}

const TYPES = {
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".png": "image/png",
  ".html": "text/html; charset=utf-8",
};

/** A file under `directory` for the ASSETS binding, as Cloudflare's asset server would answer. */
async function staticFile(directory, request) {
  let relative;
  try {
    relative = decodeURIComponent(new URL(request.url).pathname);
  } catch {
    return new Response("not found", { status: 404 });
  }
  const file = path.resolve(directory, `.${relative}`);
  if (!file.startsWith(`${path.resolve(directory)}${path.sep}`)) return new Response("not found", { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, { headers: { "content-type": TYPES[path.extname(file)] ?? "application/octet-stream" } });
  } catch {
    return new Response("not found", { status: 404 });
  }
}

/**
 * The local D1 database kept under `persistRoot`, the same one wrangler dev and `npm run serve`
 * use, opened through Miniflare for scripts (seeding, importing). Call `dispose()` when done.
 */
export async function openLocalD1(persistRoot = defaultPersistRoot) {
  const { workerOptions } = unstable_getMiniflareWorkerOptions(path.join(root, "wrangler.toml"));
  const mf = new Miniflare({
    modules: true,
    script: "export default { fetch() { return new Response(null, { status: 404 }); } }",
    compatibilityDate: workerOptions.compatibilityDate,
    d1Databases: workerOptions.d1Databases,
    d1Persist: path.join(persistRoot, "v3/d1"),
    // As in startLocalServer: no fetch of the `request.cf` placeholder (a warning and a stack offline).
    cf: false,
    log: new Log(LogLevel.WARN),
  });
  const db = await mf.getD1Database("DB");
  return { db, dispose: () => mf.dispose() };
}

/**
 * Miniflare's log for a local server people read: INFO, so each mail the simulated EMAIL binding
 * "sends" is printed, without Miniflare's own "Ready on" line for an internal port (ours is
 * printed by the script). `onMessage` also sees every line (tests read mail files from it).
 */
export class ServerLog extends Log {
  /** @param {(message: string) => void} [onMessage] @param {number} [level] */
  constructor(onMessage = (_message) => {}, level = LogLevel.INFO) {
    super(level);
    this.onMessage = onMessage;
  }

  logWithLevel(level, message) {
    this.onMessage(message);
    if (!/^Ready on /.test(message)) super.logWithLevel(level, message);
  }
}
