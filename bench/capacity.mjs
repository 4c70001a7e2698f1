#!/usr/bin/env node
// npm run bench:capacity: the figures of the capacity plan (docs/scaling.md, issue #23), measured
// on the local D1 (SQLite in workerd through Miniflare, the setup of `npm run bench`):
//   1. the hot paths over HTTP (production bundle): session read (GET /profile), login (POST
//      /sessions) and a refresh-token rotation (POST /oauth/token), with the D1 round trips and
//      statements each one sends, and so statements per second;
//   2. the ceiling of one local D1, the single writer: a tiny Worker doing one statement per
//      request (a point read, a single-row UPDATE, a single-row INSERT) on a 100,000-row table;
//   3. the bytes each user, session, remembered device, grant, refresh token and passkey takes.
// Markdown on stdout, progress on stderr. About 3 minutes; --quick about 40 seconds.
//   npm run bench:capacity               node bench/capacity.mjs
//   npm run bench:capacity -- --quick    one 2 s run per case, 20,000 users in the size case
// Every server listens on 127.0.0.1 only, on ports the system picks.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import bcrypt from "bcryptjs";
import { Log, LogLevel, Miniflare } from "miniflare";
import { buildBundle, migrateLocal, openLocalD1, root, startLocalServer } from "../scripts/lib/local-server.mjs";
import { freePorts } from "../scripts/lib/ports.mjs";
import { seedEmail, seedUsers } from "../scripts/lib/seed-users.mjs";
import { fmt, has, sh, wrk as runWrk } from "./tools.mjs";

const usage = `usage: npm run bench:capacity -- [--quick]

Measures, on the local D1 (Miniflare/workerd), what a capacity plan needs: requests and D1
statements per second of the hot paths (session read, login, refresh-token rotation), the raw
statement rate of one local D1 (point read, single-row UPDATE and INSERT), and the bytes each
user, session, remembered device, OAuth grant, refresh token and passkey takes on disk.
Installs wrk and sqlite3 with apt-get if missing. About 3 minutes.

  --quick      a ~40-second run: one 2 s wrk run per case, 20,000 users in the size case
  -h, --help   this text`;

let values;
try {
  ({ values } = parseArgs({
    options: { quick: { type: "boolean", default: false }, help: { type: "boolean", short: "h", default: false } },
  }));
} catch (error) {
  console.error(`bench:capacity: ${error.message}\n${usage.split("\n")[0]}  (--help for more)`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}

const QUICK = values.quick;
const DURATION = QUICK ? "2s" : "4s";
const ROUNDS = QUICK ? 1 : 3;
const CONNECTIONS = "16";
const COST = 10;
/** Users of the server the hot paths run against (login picks one at random per request). */
const HOT_USERS = 10_000;
/** Rows of the raw-D1 table. */
const RAW_ROWS = 100_000;
/** Users in the size case; as many sessions, remembered devices, grants, refresh tokens and passkeys. */
const SIZE_ROWS = QUICK ? 20_000 : 100_000;
/** Requests sent one at a time per hot path to count D1's changes per request. */
const COUNTED = QUICK ? 10 : 20;
/** Statements of the raw-D1 loop (sequential, in one request; Cloudflare caps a request at 1,000 D1 queries). */
const LOOP = 1_000;
/** Statements per D1 batch in the raw-D1 loop's batched variant. */
const BATCH = 10;
/** Refresh tokens each wrk run starts with (one grant each); every answer hands back the next one. */
const TOKEN_POOL = 64;
/** The session refresh step (src/auth/sessions.ts: min(3600, idle timeout / 10)), for the notes. */
const REFRESH_STEP_SECONDS = 3600;

const CLIENT_ID = "capacity-client";
const SCOPE = "openid email offline_access";

const sha256 = (value) => createHash("sha256").update(value).digest("hex");
const hexId = () => randomBytes(16).toString("hex");

/** wrk drives the load; sqlite3 (the CLI) reads the size case's file with dbstat. */
function ensureDebianPackages() {
  const missing = ["wrk", "sqlite3"].filter((cmd) => !has(cmd));
  if (missing.length === 0) return;
  console.error(`installing ${missing.join(" ")} with apt-get...`);
  try {
    execFileSync("apt-get", ["install", "-y", ...missing], { stdio: "ignore" });
  } catch {
    try {
      execFileSync("sh", ["-c", `apt-get update && apt-get install -y ${missing.join(" ")}`], { stdio: "ignore" });
    } catch {
      // Checked below: wrk is required, sqlite3 only adds the per-index breakdown.
    }
  }
  if (!has("wrk")) {
    console.error("bench:capacity: wrk is missing and apt-get could not install it");
    process.exit(1);
  }
}

/** One wrk run, failed answers counting socket errors too. */
const wrk = (url, options = {}) =>
  // --timeout 10s: logins queue behind bcrypt for more than wrk's default 2 s on a busy machine.
  runWrk(url, { connections: CONNECTIONS, duration: DURATION, timeout: "10s", socketErrors: true, ...options });

/** The median run by req/s; errors are summed over all runs. */
function median(runs) {
  const middle = [...runs].sort((a, b) => a.rps - b.rps)[Math.floor(runs.length / 2)];
  return { ...middle, errors: runs.reduce((sum, run) => sum + run.errors, 0) };
}

/**
 * POST /oauth/token with refresh_token, rotating: a pool of live tokens (TOKENS_FILE, one per
 * line, each of its own grant); every request takes one, every answer puts its successor back.
 * With -t1 all connections share this Lua state, so a token is never sent twice.
 */
const REFRESH_LUA = `local pool = {}
for line in io.lines(os.getenv("TOKENS_FILE")) do pool[#pool + 1] = line end
local basic = os.getenv("BASIC")

request = function()
  local token = table.remove(pool) or "pool-empty"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Authorization"] = basic
  return wrk.format("POST", "/oauth/token", nil, "grant_type=refresh_token&refresh_token=" .. token)
end

response = function(status, headers, body)
  local token = body:match('"refresh_token":"([^"]+)"')
  if token then pool[#pool + 1] = token end
end
`;

/**
 * A tiny Worker for the raw statement rate: /<op> runs one statement and answers, nothing else;
 * /loop?op=<op>&count=<n>&batch=<k> runs n of them one call after another inside one request (D1's
 * own rate, without HTTP), k statements per call (a D1 batch). The row is picked at random in the
 * Worker; insert adds a row with a random 64-hex unique key (a session's secret_hash, say).
 */
const RAW_WORKER = `const ROWS = ${RAW_ROWS};
const hex = (bytes) => [...crypto.getRandomValues(new Uint8Array(bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
const id = () => 1 + Math.floor(Math.random() * ROWS);
const now = () => Math.floor(Date.now() / 1000);
const STATEMENTS = {
  one: (db) => db.prepare("SELECT 1 AS one"),
  read: (db) => db.prepare("SELECT * FROM items WHERE id = ?").bind(id()),
  update: (db) => db.prepare("UPDATE items SET counter = counter + 1, updated_at = ? WHERE id = ?").bind(now(), id()),
  insert: (db) => db.prepare("INSERT INTO items (key, payload, counter, updated_at) VALUES (?, ?, 0, ?)").bind(hex(32), hex(40), now()),
};
export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === "/loop") {
      const make = STATEMENTS[url.searchParams.get("op")];
      const count = Number(url.searchParams.get("count"));
      const batch = Number(url.searchParams.get("batch") ?? 1);
      if (!make || !(count > 0) || !(batch > 0)) return new Response("bad loop", { status: 400 });
      for (let i = 0; i < count; i += batch) {
        if (batch === 1) await make(env.DB).run();
        else await env.DB.batch(Array.from({ length: batch }, () => make(env.DB)));
      }
      return Response.json({ count });
    }
    const make = STATEMENTS[url.pathname.slice(1)];
    if (!make) return new Response("not found", { status: 404 });
    const { results, meta } = await make(env.DB).run();
    return Response.json({ results, changes: meta.changes });
  },
};
`;

/**
 * The D1 work of each hot path, read from the code (file and function named; test/round-trips.test.ts
 * asserts the round trips). A batch is one round trip of several statements. "reads" are SELECTs,
 * "writes" INSERT/UPDATE/DELETE (each reads what its WHERE or SELECT names, and every one goes
 * through the single writer); "rows" the rows they change in the steady state measured here.
 */
const COUNTS = {
  profile: {
    label: "GET /profile (session read)",
    roundTrips: 1,
    statements: 1,
    reads: 1,
    writes: 0,
    rows: 0,
    where: "SessionStore.findSession (src/db/sessions.ts): SELECT sessions JOIN users by secret_hash",
  },
  profileTouch: {
    label: `GET /profile, idle refresh (once per session per ${REFRESH_STEP_SECONDS} s of use)`,
    roundTrips: 2,
    statements: 2,
    reads: 1,
    writes: 1,
    rows: 1,
    where: "+ SessionStore.touchSession: UPDATE sessions SET idle_expires_at, last_used_at",
  },
  login: {
    label: `POST /sessions (login, bcrypt ${COST})`,
    roundTrips: 2,
    statements: 9,
    reads: 1,
    writes: 8,
    rows: 4,
    where:
      "LoginStore.claimLoginAttempt (src/db/logins.ts), batch: UPDATE login_devices, UPDATE users, SELECT users JOIN login_devices JOIN totp_credentials; " +
      "SessionStore.startSession (src/db/sessions.ts), batch: INSERT sessions, DELETE sessions over the cap, DELETE + INSERT login_devices, DELETE login_devices over the cap, UPDATE users (backoff)",
  },
  refresh: {
    label: "POST /oauth/token (refresh_token, rotated)",
    roundTrips: 2,
    statements: 4,
    reads: 2,
    writes: 2,
    rows: 2,
    where:
      "OAuthStore.findRefreshToken (src/db/oauth.ts), batch: SELECT oauth_clients, SELECT oauth_refresh_tokens JOIN oauth_grants JOIN users; " +
      "OAuthStore.rotate, batch: UPDATE oauth_refresh_tokens (mark used), INSERT oauth_refresh_tokens (successor)",
  },
};

const servers = [];
const tmp = mkdtempSync(path.join(os.tmpdir(), "edge-auth-capacity-"));
let cleaned = false;
async function cleanup() {
  if (cleaned) return;
  cleaned = true;
  for (const server of servers.splice(0)) await server.dispose().catch(() => {});
  rmSync(tmp, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.once(signal, () => {
    console.error(`bench:capacity: ${signal}, stopping`);
    cleanup().finally(() => process.exit(130));
  });
}

/** Copies a migrated local state (the SQLite files, not the WAL index, which is rebuilt) to `to`. */
function copyState(from, to) {
  cpSync(from, to, { recursive: true, filter: (source) => !source.endsWith("-shm") });
}

/** The D1 database file under a persist root (Miniflare keeps one .sqlite per database object). */
function sqliteFile(persistRoot) {
  const dir = path.join(persistRoot, "v3/d1/miniflare-D1DatabaseObject");
  const files = readdirSync(dir).filter((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  if (files.length !== 1) throw new Error(`expected one database file in ${dir}, found ${files.length}`);
  return path.join(dir, files[0]);
}

/**
 * SQLite's own count of rows changed on the D1's one connection. The local D1 also writes one row
 * of its own per call (this one included), so between two readings it grows by the calls made in
 * between, plus one, plus the rows they inserted, updated or deleted.
 */
async function totalChanges(db) {
  return (await db.prepare("SELECT total_changes() AS n").first()).n;
}

/** D1's size of the database (bytes, pages in use), as each answer's meta carries it. */
async function databaseBytes(db) {
  return (await db.prepare("SELECT 1").run()).meta.size_after;
}

async function login(port, email) {
  const response = await fetch(`http://127.0.0.1:${port}/sessions`, {
    method: "POST",
    body: new URLSearchParams({ email, password: "password" }),
    headers: { "CF-Connecting-IP": `10.9.${Math.floor(Math.random() * 255)}.${1 + Math.floor(Math.random() * 253)}` },
  });
  const cookie = /session_id=([^;]+)/.exec(response.headers.get("set-cookie") ?? "")?.[1];
  if (response.status !== 200 || !cookie) throw new Error(`login as ${email} failed: ${response.status}`);
  return cookie;
}

/**
 * GET on a connection of its own. (fetch would reuse a kept-alive connection that workerd may
 * have closed during the wrk run before: "other side closed".)
 */
function getOnce(url) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { agent: false }, (response) => {
        let body = "";
        response.setEncoding("utf8");
        response.on("data", (chunk) => (body += chunk));
        response.on("end", () => (response.statusCode === 200 ? resolve(body) : reject(new Error(`GET ${url}: ${response.statusCode}`))));
      })
      .on("error", reject);
  });
}

/** Stores `count` grants of the bench client with one live refresh token each; returns the tokens. */
async function refreshTokens(db, count, firstUser = 1) {
  const tokens = Array.from({ length: count }, () => randomBytes(32).toString("base64url"));
  const grant = db.prepare(
    "INSERT INTO oauth_grants (id, user_id, client_id, scope, auth_time, amr, created_at, expires_at) VALUES (?, ?, ?, ?, unixepoch(), 'pwd', unixepoch(), unixepoch() + 31536000)",
  );
  const token = db.prepare(
    "INSERT INTO oauth_refresh_tokens (token_hash, grant_id, created_at, idle_expires_at) VALUES (?, ?, unixepoch(), unixepoch() + 2592000)",
  );
  const statements = tokens.flatMap((value, i) => {
    const id = hexId();
    return [grant.bind(id, firstUser + (i % HOT_USERS), CLIENT_ID, SCOPE), token.bind(sha256(value), id)];
  });
  for (let i = 0; i < statements.length; i += 200) await db.batch(statements.slice(i, i + 200));
  return tokens;
}

async function refresh(port, basic, token) {
  const response = await fetch(`http://127.0.0.1:${port}/oauth/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "refresh_token", refresh_token: token }),
    headers: { authorization: basic },
  });
  const body = await response.json();
  if (response.status !== 200 || !body.refresh_token) throw new Error(`refresh failed: ${response.status} ${JSON.stringify(body)}`);
  return body.refresh_token;
}

/**
 * Sends `count` requests one at a time and returns D1's changes per request net of the reading
 * itself: the request's D1 calls plus the rows it changed (see totalChanges).
 */
async function changesPerRequest(db, count, send) {
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const before = await totalChanges(db);
    await send(i);
    sum += (await totalChanges(db)) - before - 1;
  }
  return sum / count;
}

/** Part 1: the hot paths over HTTP, and D1's changes per request as a check of the counts. */
async function hotPaths(bundle, template) {
  const state = path.join(tmp, "hot");
  copyState(template, state);
  const [port] = await freePorts(1);
  const server = await startLocalServer({ port, persistRoot: state, bundle, vars: { BCRYPT_COST: String(COST), LOG_REQUESTS: "false" } });
  servers.push(server);
  const db = await server.getD1Database("DB");
  await seedUsers(db, { total: HOT_USERS, cost: COST });
  const secret = randomBytes(32).toString("base64url");
  await db
    .prepare(
      "INSERT INTO oauth_clients (id, name, secret_hash, redirect_uris, first_party, created_at) VALUES (?, 'Capacity', ?, ?, 1, unixepoch())",
    )
    .bind(CLIENT_ID, sha256(secret), JSON.stringify(["https://capacity.example/cb"]))
    .run();
  const basic = `Basic ${Buffer.from(`${CLIENT_ID}:${secret}`).toString("base64")}`;
  process.stderr.write(`hot paths: edge-auth on 127.0.0.1:${port}, ${fmt(HOT_USERS)} users\n`);

  // The counts, checked: one request at a time, D1's changes per request.
  const cookie = await login(port, seedEmail(5));
  const measured = {};
  measured.profile = await changesPerRequest(db, COUNTED, async () => {
    const response = await fetch(`http://127.0.0.1:${port}/profile`, { headers: { cookie: `session_id=${cookie}` } });
    if (response.status !== 200) throw new Error(`GET /profile: ${response.status}`);
    await response.arrayBuffer();
  });
  // The idle refresh: the session's idle deadline moved back two hours before each request.
  const touch = db.prepare(
    "UPDATE sessions SET idle_expires_at = idle_expires_at - 7200, last_used_at = last_used_at - 7200 WHERE secret_hash = ?",
  );
  let touched = 0;
  for (let i = 0; i < 5; i++) {
    await touch.bind(sha256(cookie)).run();
    touched += await changesPerRequest(db, 1, async () => {
      const response = await fetch(`http://127.0.0.1:${port}/profile`, { headers: { cookie: `session_id=${cookie}` } });
      if (response.status !== 200) throw new Error(`GET /profile: ${response.status}`);
      await response.arrayBuffer();
    });
  }
  measured.profileTouch = touched / 5;
  measured.login = await changesPerRequest(db, COUNTED, (i) => login(port, seedEmail(HOT_USERS - i)));
  const [chain] = await refreshTokens(db, 1);
  let current = chain;
  measured.refresh = await changesPerRequest(db, COUNTED, async () => {
    current = await refresh(port, basic, current);
  });
  process.stderr.write("hot paths: counted D1's changes per request\n");

  const loginScript = path.join(root, "bench/login.lua");
  const refreshScript = path.join(tmp, "refresh.lua");
  writeFileSync(refreshScript, REFRESH_LUA);
  const runs = { profile: [], login: [], refresh: [] };
  for (let round = 0; round < ROUNDS; round++) {
    runs.profile.push(wrk(`http://127.0.0.1:${port}/profile`, { cookie }));
    runs.login.push(
      wrk(`http://127.0.0.1:${port}/sessions`, {
        script: loginScript,
        env: { EMAIL_FORMAT: "user%d@seed.example", FIRST_USER: "1", USERS: String(HOT_USERS) },
      }),
    );
    const tokensFile = path.join(tmp, `tokens-${round}.txt`);
    writeFileSync(tokensFile, `${(await refreshTokens(db, TOKEN_POOL, 1 + round * TOKEN_POOL)).join("\n")}\n`);
    runs.refresh.push(
      wrk(`http://127.0.0.1:${port}/oauth/token`, { script: refreshScript, env: { TOKENS_FILE: tokensFile, BASIC: basic } }),
    );
    process.stderr.write(`hot paths: round ${round + 1}/${ROUNDS} done\n`);
  }
  await server.dispose();
  servers.splice(servers.indexOf(server), 1);
  return { measured, profile: median(runs.profile), login: median(runs.login), refresh: median(runs.refresh) };
}

/** Part 2: one statement per request through a bare Worker, on a RAW_ROWS-row table. */
async function rawD1() {
  const [port] = await freePorts(1);
  const raw = new Miniflare({
    modules: true,
    script: RAW_WORKER,
    compatibilityDate: "2026-04-01",
    d1Databases: { DB: "capacity-raw" },
    d1Persist: path.join(tmp, "raw"),
    unsafeDirectSockets: [{ host: "127.0.0.1", port }],
    // Offline machines: do not try to fetch the `request.cf` placeholder from Cloudflare.
    cf: false,
    log: new Log(LogLevel.WARN),
  });
  servers.push(raw);
  await raw.ready;
  const db = await raw.getD1Database("DB");
  // A users-like row: integer key, a unique 64-hex text key (indexed), an 80-char payload.
  await db.exec(
    "CREATE TABLE items (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, payload TEXT NOT NULL, counter INTEGER NOT NULL DEFAULT 0, updated_at INTEGER)",
  );
  await db
    .prepare(
      `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?1)
       INSERT INTO items (id, key, payload, counter, updated_at) SELECT n, lower(hex(randomblob(32))), lower(hex(randomblob(40))), 0, unixepoch() FROM seq`,
    )
    .bind(RAW_ROWS)
    .run();
  process.stderr.write(`raw D1: bare Worker on 127.0.0.1:${port}, ${fmt(RAW_ROWS)} rows\n`);
  const cases = [
    { op: "one", label: "`SELECT 1` (no table: the per-call floor)" },
    { op: "read", label: "point read by primary key (`SELECT * ... WHERE id = ?`)" },
    { op: "update", label: "single-row UPDATE by primary key (two unindexed columns)" },
    { op: "insert", label: "single-row INSERT (integer key + a 64-hex UNIQUE key)" },
  ];
  const runs = cases.map(() => []);
  const loops = cases.map(() => ({ single: [], batched: [] }));
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of cases.entries()) {
      runs[i].push(wrk(`http://127.0.0.1:${port}/${c.op}`));
      // The same statement LOOP times in one request, one after another: D1's rate without HTTP.
      for (const [key, batch] of [
        ["single", 1],
        ["batched", BATCH],
      ]) {
        const started = performance.now();
        await getOnce(`http://127.0.0.1:${port}/loop?op=${c.op}&count=${LOOP}&batch=${batch}`);
        loops[i][key].push((LOOP * 1000) / (performance.now() - started));
      }
    }
    process.stderr.write(`raw D1: round ${round + 1}/${ROUNDS} done\n`);
  }
  await raw.dispose();
  servers.splice(servers.indexOf(raw), 1);
  const middle = (rates) => [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)];
  return cases.map((c, i) => ({ ...c, run: median(runs[i]), single: middle(loops[i].single), batched: middle(loops[i].batched) }));
}

/**
 * Part 3: rows of each kind added to a fresh, migrated database, the database's growth measured
 * after each kind (D1's size_after), then the bytes of each table and index read with dbstat.
 */
async function sizes(template) {
  const state = path.join(tmp, "size");
  copyState(template, state);
  const n = SIZE_ROWS;
  const local = await openLocalD1(state);
  servers.push({ dispose: () => local.dispose() });
  const db = local.db;
  /** Runs `insert` and returns the bytes the database grew by. */
  const grow = async (label, insert) => {
    const before = await databaseBytes(db);
    await insert();
    const after = await databaseBytes(db);
    process.stderr.write(`sizes: ${label} +${fmt(after - before)} bytes\n`);
    return after - before;
  };
  // One row per user (users 1..n of the fresh database), inserted in random order of user, as the
  // indexes on user_id, email and the random keys see them in life (random inserts leave b-tree
  // pages about 70% full, sorted ones full); p is the row's place in time, so deadlines and
  // timestamps grow as they do (t = now - n + p). n is a literal: D1 would bind a JS number as REAL.
  const shuffled = (sql, bind = []) =>
    db
      .prepare(
        `WITH RECURSIVE numbers(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM numbers WHERE n < ${n}),
         shuffle AS (SELECT n, row_number() OVER (ORDER BY random()) AS p FROM numbers),
         seq AS (SELECT n, p, unixepoch() - ${n} + p AS t FROM shuffle)
         ${sql} ORDER BY p`,
      )
      .bind(...bind)
      .run();
  const growth = {};
  // Users as the seed makes them (user<k>@seed.example, one bcrypt hash of cost 10, public_id set by
  // the trigger of migration 0008), each verified and logged in once (the throttle's columns set).
  const hash = await bcrypt.hash("password", COST);
  growth.users = await grow("users", () =>
    shuffled(
      `INSERT INTO users (email, hashed_password, email_verified_at, login_checks_at, login_checks, created_at)
       SELECT 'user' || n || '@seed.example', ?1, t + 600, t + 60, 1, t FROM seq`,
      [hash],
    ),
  );
  // Sessions as Flow.newSession makes them (src/auth/flow.ts): a 32-hex public id, the SHA-256 of
  // the secret in hex, 30-day and 7-day deadlines, "Firefox on Linux", "DE", "pwd". One per user.
  growth.sessions = await grow("sessions", () =>
    shuffled(
      `INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, idle_expires_at, last_used_at, device, country, amr, reauthenticated_at)
       SELECT lower(hex(randomblob(16))), n, lower(hex(randomblob(32))), t, t + 2592000, t + 604800, t, 'Firefox on Linux', 'DE', 'pwd', t FROM seq`,
    ),
  );
  // A remembered client per user (every password login records one: src/db/logins.ts).
  growth.devices = await grow("login devices", () =>
    shuffled(
      `INSERT INTO login_devices (user_id, token_hash, failed_login_count, login_blocked_until, login_checks_at, login_checks, last_login_at)
       SELECT n, lower(hex(randomblob(32))), 0, NULL, NULL, 0, t FROM seq`,
    ),
  );
  await db
    .prepare(
      "INSERT INTO oauth_clients (id, name, secret_hash, redirect_uris, first_party, created_at) VALUES (?, 'Capacity', ?, ?, 1, unixepoch())",
    )
    .bind(CLIENT_ID, sha256("secret"), JSON.stringify(["https://capacity.example/cb"]))
    .run();
  // A grant per user (what one code exchange issued, with offline access), a random 32-hex id.
  growth.grants = await grow("grants", () =>
    shuffled(
      `INSERT INTO oauth_grants (id, user_id, client_id, scope, auth_time, amr, created_at, expires_at)
       SELECT lower(hex(randomblob(16))), n, ?1, ?2, unixepoch(), 'pwd', unixepoch(), unixepoch() + 31536000 FROM seq`,
      [CLIENT_ID, SCOPE],
    ),
  );
  // A refresh token per grant, a used one (used_at and replaced_by set):
  // what every rotation leaves behind, kept until its grant ends.
  growth.refresh = await grow("refresh tokens", () =>
    db
      .prepare(
        `INSERT INTO oauth_refresh_tokens (token_hash, grant_id, created_at, idle_expires_at, used_at, replaced_by)
         SELECT lower(hex(randomblob(32))), id, unixepoch(), unixepoch() + 2592000, unixepoch() + 600, lower(hex(randomblob(32)))
         FROM oauth_grants ORDER BY random()`,
      )
      .run(),
  );
  // A passkey per user as src/auth/webauthn.ts stores an ES256 one: a 32-byte credential id in
  // base64url (43 characters), the public key as a JWK, the name Passkeys.register gives it.
  growth.passkeys = await grow("passkeys", () =>
    shuffled(
      `INSERT INTO passkeys (id, user_id, credential_id, public_key, algorithm, sign_count, backup_eligible, backed_up, transports, name, created_at, last_used_at)
       SELECT lower(hex(randomblob(16))), n, substr(hex(randomblob(22)), 1, 43),
         '{"kty":"EC","crv":"P-256","x":"' || substr(hex(randomblob(22)), 1, 43) || '","y":"' || substr(hex(randomblob(22)), 1, 43) || '"}',
         -7, 0, 1, 1, 'internal,hybrid', 'Chrome on macOS, 2026-01-15', unixepoch(), unixepoch()
       FROM seq`,
    ),
  );
  const emailLength = (await db.prepare("SELECT avg(length(email)) AS n FROM users").first()).n;
  const total = await databaseBytes(db);
  await local.dispose();
  servers.pop();

  // dbstat: the pages of each table and index (the WAL checkpointed into the file first).
  let objects = null;
  if (has("sqlite3")) {
    try {
      const file = sqliteFile(state);
      sh("sqlite3", [file, "PRAGMA wal_checkpoint(TRUNCATE);"]);
      const rows = JSON.parse(
        sh("sqlite3", [
          "-json",
          file,
          "SELECT s.name AS name, m.tbl_name AS tbl, m.type AS type, sum(s.pgsize) AS bytes, sum(s.payload) AS payload FROM dbstat s JOIN sqlite_schema m ON m.name = s.name GROUP BY s.name",
        ]) || "[]",
      );
      objects = rows;
    } catch (error) {
      process.stderr.write(`sizes: no dbstat breakdown (${error.message.split("\n")[0]})\n`);
    }
  }
  return { n, growth, emailLength, total, objects };
}

function report({ hot, raw, size }) {
  console.log(
    `\n## Hot paths (edge-auth production bundle on workerd, local D1; wrk -t1 -c${CONNECTIONS} -d${DURATION}, median of ${ROUNDS})\n`,
  );
  console.log(
    "| path | req/s | p50 ms | p99 ms | errors | D1 round trips/req | statements/req | reads/req | writes/req | round trips/s | statements/s | reads/s | writes/s |",
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
  for (const key of ["profile", "login", "refresh"]) {
    const c = COUNTS[key];
    const r = hot[key];
    console.log(
      `| ${c.label} | ${fmt(r.rps)} | ${fmt(r.p50, 2)} | ${fmt(r.p99, 2)} | ${r.errors} | ${c.roundTrips} | ${c.statements} | ${c.reads} | ${c.writes} | ${fmt(
        r.rps * c.roundTrips,
      )} | ${fmt(r.rps * c.statements)} | ${fmt(r.rps * c.reads)} | ${fmt(r.rps * c.writes)} |`,
    );
  }
  console.log(
    `\nGET /profile writes nothing in these runs: a session's idle deadline moves at most once per ${REFRESH_STEP_SECONDS} s of use (then 2 round trips: the read and one UPDATE). So a session read adds at most 1/${REFRESH_STEP_SECONDS} UPDATE per active session per second.`,
  );

  console.log("\n## D1 statements per request, from the code, checked against SQLite's change counter\n");
  console.log(
    `Measured: ${COUNTED} requests sent one at a time (5 for the idle refresh); total_changes() on the local D1's connection grows by one per D1 call (the local D1's own bookkeeping row) plus the rows changed, so "measured" should equal round trips + rows changed.\n`,
  );
  console.log("| path | round trips | statements | reads | writes | rows changed | round trips + rows | measured | statements sent |");
  console.log("|---|---:|---:|---:|---:|---:|---:|---:|---|");
  for (const key of ["profile", "profileTouch", "login", "refresh"]) {
    const c = COUNTS[key];
    const measured = hot.measured[key];
    const ok = Math.abs(measured - (c.roundTrips + c.rows)) < 0.01 ? "" : " (differs)";
    console.log(
      `| ${c.label} | ${c.roundTrips} | ${c.statements} | ${c.reads} | ${c.writes} | ${c.rows} | ${c.roundTrips + c.rows} | ${fmt(measured, 2)}${ok} | ${c.where} |`,
    );
  }
  console.log(
    "\nLogin's rows changed: the claim's UPDATE users, INSERT sessions, INSERT login_devices, the backoff's UPDATE users; plus one DELETE each once a user has 10 sessions (MAX_SESSIONS_PER_USER) or 20 remembered devices. The claim's UPDATE login_devices and the DELETE of the presented device token change nothing without a device cookie (wrk sends none).",
  );

  console.log(
    `\n## One local D1: the raw statement rate (bare Worker, ${fmt(RAW_ROWS)}-row table; wrk -t1 -c${CONNECTIONS} -d${DURATION}, median of ${ROUNDS})\n`,
  );
  console.log(
    `HTTP: one statement per request, wrk's ${CONNECTIONS} connections. In-Worker: ${fmt(LOOP)} statements inside one request, one D1 call after another (no HTTP, no concurrency), one statement per call or ${BATCH} per call (a D1 batch: one round trip); median of ${ROUNDS}.\n`,
  );
  console.log(
    `| statement | HTTP req/s = statements/s | p50 ms | p99 ms | errors | in-Worker, 1 per call: statements/s | in-Worker, ${BATCH} per batch: statements/s |`,
  );
  console.log("|---|---:|---:|---:|---:|---:|---:|");
  for (const { label, run, single, batched } of raw) {
    console.log(
      `| ${label} | ${fmt(run.rps)} | ${fmt(run.p50, 2)} | ${fmt(run.p99, 2)} | ${run.errors} | ${fmt(single)} | ${fmt(batched)} |`,
    );
  }

  const { n, growth, objects } = size;
  console.log(`\n## Bytes per row (a fresh migrated database, ${fmt(n)} rows of each kind, 4 KiB pages)\n`);
  console.log(
    `Growth: the database's size (D1's size_after) before and after each kind's rows, divided by the rows. Table and indexes: dbstat's pages of each b-tree, net of the empty database's page, divided by the rows (sqlite3 on the file after the run). Users' addresses average ${fmt(size.emailLength, 1)} characters.\n`,
  );
  const kinds = [
    { key: "users", table: "users", label: "user (users: address, bcrypt hash, public_id)" },
    { key: "sessions", table: "sessions", label: "session (sessions)" },
    { key: "devices", table: "login_devices", label: "remembered login device (login_devices)" },
    { key: "grants", table: "oauth_grants", label: "OAuth grant (oauth_grants)" },
    { key: "refresh", table: "oauth_refresh_tokens", label: "refresh token, used (oauth_refresh_tokens)" },
    { key: "passkeys", table: "passkeys", label: "passkey, ES256 (passkeys)" },
  ];
  console.log("| row | growth bytes/row | table bytes/row | indexes bytes/row | table + indexes bytes/row | per index, bytes/row |");
  console.log("|---|---:|---:|---:|---:|---|");
  const perRow = {};
  for (const kind of kinds) {
    const grown = growth[kind.key] / n;
    perRow[kind.key] = grown;
    if (!objects) {
      console.log(`| ${kind.label} | ${fmt(grown)} | n/a | n/a | n/a | (no sqlite3 with dbstat) |`);
      continue;
    }
    // Each b-tree of an empty table is one page: net of it, what the rows take.
    const mine = objects.filter((o) => o.tbl === kind.table).map((o) => ({ ...o, net: (o.bytes - 4096) / n }));
    const table = mine.filter((o) => o.type === "table").reduce((a, o) => a + o.net, 0);
    const indexes = mine.filter((o) => o.type === "index");
    const indexBytes = indexes.reduce((a, o) => a + o.net, 0);
    const list = indexes
      .sort((a, b) => b.net - a.net)
      .map((o) => `${o.name} ${fmt(o.net)}`)
      .join(", ");
    console.log(`| ${kind.label} | ${fmt(grown)} | ${fmt(table)} | ${fmt(indexBytes)} | ${fmt(table + indexBytes)} | ${list} |`);
  }
  const account = perRow.users + perRow.sessions + perRow.devices;
  console.log(
    `\nA user with one session and one remembered device: ${fmt(account)} bytes, so about ${fmt(2 ** 30 / account)} such users per GiB. Each further session adds ${fmt(perRow.sessions)} bytes (up to MAX_SESSIONS_PER_USER, 10), each refresh of an app's token ${fmt(perRow.refresh)} bytes (kept until its grant ends). Whole database at the end: ${fmt(size.total)} bytes.`,
  );

  console.log("\n## Notes\n");
  console.log(
    "- The local D1 is SQLite inside the workerd process: a D1 call is a local RPC, not a network round trip. On Cloudflare each round trip goes from the Worker to the database's primary, so round trips per request weigh more there, and these statement rates are this machine's, not Cloudflare's.",
  );
  console.log(
    "- Every write (and every call) goes through the one database: the raw rates above are the ceiling of all hot paths together. Locally a D1 call's own cost (about a millisecond) dwarfs SQLite's: statements in a batch come far cheaper than calls.",
  );
  console.log(
    "- Login is bound by bcrypt, not by D1: locally one workerd process runs all of the Worker's requests, so logins queue behind each other's hashes. On Cloudflare requests spread over many isolates; the database stays one.",
  );
  console.log(
    "- Nothing deletes used refresh tokens, expired grants or spent codes (src/db/clean-up.ts covers sessions, reset tokens, devices, links, mail counts, pending logins, challenges): a grant keeps one oauth_refresh_tokens row per rotation until it ends (a year with offline_access).",
  );
  console.log("- The machine may be shared: the load average at start is on the first line; p99s are the noisiest figures.");
}

async function main() {
  ensureDebianPackages();
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  console.log(
    `machine: ${os.cpus().length} cores (${cpu}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")} at start; wrk -t1 -c${CONNECTIONS} -d${DURATION}, median of ${ROUNDS}`,
  );
  try {
    const started = Date.now();
    const bundle = buildBundle(path.join(tmp, "dist"));
    const template = path.join(tmp, "migrated");
    migrateLocal(template);
    process.stderr.write(`built the bundle and migrated a database in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    const hot = await hotPaths(bundle, template);
    const raw = await rawD1();
    const size = await sizes(template);
    report({ hot, raw, size });
    process.stderr.write(`bench:capacity: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  } finally {
    await cleanup();
  }
}

const timer = setTimeout(() => {
  console.error("bench:capacity: still running after 6 minutes, giving up");
  cleanup().finally(() => process.exit(1));
}, 6 * 60_000);
timer.unref();
await main();
process.exit(0);
