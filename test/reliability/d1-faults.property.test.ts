import bcrypt from "bcryptjs";
import { env } from "cloudflare:workers";
import fc from "fast-check";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { sha256Hex } from "../../src/auth/tokens";
import { D1_TRANSIENT_MESSAGES, type D1TransientMessage, type Fault, faultyD1, MAYBE_RUN_MESSAGES } from "../../src/db/faults";
import { type CallOptions, call, sessionCookieOf } from "../helpers";
import { capturingEmail, MAIL_VARS } from "../mail";

/**
 * A property test over every route, API and pages: random D1 faults (each documented transient
 * error, before a call or after it ran, calls that hang past the timeout or answer late) on
 * random calls of a request. Each case runs the same request twice from two identical
 * accounts: once without faults (the reference), once with them. Then:
 *  - no 5xx but 503, and every 503 has Retry-After and sets no session cookie;
 *  - an answer other than 503 is the reference's answer, with the reference's effect;
 *  - after a 503 the state is either as before or the reference's (the full effect, which a
 *    retry finishes): never half of it. Registration: the row exists only if answered 200 or a
 *    retry would answer "already registered"; a password is exactly the old or the new one;
 *    a session whose creation was answered 503 was never handed out.
 * The login throttle's counters are left out of the comparison: a claimed attempt counts even
 * when the request then fails (docs/reliability.md, "When the database fails").
 */

const RUNS_PER_ROUTE = 10;
const OLD = "pw-old-1";
const NEW = "pw-new-2";
let oldHash = "";
let scenarios = 0;

interface Scenario {
  email: string;
  /** An address nobody has: registration and address change go there. */
  fresh: string;
  userId: number;
  cookie: string;
  otherSessionId: string;
  /** The secrets the seeded rows hold digests of, to tell them apart from new ones. */
  secrets: { current: string; other: string; reset: string; verify: string; change: string };
}

const now = () => Math.floor(Date.now() / 1000);

/** One account as a person who has used the service has it: two sessions, a reset token, two mail tokens. */
async function seed(tag: string): Promise<Scenario> {
  scenarios += 1;
  const email = `prop-${scenarios}-${tag}@example.com`;
  const fresh = `prop-${scenarios}-${tag}-fresh@example.com`;
  const secrets = {
    current: crypto.randomUUID(),
    other: crypto.randomUUID(),
    reset: crypto.randomUUID(),
    verify: crypto.randomUUID(),
    change: crypto.randomUUID(),
  };
  const t = now();
  const user = await env.DB.prepare(
    "INSERT INTO users (email, hashed_password, reset_token, reset_token_expires_at) VALUES (?, ?, ?, ?) RETURNING id",
  )
    .bind(email, oldHash, await sha256Hex(secrets.reset), t + 3600)
    .first<{ id: number }>();
  const userId = user!.id;
  const session = async (id: string, secret: string) =>
    env.DB.prepare(
      "INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, idle_expires_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
    )
      .bind(id, userId, await sha256Hex(secret), t, t + 86400, t + 86400, t)
      .run();
  const hex = () => crypto.randomUUID().replaceAll("-", "");
  const currentId = hex();
  const otherSessionId = hex();
  await session(currentId, secrets.current);
  await session(otherSessionId, secrets.other);
  const mailToken = async (secret: string, purpose: string, address: string) =>
    env.DB.prepare("INSERT INTO email_tokens (token_hash, user_id, purpose, email, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)")
      .bind(await sha256Hex(secret), userId, purpose, address, t, t + 3600)
      .run();
  await mailToken(secrets.verify, "verify", email);
  await mailToken(secrets.change, "change", fresh);
  return { email, fresh, userId, cookie: `session_id=${secrets.current}`, otherSessionId, secrets };
}

/** Every route, API and pages, as a client would call it for a scenario. */
const routes: [string, (s: Scenario) => [string, string, CallOptions]][] = [
  ["register", (s) => ["POST", "/users", { form: { email: s.fresh, password: NEW } }]],
  ["register taken", (s) => ["POST", "/users", { form: { email: s.email, password: NEW } }]],
  ["log in", (s) => ["POST", "/sessions", { form: { email: s.email, password: OLD } }]],
  ["log in wrong", (s) => ["POST", "/sessions", { form: { email: s.email, password: "wrong" } }]],
  ["profile", (s) => ["GET", "/profile", { cookie: s.cookie }]],
  ["log out", (s) => ["DELETE", "/sessions", { cookie: s.cookie }]],
  ["ask reset", (s) => ["POST", "/reset_password", { form: { email: s.email } }]],
  ["reset", (s) => ["PUT", "/reset_password", { form: { email: s.email, reset_token: s.secrets.reset, new_password: NEW } }]],
  ["sessions", (s) => ["GET", "/profile/sessions", { cookie: s.cookie }]],
  ["end one", (s) => ["DELETE", `/profile/sessions/${s.otherSessionId}`, { cookie: s.cookie }]],
  ["end others", (s) => ["POST", "/profile/sessions/end-others", { cookie: s.cookie }]],
  ["end all", (s) => ["POST", "/profile/sessions/end-all", { cookie: s.cookie }]],
  ["change password", (s) => ["PUT", "/profile/password", { cookie: s.cookie, form: { current_password: OLD, new_password: NEW } }]],
  ["delete", (s) => ["POST", "/profile/delete", { cookie: s.cookie, form: { password: OLD } }]],
  ["change email", (s) => ["PUT", "/profile/email", { cookie: s.cookie, form: { password: OLD, new_email: s.fresh } }]],
  ["verify", (s) => ["POST", "/verify_email", { form: { token: s.secrets.verify } }]],
  ["resend", (s) => ["POST", "/verify_email/resend", { form: { email: s.email } }]],
  ["confirm email", (s) => ["POST", "/confirm_email", { form: { token: s.secrets.change } }]],
  ["page: home", (s) => ["GET", "/account", { cookie: s.cookie }]],
  ["page: register", (s) => ["POST", "/account/register", { form: { email: s.fresh, password: NEW } }]],
  ["page: log in", (s) => ["POST", "/account/login", { form: { email: s.email, password: OLD } }]],
  ["page: profile", (s) => ["GET", "/account/profile", { cookie: s.cookie }]],
  ["page: log out", (s) => ["POST", "/account/logout", { cookie: s.cookie }]],
  ["page: forgot", (s) => ["POST", "/account/forgot", { form: { email: s.email } }]],
  ["page: reset", (s) => ["POST", "/account/reset", { form: { email: s.email, reset_token: s.secrets.reset, new_password: NEW } }]],
  ["page: reset from link", (s) => ["POST", "/account/reset", { form: { reset_token: s.secrets.reset, new_password: NEW } }]],
  ["page: sessions", (s) => ["GET", "/account/sessions", { cookie: s.cookie }]],
  ["page: end one", (s) => ["POST", "/account/sessions/end", { cookie: s.cookie, form: { session: s.otherSessionId } }]],
  ["page: end others", (s) => ["POST", "/account/sessions/end-others", { cookie: s.cookie }]],
  ["page: password", (s) => ["POST", "/account/password", { cookie: s.cookie, form: { current_password: OLD, new_password: NEW } }]],
  ["page: delete", (s) => ["POST", "/account/delete", { cookie: s.cookie, form: { password: OLD } }]],
  ["page: change email", (s) => ["POST", "/account/email", { cookie: s.cookie, form: { password: OLD, new_email: s.fresh } }]],
  ["page: verify", (s) => ["POST", "/account/verify", { form: { token: s.secrets.verify } }]],
  ["page: resend", (s) => ["POST", "/account/verify/resend", { form: { email: s.email } }]],
  ["page: confirm email", (s) => ["POST", "/account/email/confirm", { form: { token: s.secrets.change } }]],
];

/**
 * What a scenario's rows are, in its own terms: addresses as "self"/"fresh", passwords as which
 * of the two checks, tokens and sessions as which seeded secret they are or "new". Ids, times,
 * salts and the throttle's counters are left out.
 */
async function snapshot(s: Scenario): Promise<unknown> {
  const label = async (digest: unknown) => {
    for (const [name, secret] of Object.entries(s.secrets)) if (digest === (await sha256Hex(secret))) return name;
    return digest === null ? null : "new";
  };
  const address = (email: unknown) => (email === s.email ? "self" : email === s.fresh ? "fresh" : email);
  const users = await env.DB.prepare("SELECT * FROM users WHERE email IN (?, ?) ORDER BY email")
    .bind(s.email, s.fresh)
    .all<Record<string, unknown>>();
  const userIds = users.results.map((u) => u.id as number);
  const ids = userIds.length ? userIds : [-1];
  const inIds = ids.map(() => "?").join(",");
  const sessions = await env.DB.prepare(`SELECT user_id, secret_hash FROM sessions WHERE user_id IN (${inIds})`)
    .bind(...ids)
    .all<Record<string, unknown>>();
  const devices = await env.DB.prepare(`SELECT user_id FROM login_devices WHERE user_id IN (${inIds})`)
    .bind(...ids)
    .all<Record<string, unknown>>();
  const tokens = await env.DB.prepare(`SELECT user_id, token_hash, purpose, email FROM email_tokens WHERE user_id IN (${inIds})`)
    .bind(...ids)
    .all<Record<string, unknown>>();
  const owner = (id: unknown) => (id === s.userId ? "self" : "other");
  return {
    users: await Promise.all(
      users.results.map(async (u) => ({
        address: address(u.email),
        owner: owner(u.id),
        password: (await bcrypt.compare(OLD, u.hashed_password as string))
          ? "old"
          : (await bcrypt.compare(NEW, u.hashed_password as string))
            ? "new"
            : "other",
        verified: u.email_verified_at !== null,
        resetToken: await label(u.reset_token),
      })),
    ),
    sessions: (await Promise.all(sessions.results.map(async (r) => `${owner(r.user_id)}:${await label(r.secret_hash)}`))).sort(),
    devices: devices.results.map((r) => owner(r.user_id)).sort(),
    tokens: (
      await Promise.all(
        tokens.results.map(async (r) => `${owner(r.user_id)}:${r.purpose}:${address(r.email)}:${await label(r.token_hash)}`),
      )
    ).sort(),
  };
}

const fault: fc.Arbitrary<Fault> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc
      .constantFrom(...(Object.keys(D1_TRANSIENT_MESSAGES) as D1TransientMessage[]))
      .map((message) => ({ timing: "before" as const, message })),
  },
  { weight: 4, arbitrary: fc.constantFrom(...MAYBE_RUN_MESSAGES).map((message) => ({ timing: "after" as const, message })) },
  { weight: 1, arbitrary: fc.constant<Fault>({ timing: "hang" }) },
  { weight: 1, arbitrary: fc.constant<Fault>({ timing: "late", delayMs: 80 }) },
);
/** For each D1 call of the request in turn: a fault or none (most calls get through). */
const plan = fc.array(fc.option(fault, { freq: 3, nil: undefined }), { minLength: 1, maxLength: 8 });

const mail = capturingEmail();
// Mail on, so verification and address change are live; a short timeout, so hangs end quickly.
const vars = { ...MAIL_VARS, D1_TIMEOUT_MS: "50" };

async function send(s: Scenario, route: (typeof routes)[number][1], faults?: (Fault | undefined)[]) {
  const [method, path, options] = route(s);
  const DB = faults ? faultyD1(env.DB, (n) => faults[n]) : env.DB;
  const response = await call(method, path, { ...options, vars: { ...vars, ...options.vars }, bindings: { EMAIL: mail.binding, DB } });
  await response.arrayBuffer();
  // A "late" call runs after the answer: let it land before looking.
  if (faults?.some((f) => f?.timing === "late")) await new Promise((resolve) => setTimeout(resolve, 120));
  return response;
}

let warn: ReturnType<typeof vi.spyOn>;
let info: ReturnType<typeof vi.spyOn>;
beforeAll(async () => {
  oldHash = await bcrypt.hash(OLD, 4);
});
beforeEach(() => {
  // One warn line per failed attempt is the point (tested elsewhere); the report need not show hundreds of them.
  warn = vi.spyOn(console, "warn").mockImplementation(() => {});
  // Nor the mail lines ("sent") of every twin run.
  info = vi.spyOn(console, "log").mockImplementation(() => {});
});
afterEach(() => {
  warn.mockRestore();
  info.mockRestore();
});

let total503 = 0;

describe("D1 faults on every route: no 500, a 503 leaves nothing half-done", () => {
  for (const [name, route] of routes) {
    it(name, async () => {
      let saw503 = 0;
      await fc.assert(
        fc.asyncProperty(plan, async (faults) => {
          const reference = await seed("ref");
          const before = await snapshot(reference);
          const expected = await send(reference, route);
          const done = await snapshot(reference);
          expect(expected.status, `${name} without faults`).toBeLessThan(500);

          const faulty = await seed("faulty");
          const response = await send(faulty, route, faults);
          const after = await snapshot(faulty);
          const status = response.status;
          expect(status === 503 || status < 500, `${name}: ${status}`).toBe(true);
          if (status === 503) {
            saw503 += 1;
            expect(response.headers.get("retry-after")).toBe("1");
            expect(sessionCookieOf(response) ?? "").toBe("");
            expect([before, done], `${name}: 503 left half a change`).toContainEqual(after);
          } else {
            expect(status, `${name}: answered differently under faults`).toBe(expected.status);
            expect(after, `${name}: answered ${status} with another effect`).toEqual(done);
          }
        }),
        { numRuns: RUNS_PER_ROUTE },
      );
      total503 += saw503;
    });
  }

  it("the faults reached the database: some requests could not be finished and said so", () => {
    expect(total503).toBeGreaterThan(routes.length / 2);
  });
});
