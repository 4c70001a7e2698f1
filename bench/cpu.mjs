#!/usr/bin/env node
// npm run bench:cpu: the CPU time each route costs in workerd, the figure Cloudflare bills and
// limits (`[limits] cpu_ms`), measured from outside: the production bundle runs with workerd's
// inspector on, and each request is sent alone between Profiler.start and Profiler.stop, so its
// CPU time is the profile's non-idle samples (JavaScript, GC and the runtime's own work on the
// isolate's thread; waiting on D1 is idle). Inside workerd performance.now() does not move
// during computation, so the Worker cannot time itself.
//   npm run bench:cpu                  bcrypt cost 10 and 12, every route, and the check below
//   npm run bench:cpu -- --quick       cost 10 only, fewer repeats
//   npm run bench:cpu -- --cost 13     also run the password routes at that cost
// It ends with the check that matters for a deployment: the costliest route at the highest
// BCRYPT_COST the settings accept (measured at the highest cost run, scaled by 2 per step, as
// bcrypt's work doubles) against wrangler.toml's [limits] cpu_ms. Exit 1 when it does not fit.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { decodeBase32IgnorePadding } from "@oslojs/encoding";
import { generateTOTP } from "@oslojs/otp";
import WebSocket from "ws";
import { buildBundle, migrateLocal, root, startLocalServer } from "../scripts/lib/local-server.mjs";
import { freePorts } from "../scripts/lib/ports.mjs";
import { MAX_BCRYPT_COST } from "../scripts/lib/settings.mjs";

const usage = "usage: npm run bench:cpu -- [--quick] [--cost <n>]";
let values;
try {
  ({ values } = parseArgs({
    options: {
      quick: { type: "boolean", default: false },
      cost: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  }));
} catch (error) {
  console.error(`bench:cpu: ${error.message}\n${usage}`);
  process.exit(2);
}
if (values.help) {
  console.log(usage);
  process.exit(0);
}
const extra = values.cost === undefined ? [] : [Number(values.cost)];
if (extra.some((cost) => !Number.isInteger(cost) || cost < 4 || cost > MAX_BCRYPT_COST)) {
  console.error(`bench:cpu: --cost wants a whole number from 4 to ${MAX_BCRYPT_COST}\n${usage}`);
  process.exit(2);
}
const COSTS = [...new Set([10, ...(values.quick ? [] : [12]), ...extra])].sort((a, b) => a - b);
const REPEATS = values.quick ? 3 : 7;

/** One DevTools session on the edge-auth isolate. */
async function inspector(port) {
  const targets = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const target = targets.find((t) => t.id === "core:user:edge-auth");
  const ws = new WebSocket(target.webSocketDebuggerUrl);
  await new Promise((resolve, reject) => ws.once("open", resolve).once("error", reject));
  let id = 0;
  const pending = new Map();
  ws.on("message", (data) => {
    const message = JSON.parse(String(data));
    if (message.id !== undefined && pending.has(message.id)) {
      pending.get(message.id)(message);
      pending.delete(message.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      id += 1;
      pending.set(id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  return {
    /** CPU milliseconds the isolate spent while `action` ran (its non-idle samples). */
    async cpuOf(action) {
      await send("Profiler.start");
      let result;
      try {
        result = await action();
      } finally {
        const { result: stopped } = await send("Profiler.stop");
        const { nodes, samples, timeDeltas } = stopped.profile;
        const idle = new Set(nodes.filter((n) => n.callFrame.functionName === "(idle)").map((n) => n.id));
        let busy = 0;
        samples.forEach((node, i) => {
          if (!idle.has(node)) busy += timeDeltas[i + 1] ?? 0;
        });
        result = { ...result, ms: busy / 1000 };
      }
      return result;
    },
    close: () => ws.close(),
  };
}

/** A client with its own cookies, as a browser or a script would keep them. */
function client(base) {
  const jar = new Map();
  return {
    jar,
    async send(method, route, body, headers = {}) {
      const response = await fetch(`${base}${route}`, {
        method,
        redirect: "manual",
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(jar.size ? { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join("; ") } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair, ...attributes] = line.split(";");
        const [name, value] = pair.split("=");
        if (attributes.some((a) => /max-age=0\b/i.test(a.trim())) || value === "") jar.delete(name.trim());
        else jar.set(name.trim(), value);
      }
      const text = await response.text();
      let json;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, json };
    },
  };
}

const SWEEP = "every route in the API reference, no body, a live session: the costliest";
const sweeps = new Map();
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const totp = (uri) => {
  const secret = new URL(uri).searchParams.get("secret");
  return generateTOTP(decodeBase32IgnorePadding(secret), 30, 6);
};

/** Every measured case of one server: label -> CPU ms of each repeat. */
async function measure(cost, tmp) {
  const [port, inspectorPort] = await freePorts(2);
  const state = path.join(tmp, `state-${cost}`);
  migrateLocal(state);
  const server = await startLocalServer({
    port,
    persistRoot: state,
    bundle: path.join(tmp, "dist/index.js"),
    vars: { BCRYPT_COST: String(cost), LOG_REQUESTS: "false" },
    inspectorPort,
    // The Worker's own log lines (mail sent...) are not this table's business.
    handleRuntimeStdio: (stdout, stderr) => {
      stdout.resume();
      stderr.resume();
    },
  });
  const base = `http://127.0.0.1:${port}`;
  const probe = await inspector(inspectorPort);
  const runs = new Map();
  const record = async (label, action, expect = (r) => r.status < 400) => {
    const result = await probe.cpuOf(action);
    if (!expect(result)) throw new Error(`bench:cpu: ${label} answered ${result.status} ${JSON.stringify(result.json)}`);
    if (!runs.has(label)) runs.set(label, []);
    runs.get(label).push(result.ms);
    return result;
  };
  try {
    // Warm the isolate (first-request compilation is not a per-request cost).
    const warm = client(base);
    for (let i = 0; i < 20; i++) await warm.send("GET", "/");
    const password = "correct horse battery staple";
    for (let i = 0; i < REPEATS; i++) {
      const person = client(base);
      const email = `cpu-${cost}-${i}@example.com`;
      await record(`POST /users (register: one bcrypt hash)`, () => person.send("POST", "/users", { email, password }));
      await record(`POST /sessions (login: one bcrypt compare)`, () => person.send("POST", "/sessions", { email, password }));
      await record(
        `POST /sessions, unknown address (same compare)`,
        () =>
          client(base).send(
            "POST",
            "/sessions",
            { email: `nobody-${i}@example.com`, password },
            { "cf-connecting-ip": `10.9.${cost}.${i}` },
          ),
        (r) => r.status === 401,
      );
      await record("GET /", () => person.send("GET", "/"));
      await record("GET /profile", () => person.send("GET", "/profile"));
      await record("GET /account/profile (a page)", () => person.send("GET", "/account/profile"));
      await record("GET /profile/sessions", () => person.send("GET", "/profile/sessions"));
      await record("PUT /profile/password (compare + hash)", () =>
        person.send("PUT", "/profile/password", { current_password: password, new_password: `${password} ${i}` }),
      );
      await record("PUT /profile/password, back (compare + hash)", () =>
        person.send("PUT", "/profile/password", { current_password: `${password} ${i}`, new_password: password }),
      );
      const reset = await record("POST /reset_password (a token)", () => person.send("POST", "/reset_password", { email }));
      await record("PUT /reset_password (one hash)", () =>
        person.send("PUT", "/reset_password", { email, reset_token: reset.json.reset_token, new_password: password }),
      );
      await person.send("POST", "/sessions", { email, password });
      const setup = await record("POST /profile/two-factor (TOTP secret: compare)", () =>
        person.send("POST", "/profile/two-factor", { password }),
      );
      const confirmed = await record("POST /profile/two-factor/confirm (recovery codes)", () =>
        person.send("POST", "/profile/two-factor/confirm", { code: totp(setup.json.otpauth_uri) }),
      );
      const pending = client(base);
      await record(
        "POST /sessions with 2FA on (compare)",
        () => pending.send("POST", "/sessions", { email, password }),
        (r) => r.status === 401 && r.json?.second_factor !== undefined,
      );
      // The TOTP code of this step was spent confirming: recovery codes for the second steps.
      const [first, second] = confirmed.json.recovery_codes;
      await record("POST /sessions/two-factor (a recovery code)", () =>
        pending.send("POST", "/sessions/two-factor", { recovery_code: first }),
      );
      await record("POST /profile/delete (compare, then the account goes)", () =>
        person.send("POST", "/profile/delete", { password, recovery_code: second }),
      );
    }
    // The provider: a token exchange (an RS256-signed ID and access token), a refresh, userinfo.
    const db = await server.getD1Database("DB");
    const sha = (v) => createHash("sha256").update(v).digest("hex");
    const clientSecret = randomBytes(32).toString("base64url");
    const redirectUri = "https://app.example/cb";
    await db
      .prepare(
        "INSERT INTO oauth_clients (id, name, secret_hash, redirect_uris, first_party, created_at) VALUES ('cpu-app', 'CPU', ?, ?, 1, unixepoch())",
      )
      .bind(sha(clientSecret), JSON.stringify([redirectUri]))
      .run();
    const app = client(base);
    await app.send("POST", "/users", { email: `app-${cost}@example.com`, password });
    const { id: userId } = await db.prepare("SELECT id FROM users WHERE email = ?").bind(`app-${cost}@example.com`).first();
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const basic = { authorization: `Basic ${Buffer.from(`cpu-app:${clientSecret}`).toString("base64")}` };
    const form = async (route, fields, headers = basic) => {
      const response = await fetch(`${base}${route}`, { method: "POST", headers, body: new URLSearchParams(fields) });
      return { status: response.status, json: await response.json() };
    };
    for (let i = 0; i < REPEATS; i++) {
      const code = randomBytes(32).toString("base64url");
      await db
        .prepare(
          "INSERT INTO oauth_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, scope, auth_time, amr, expires_at) VALUES (?, 'cpu-app', ?, ?, ?, 'openid email offline_access', unixepoch(), 'pwd', unixepoch() + 600)",
        )
        .bind(sha(code), userId, redirectUri, challenge)
        .run();
      const tokens = await record("POST /oauth/token (code: signs an ID and an access token)", () =>
        form("/oauth/token", { grant_type: "authorization_code", code, redirect_uri: redirectUri, code_verifier: verifier }),
      );
      const refreshed = await record("POST /oauth/token (refresh_token, rotated)", () =>
        form("/oauth/token", { grant_type: "refresh_token", refresh_token: tokens.json.refresh_token }),
      );
      await record("GET /oauth/userinfo (verifies the access token)", async () => {
        const response = await fetch(`${base}/oauth/userinfo`, { headers: { authorization: `Bearer ${refreshed.json.access_token}` } });
        return { status: response.status, json: await response.json() };
      });
    }
    // Documents and the provider's public ends.
    for (let i = 0; i < REPEATS; i++) {
      await record("GET /openapi.json", () => warm.send("GET", "/openapi.json"));
      await record("GET /.well-known/openid-configuration", () => warm.send("GET", "/.well-known/openid-configuration"));
      await record("GET /oauth/jwks", () => warm.send("GET", "/oauth/jwks"));
      await record("GET /account/login (a page)", () => warm.send("GET", "/account/login"));
    }
    // Every route the API reference lists, once, with a live session and no body: what a
    // request that fails its checks costs (it must stay as cheap as the rest).
    const doc = (await warm.send("GET", "/openapi.json")).json;
    const sweep = client(base);
    await sweep.send("POST", "/users", { email: `sweep-${cost}@example.com`, password });
    await sweep.send("POST", "/sessions", { email: `sweep-${cost}@example.com`, password });
    let worst = { label: "", ms: 0 };
    let count = 0;
    for (const [route, operations] of Object.entries(doc.paths)) {
      for (const method of Object.keys(operations)) {
        const concrete = route.replace(/\{[^}]+\}/g, "x");
        const { ms } = await probe.cpuOf(() => sweep.send(method.toUpperCase(), concrete, method === "get" ? undefined : {}));
        count += 1;
        if (ms > worst.ms) worst = { label: `${method.toUpperCase()} ${route}`, ms };
        // Routes that end the session or the account: log in again for the next.
        if ((await sweep.send("GET", "/profile")).status !== 200) {
          await sweep.send("POST", "/sessions", { email: `sweep-${cost}@example.com`, password });
        }
      }
    }
    runs.set(SWEEP, [worst.ms]);
    sweeps.set(cost, { ...worst, count });
  } finally {
    probe.close();
    await server.dispose();
  }
  return runs;
}

function limitsOf() {
  const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const top = toml.split(/^\[env\./m)[0];
  const match = /^\[limits\][^[]*?^cpu_ms\s*=\s*(\d+)/ms.exec(top);
  return match ? Number(match[1]) : undefined;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), "edge-auth-cpu-"));
try {
  buildBundle(path.join(tmp, "dist"));
  console.log(
    `machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "unknown CPU"}), Node ${process.version}; CPU ms per request in workerd (inspector profile), median of ${REPEATS}\n`,
  );
  const byCost = new Map();
  for (const cost of COSTS) {
    byCost.set(cost, await measure(cost, tmp));
    process.stderr.write(`bench:cpu: measured at bcrypt cost ${cost}\n`);
  }
  const labels = [...new Set([...byCost.values()].flatMap((runs) => [...runs.keys()]))];
  console.log(`| route | ${COSTS.map((c) => `cost ${c}`).join(" | ")} |`);
  console.log(`|---|${COSTS.map(() => "---:").join("|")}|`);
  for (const label of labels) {
    const cells = COSTS.map((c) => {
      const ms = byCost.get(c).get(label);
      return ms ? median(ms).toFixed(1) : "";
    });
    console.log(`| ${label} | ${cells.join(" | ")} |`);
  }
  for (const [cost, { label, ms, count }] of sweeps)
    console.log(`\nsweep at cost ${cost}: ${count} operations, the costliest ${label} (${ms.toFixed(1)} ms)`);
  const top = COSTS.at(-1);
  const runs = byCost.get(top);
  let worstLabel = "";
  let worstMs = 0;
  for (const [label, ms] of runs) {
    if (median(ms) > worstMs) [worstLabel, worstMs] = [label, median(ms)];
  }
  // bcrypt's work doubles per cost step; the rest of a request does not grow, so scaling the
  // whole request overstates it slightly (the safe side).
  const atMax = worstMs * 2 ** (MAX_BCRYPT_COST - top);
  const limit = limitsOf();
  console.log(
    `\ncostliest route at cost ${top}: ${worstLabel}, ${worstMs.toFixed(0)} ms; at BCRYPT_COST ${MAX_BCRYPT_COST} (the highest the settings accept): about ${atMax.toFixed(0)} ms`,
  );
  console.log(`wrangler.toml [limits] cpu_ms: ${limit ?? "not set (Workers Paid default: 30,000)"}`);
  const fits = atMax * 2 <= (limit ?? 30_000);
  console.log(
    fits
      ? `fits with room: ${((limit ?? 30_000) / atMax).toFixed(1)}x the costliest route at the highest cost`
      : `DOES NOT FIT with 2x room: raise cpu_ms or lower the highest BCRYPT_COST`,
  );
  console.log("Workers Free allows 10 ms CPU per request: a login at any cost the settings accept needs Workers Paid.");
  process.exitCode = fits ? 0 : 1;
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
