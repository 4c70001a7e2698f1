#!/usr/bin/env node
// npm run stress: many concurrent clients run the whole account life cycle against the local
// production-like server (`npm run serve`'s setup, on its own fresh state), the server process
// group is killed with SIGKILL halfway and started again, and afterwards every write the
// service acknowledged is checked: each registration answered 200 must still log in with its
// latest acknowledged password. Prints a summary table; exits non-zero if anything was lost, any
// answer was a 5xx, or the database fails PRAGMA integrity_check. Only 127.0.0.1 is contacted.
//   npm run stress                       (defaults: --seconds 20 --clients 24 --port 8805)
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { buildBundle, migrateLocal, root } from "./lib/local-server.mjs";

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "20" },
    clients: { type: "string", default: "24" },
    port: { type: "string", default: "8805" },
    "bcrypt-cost": { type: "string", default: "4" },
    keep: { type: "boolean", default: false },
  },
});
const SECONDS = Number(values.seconds);
const CLIENTS = Number(values.clients);
const PORT = Number(values.port);
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
let connectionFailures = 0;
let unexpected5xx = 0;
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
  if (response.status >= 500) {
    unexpected5xx += 1;
    console.error(`5xx: ${method} ${pathname} -> ${response.status} ${await response.text()}`);
  }
  const text = await response.text();
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

async function verify() {
  let verified = 0;
  const lost = [];
  const entries = [...acknowledged];
  for (let i = 0; i < entries.length; i += 16) {
    await Promise.all(
      entries.slice(i, i + 16).map(async ([email, { password, pending }], j) => {
        const ip = `10.88.${(i + j) >> 8}.${(i + j) & 255}`;
        for (const candidate of [password, ...pending]) {
          const { status } = await send(ip, "POST", "/sessions", { email, password: candidate });
          if (status === 200) {
            verified += 1;
            return;
          }
        }
        lost.push(email);
      }),
    );
  }
  return { verified, lost };
}

function integrityCheck() {
  const dir = path.join(state, "v3/d1/miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((f) => f.endsWith(".sqlite") && f !== "metadata.sqlite");
  return files.map((file) =>
    execFileSync(
      "python3",
      [
        "-c",
        "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])",
        path.join(dir, file),
      ],
      {
        encoding: "utf8",
      },
    ).trim(),
  );
}

async function main() {
  console.log(
    `stress: ${CLIENTS} clients for ${SECONDS} s against ${BASE} (BCRYPT_COST ${values["bcrypt-cost"]}), SIGKILL + restart at ${SECONDS / 2} s`,
  );
  const bundle = buildBundle(path.join(tmp, "dist"));
  migrateLocal(state);
  await startServer(bundle);

  const started = Date.now();
  const deadline = started + SECONDS * 1000;
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
  await Promise.all(clients);

  const { verified, lost } = await verify();
  process.kill(-server.pid, "SIGTERM");
  await sleep(1000);
  const integrity = integrityCheck();

  const rows = [
    ["requests answered", [...statusCounts.values()].reduce((a, b) => a + b, 0)],
    ...[...statusCounts].sort(([a], [b]) => a - b).map(([status, n]) => [`  status ${status}`, n]),
    ["connection failures (server down)", connectionFailures],
    ["5xx answers", unexpected5xx],
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

  const ok = lost.length === 0 && unexpected5xx === 0 && integrity.every((r) => r === "ok") && verified > 0;
  console.log(ok ? "\nstress: OK, nothing lost, no 5xx" : "\nstress: FAILED");
  return ok;
}

let ok = false;
try {
  ok = await main();
} finally {
  try {
    if (server) process.kill(-server.pid, "SIGKILL");
  } catch {}
  if (!values.keep) rmSync(tmp, { recursive: true, force: true });
}
process.exit(ok ? 0 : 1);
