import bcrypt from "bcryptjs";
import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";
import { sha256Hex } from "../../src/auth/tokens";
import { faultProperty, type Route } from "./fault-property";

/**
 * The fault property (fault-property.ts) over every route of the seed and the account, API and
 * pages: after a 503 the state is either as before or the reference's (the full effect, which a
 * retry finishes): never half of it. Registration: the row exists only if answered 200 or a
 * retry would answer "already registered"; a password is exactly the old or the new one; a
 * session whose creation was answered 503 was never handed out.
 * The login throttle's counters are left out of the comparison: a claimed attempt counts even
 * when the request then fails (docs/reliability.md, "When the database fails").
 */

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
const routes: [string, Route<Scenario>][] = [
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

beforeAll(async () => {
  oldHash = await bcrypt.hash(OLD, 4);
});

faultProperty("D1 faults on every route: no 500, a 503 leaves nothing half-done", routes, seed, snapshot);
