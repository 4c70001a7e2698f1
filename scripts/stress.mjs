#!/usr/bin/env node
// npm run stress: many concurrent clients run the whole account life cycle against the local
// production-like server (`npm run serve`'s setup, on its own fresh state), the server process
// group is killed with SIGKILL halfway and started again, and afterwards every write the
// service acknowledged is checked: each registration answered 200 must still log in with its
// latest acknowledged password. Prints a summary table; exits non-zero if anything was lost, any
// answer was a 5xx (with --faults: a 5xx other than 503, or a 503 without Retry-After), or the
// database fails PRAGMA integrity_check. Only 127.0.0.1 is contacted.
//   npm run stress                       (defaults: --seconds 20 --clients 24, a free port)
//   npm run stress -- --faults 0.05      the same with 5% of D1 calls failing as D1 fails
//   npm run stress -- --port 9000        listen on 127.0.0.1:9000 instead of a free port
//   npm run stress -- --help             all options
// While the load runs, a progress line on stderr (rewritten in place on a terminal, one line
// every 5 s otherwise) shows elapsed seconds, requests, 5xx and connection failures so far.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import initSqlJs from "sql.js";
import { buildBundle, migrateLocal, root } from "./lib/local-server.mjs";
import { describePortProblem, freePort, parsePort, portProblem } from "./lib/ports.mjs";

const usage = `usage: npm run stress -- [--seconds <n>] [--clients <n>] [--faults <0-0.5>] [--port <1-65535>] [--bcrypt-cost <4-15>] [--keep]

Runs many concurrent clients through the whole account life cycle against the production bundle
on workerd (its own fresh local D1 in a temporary directory), SIGKILLs the server halfway and
starts it again, then checks that every acknowledged write survived. Exits 1 if anything was
lost, any answer was a 5xx or PRAGMA integrity_check fails.

  --seconds <n>        length of the load phase (default 20; the kill comes at half of it)
  --clients <n>        concurrent clients, each with its own address (default 24)
  --faults <share>     this share of D1 calls fail as D1 fails (0 to 0.5, e.g. 0.05): documented
                       transient errors before or after the call ran, calls that answer late.
                       The server is a fault-test build (D1_FAULTS); 503 answers are then
                       expected (not acknowledged), any other 5xx still fails the run
  --port <port>        port on 127.0.0.1 for the server (default: a free port the system picks)
  --bcrypt-cost <n>    BCRYPT_COST for the run (default 4: the run is about data, not hashing)
  --keep               keep the temporary directory (state, bundle) and print its path
  -h, --help           this text`;

/** Exits 2 after one line saying what is wrong with the arguments, and the usage line. */
function badArguments(reason) {
  console.error(`stress: ${reason}\n${usage.split("\n")[0]}  (--help for more)`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      seconds: { type: "string", default: "20" },
      clients: { type: "string", default: "24" },
      faults: { type: "string", default: "0" },
      port: { type: "string" },
      "bcrypt-cost": { type: "string", default: "4" },
      keep: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  badArguments(error.message);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
if (!(SECONDS > 0)) badArguments("--seconds wants a positive number");
if (!Number.isInteger(CLIENTS) || CLIENTS < 1) badArguments("--clients wants a positive whole number");
const FAULTS = Number(values.faults);
if (!/^\d+(\.\d+)?$/.test(values.faults) || !(FAULTS >= 0 && FAULTS <= 0.5))
  badArguments("--faults wants a share from 0 to 0.5, such as 0.05");
if (!/^\d+$/.test(values["bcrypt-cost"])) badArguments("--bcrypt-cost wants a whole number (the service accepts 4 to 13)");
let PORT;
if (values.port === undefined) {
  PORT = await freePort();
} else {
  PORT = parsePort(values.port);
  if (Number.isNaN(PORT)) badArguments("--port wants a port from 1 to 65535");
  // Otherwise the clients could be talking to whatever already listens there.
  const problem = await portProblem(PORT);
  if (problem) {
    console.error(describePortProblem("stress", problem, PORT, "127.0.0.1"));
    process.exit(1);
  }
}
const BASE = `http://127.0.0.1:${PORT}`;

const tmp = mkdtempSync(path.join(os.tmpdir(), "edge-auth-stress-"));
const state = path.join(tmp, "state");
let server;

function startServer(bundle) {
  // Its own process group, so SIGKILL takes node and its workerd child down together.
  server = spawn(
    process.execPath,
    [
      path.join(root, "scripts/serve.mjs"),
      "--port",
      String(PORT),
      "--persist-to",
      state,
      "--bundle",
      bundle,
      "--var",
      `BCRYPT_COST:${values["bcrypt-cost"]}`,
      ...(FAULTS > 0 ? ["--fault-build", "--var", `D1_FAULTS:${FAULTS}`] : []),
    ],
    { detached: true, stdio: "ignore" },
  );
  return waitUntilUp();
}

async function waitUntilUp(timeoutMs = 30_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if ((await fetch(`${BASE}/`)).ok) return;
    } catch {}
    await sleep(100);
  }
  throw new Error("server did not come up");
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// What the clients saw.
const statusCounts = new Map();
let requestsAnswered = 0;
let connectionFailures = 0;
let unexpected5xx = 0;
let unavailable503 = 0;
let unavailableWithoutRetryAfter = 0;
let serverDown = false;
const acknowledged = new Map(); // email -> { password, pending: Set<string> }
let acknowledgedWrites = 0;

class ConnectionFailure extends Error {}

async function send(ip, method, pathname, form, cookie) {
  const headers = { "CF-Connecting-IP": ip };
  if (cookie) headers.Cookie = `session_id=${cookie}`;
  let response;
  try {
    response = await fetch(`${BASE}${pathname}`, {
      method,
      headers,
      body: form ? new URLSearchParams(form) : undefined,
      redirect: "manual",
    });
  } catch {
    connectionFailures += 1;
    throw new ConnectionFailure();
  }
  statusCounts.set(response.status, (statusCounts.get(response.status) ?? 0) + 1);
  requestsAnswered += 1;
  // Read once: a body cannot be read twice.
  const text = await response.text();
  if (response.status === 503 && FAULTS > 0 && text.includes("temporarily unavailable, try again")) {
    // Said "try again" for an injected D1 failure: expected, never counted as acknowledged.
    unavailable503 += 1;
    if (!response.headers.get("retry-after")) unavailableWithoutRetryAfter += 1;
  } else if (response.status >= 500) {
    unexpected5xx += 1;
    // Clears a progress line being rewritten in place first, so the two do not mix.
    console.error(`${process.stderr.isTTY ? "\r\x1b[K" : ""}5xx: ${method} ${pathname} -> ${response.status} ${text}`);
  }
  return {
    status: response.status,
    body: text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : null,
    headers: response.headers,
  };
}

/** One client: a distinct address running register, log in, profile, log out, reset, update. */
async function client(id, deadline) {
  const ip = `10.77.${id >> 8}.${id & 255}`;
  for (let cycle = 0; Date.now() < deadline; cycle++) {
    const email = `stress-${id}-${cycle}@stress.example`;
    const password = `pw-${id}-${cycle}`;
    try {
      const created = await send(ip, "POST", "/users", { email, password });
      if (created.status !== 200) continue;
      acknowledged.set(email, { password, pending: new Set() });
      acknowledgedWrites += 1;

      const login = await send(ip, "POST", "/sessions", { email, password });
      const cookie = /session_id=([^;]+)/.exec(login.headers.get("set-cookie") ?? "")?.[1];
      if (cookie) {
        await send(ip, "GET", "/profile", undefined, cookie);
        await send(ip, "DELETE", "/sessions", undefined, cookie);
      }
      const reset = await send(ip, "POST", "/reset_password", { email });
      if (reset.status !== 200) continue;
      const newPassword = `${password}-new`;
      const record = acknowledged.get(email);
      record.pending.add(newPassword); // sent: may apply even if we never see the answer
      const updated = await send(ip, "PUT", "/reset_password", { email, reset_token: reset.body.reset_token, new_password: newPassword });
      if (updated.status === 200) {
        acknowledged.set(email, { password: newPassword, pending: new Set() });
        acknowledgedWrites += 1;
      }
      await send(ip, "POST", "/sessions", { email, password: acknowledged.get(email).password });
    } catch (error) {
      if (!(error instanceof ConnectionFailure)) throw error;
      await sleep(serverDown ? 200 : 20);
    }
  }
}

/**
 * Shows the load phase's progress on stderr: every second, rewritten in place on a terminal; one
 * line every 5 s otherwise (logs, CI). Returns a function that stops it.
 */
function startProgress(started) {
  const tty = process.stderr.isTTY;
  const line = () => {
    const elapsed = (Date.now() - started) / 1000;
    return (
      `stress: ${elapsed.toFixed(0)}/${SECONDS} s, ${requestsAnswered.toLocaleString("en")} requests, ` +
      `${unexpected5xx} 5xx, ${connectionFailures.toLocaleString("en")} connection failures${serverDown ? " (server restarting)" : ""}`
    );
  };
  let ticks = 0;
  const timer = setInterval(() => {
    ticks += 1;
    if (tty) process.stderr.write(`\r\x1b[K${line()}`);
    else if (ticks % 5 === 0) process.stderr.write(`${line()}\n`);
  }, 1000);
  return () => {
    clearInterval(timer);
    // The final count, so the last line shown is not up to 5 s old.
    process.stderr.write(tty ? `\r\x1b[K${line()}\n` : `${line()}\n`);
  };
}

async function verify() {
  let verified = 0;
  const lost = [];
  const entries = [...acknowledged];
  for (let i = 0; i < entries.length; i += 16) {
    await Promise.all(
      entries.slice(i, i + 16).map(async ([email, { password, pending }], j) => {
        const ip = `10.88.${(i + j) >> 8}.${(i + j) & 255}`;
        for (const candidate of [password, ...pending]) {
          // "Try again" (a D1 failure, or the login backoff a wrong candidate started) is waited out.
          for (let attempt = 0; attempt < 20; attempt++) {
            const { status, headers } = await send(ip, "POST", "/sessions", { email, password: candidate });
            if (status === 200) {
              verified += 1;
              return;
            }
            if (status !== 503 && status !== 429) break;
            await sleep(1000 * Number(headers.get("retry-after") ?? 1));
          }
        }
        lost.push(email);
      }),
    );
  }
  return { verified, lost };
}

/** PRAGMA integrity_check of each local D1 file, through sql.js (a devDependency: no sqlite3 or Python needed). */
async function integrityCheck() {
  const require = createRequire(import.meta.url);
  const SQL = await initSqlJs({ locateFile: (name) => require.resolve(`sql.js/dist/${name}`) });
  const dir = path.join(state, "v3/d1/miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  return files.map((file) => {
    const db = new SQL.Database(readFileSync(path.join(dir, file)));
    try {
      return String(db.exec("PRAGMA integrity_check")[0].values[0][0]);
    } finally {
      db.close();
    }
  });
}

async function main() {
  console.log(
    `stress: ${CLIENTS} clients for ${SECONDS} s against ${BASE} (BCRYPT_COST ${values["bcrypt-cost"]}), SIGKILL + restart at ${SECONDS / 2} s` +
      (FAULTS > 0 ? `, ${FAULTS * 100}% of D1 calls failing` : ""),
  );
  const bundle = buildBundle(path.join(tmp, "dist"), { faults: FAULTS > 0 });
  migrateLocal(state);
  await startServer(bundle);

  const started = Date.now();
  const deadline = started + SECONDS * 1000;
  const stopProgress = startProgress(started);
  const clients = Array.from({ length: CLIENTS }, (_, id) => client(id, deadline));

  await sleep((SECONDS * 1000) / 2);
  serverDown = true;
  const ackedBeforeKill = acknowledged.size;
  process.kill(-server.pid, "SIGKILL");
  const killedAt = Date.now();
  await sleep(500);
  await startServer(bundle);
  serverDown = false;
  const downMs = Date.now() - killedAt;
  try {
    await Promise.all(clients);
  } finally {
    stopProgress();
  }

  const { verified, lost } = await verify();
  process.kill(-server.pid, "SIGTERM");
  await sleep(1000);
  const integrity = await integrityCheck();

  const rows = [
    ["requests answered", [...statusCounts.values()].reduce((a, b) => a + b, 0)],
    ...[...statusCounts].sort(([a], [b]) => a - b).map(([status, n]) => [`  status ${status}`, n]),
    ["connection failures (server down)", connectionFailures],
    ...(FAULTS > 0
      ? [
          ["D1 calls failing on purpose", `${FAULTS * 100}%`],
          ["503 temporarily unavailable (not acknowledged)", unavailable503],
          ["  of which without Retry-After", unavailableWithoutRetryAfter],
        ]
      : []),
    ["5xx answers (other than those 503s)", unexpected5xx],
    ["acknowledged writes (registrations + password updates)", acknowledgedWrites],
    ["accounts registered before the kill", ackedBeforeKill],
    ["accounts to verify", acknowledged.size],
    ["verified (log in with latest acknowledged password)", verified],
    ["lost", lost.length],
    ["server down for (ms, SIGKILL to ready)", downMs],
    ["PRAGMA integrity_check", integrity.join(", ")],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  console.log(`\n| ${"what".padEnd(width)} | value |\n|${"-".repeat(width + 2)}|------:|`);
  for (const [label, value] of rows) console.log(`| ${label.padEnd(width)} | ${value} |`);
  if (lost.length) console.log(`\nlost accounts: ${lost.slice(0, 10).join(", ")}${lost.length > 10 ? " ..." : ""}`);

  const ok =
    lost.length === 0 && unexpected5xx === 0 && unavailableWithoutRetryAfter === 0 && integrity.every((r) => r === "ok") && verified > 0;
  console.log(ok ? `\nstress: OK, nothing lost, no 5xx${FAULTS > 0 ? " but 503 with Retry-After" : ""}` : "\nstress: FAILED");
  return ok;
}

let ok = false;
try {
  ok = await main();
} finally {
  try {
    if (server) process.kill(-server.pid, "SIGKILL");
  } catch {}
  if (values.keep) console.log(`stress: kept ${tmp}`);
  else rmSync(tmp, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
