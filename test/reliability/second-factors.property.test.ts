import bcrypt from "bcryptjs";
import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";
import { hashRecoveryCode } from "../../src/auth/second-factor";
import { seal, totpContext } from "../../src/auth/secret-box";
import { sha256Hex } from "../../src/auth/tokens";
import { totp } from "../totp";
import { type Authenticator, assert, b64url, newAuthenticator, register } from "../webauthn";
import { faultProperty, type Route } from "./fault-property";

/**
 * The fault property (fault-property.ts) over the second-factor and passkey routes, API and
 * pages. Each scenario is an account with two-factor on (a known secret, two recovery codes, a
 * pending login), a passkey (a software authenticator), two sessions, and two WebAuthn
 * challenges of its browser; and a second account whose two-factor is pending.
 *
 * Single-use proofs spent by a request that then failed are left out of the comparison, as the
 * login throttle's counters are: the TOTP step last used, WebAuthn challenges, a pending login's
 * tries. A code or challenge taken before a fault stays spent, and the client asks for a new one
 * (docs/reliability.md). Everything else is all or nothing.
 */

const OLD = "pw-old-1";
const NEW = "pw-new-2";
const ORIGIN = "https://auth.example.test";
let oldHash = "";
let scenarios = 0;

interface Account {
  email: string;
  userId: number;
  publicId: string;
  cookie: string;
  secret: Uint8Array;
  /** The secret as seeded (sealed): a new one differs. */
  sealed: string;
}

interface Scenario extends Account {
  otherSessionId: string;
  recovery: string[];
  pending: string;
  passkeyId: string;
  authenticator: Authenticator;
  signIn: { secret: string; challenge: string };
  registration: { secret: string; challenge: string };
  /** Two-factor pending (begun, not confirmed). */
  plain: Account;
  secrets: Record<string, string>;
}

const now = () => Math.floor(Date.now() / 1000);
const hex = () => crypto.randomUUID().replaceAll("-", "");

async function account(
  tag: string,
  confirmed: boolean,
  secrets: Record<string, string>,
  prefix: string,
): Promise<Account & { otherSessionId: string }> {
  const email = `sf-${scenarios}-${tag}-${prefix}@example.com`;
  const t = now();
  const user = await env.DB.prepare("INSERT INTO users (email, hashed_password, public_id) VALUES (?, ?, ?) RETURNING id, public_id")
    .bind(email, oldHash, hex())
    .first<{ id: number; public_id: string }>();
  const userId = user!.id;
  const session = async (secret: string) => {
    const id = hex();
    await env.DB.prepare(
      "INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, idle_expires_at, last_used_at, amr) VALUES (?, ?, ?, ?, ?, ?, ?, 'pwd')",
    )
      .bind(id, userId, await sha256Hex(secret), t, t + 86400, t + 86400, t)
      .run();
    return id;
  };
  await session(secrets[`${prefix}current`]!);
  const otherSessionId = await session(secrets[`${prefix}other`]!);
  const secret = crypto.getRandomValues(new Uint8Array(20));
  const sealed = await seal(env.ENCRYPTION_KEY, secret, totpContext(userId));
  await env.DB.prepare("INSERT INTO totp_credentials (user_id, secret_encrypted, confirmed_at, created_at) VALUES (?, ?, ?, ?)")
    .bind(userId, sealed, confirmed ? t : null, t)
    .run();
  return { email, userId, publicId: user!.public_id, cookie: `session_id=${secrets[`${prefix}current`]}`, secret, sealed, otherSessionId };
}

async function seed(tag: string): Promise<Scenario> {
  scenarios += 1;
  const secrets: Record<string, string> = {};
  for (const name of ["current", "other", "plaincurrent", "plainother", "pending", "signIn", "registration"])
    secrets[name] = crypto.randomUUID();
  const main = await account(tag, true, secrets, "");
  const plain = await account(tag, false, secrets, "plain");
  const t = now();
  const recovery = ["abcde-fghij", "klmno-pqrst"].map((code) => `${code.slice(0, 4)}${scenarios % 10}${code.slice(5)}`);
  for (const code of recovery) {
    await env.DB.prepare("INSERT INTO recovery_codes (user_id, code_hash, created_at) VALUES (?, ?, ?)")
      .bind(main.userId, await hashRecoveryCode(env.ENCRYPTION_KEY, code), t)
      .run();
  }
  await env.DB.prepare("INSERT INTO pending_logins (secret_hash, user_id, amr, created_at, expires_at) VALUES (?, ?, 'pwd', ?, ?)")
    .bind(await sha256Hex(secrets.pending!), main.userId, t, t + 300)
    .run();
  const authenticator = await newAuthenticator({ counter: 5 });
  const jwk = (await crypto.subtle.exportKey("jwk", authenticator.keys.publicKey)) as JsonWebKey;
  const passkeyId = hex();
  await env.DB.prepare(
    "INSERT INTO passkeys (id, user_id, credential_id, public_key, algorithm, sign_count, backup_eligible, backed_up, name, created_at) VALUES (?, ?, ?, ?, -7, 5, 1, 1, 'seeded', ?)",
  )
    .bind(passkeyId, main.userId, b64url(authenticator.credentialId), JSON.stringify({ kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y }), t)
    .run();
  const challenge = async (name: "signIn" | "registration", purpose: string, userId: number | null) => {
    const value = b64url(crypto.getRandomValues(new Uint8Array(32)));
    await env.DB.prepare("INSERT INTO webauthn_challenges (secret_hash, challenge, purpose, user_id, expires_at) VALUES (?, ?, ?, ?, ?)")
      .bind(await sha256Hex(secrets[name]!), value, purpose, userId, t + 300)
      .run();
    return { secret: secrets[name]!, challenge: value };
  };
  return {
    ...main,
    recovery,
    pending: secrets.pending!,
    passkeyId,
    authenticator,
    signIn: await challenge("signIn", "authenticate", null),
    registration: await challenge("registration", "register", main.userId),
    plain,
    secrets,
  };
}

/** This step's code for the account (the seeds have used none). */
const code = (a: Account) => totp(a.secret, Date.now() / 1000);
const handle = (s: Scenario) => b64url(Uint8Array.from(s.publicId.match(/../g)!.map((h) => parseInt(h, 16))));
const signInAssertion = (s: Scenario) =>
  assert(s.authenticator, { challenge: s.signIn.challenge, rpId: "auth.example.test" }, ORIGIN, handle(s));
const withChallenge = (s: Scenario, which: "signIn" | "registration") => `${s.cookie}; webauthn_challenge=${s[which].secret}`;

const calls: [string, Route<Scenario>][] = [
  ["log in, two-factor on", (s) => ["POST", "/sessions", { form: { email: s.email, password: OLD } }]],
  [
    "finish with a code",
    async (s) => ["POST", "/sessions/two-factor", { cookie: `pending_login=${s.pending}`, form: { code: await code(s) } }],
  ],
  [
    "finish with a recovery code",
    (s) => ["POST", "/sessions/two-factor", { cookie: `pending_login=${s.pending}`, form: { recovery_code: s.recovery[0]! } }],
  ],
  ["finish with a wrong code", (s) => ["POST", "/sessions/two-factor", { cookie: `pending_login=${s.pending}`, form: { code: "000000" } }]],
  ["two-factor status", (s) => ["GET", "/profile/two-factor", { cookie: s.cookie }]],
  ["begin two-factor", (s) => ["POST", "/profile/two-factor", { cookie: s.plain.cookie, form: { password: OLD } }]],
  [
    "confirm two-factor",
    async (s) => ["POST", "/profile/two-factor/confirm", { cookie: s.plain.cookie, form: { code: await code(s.plain) } }],
  ],
  [
    "turn two-factor off",
    async (s) => ["DELETE", "/profile/two-factor", { cookie: s.cookie, form: { password: OLD, code: await code(s) } }],
  ],
  [
    "new recovery codes",
    async (s) => ["POST", "/profile/two-factor/recovery-codes", { cookie: s.cookie, form: { password: OLD, code: await code(s) } }],
  ],
  [
    "change password with a code",
    async (s) => [
      "PUT",
      "/profile/password",
      { cookie: s.cookie, form: { current_password: OLD, new_password: NEW, code: await code(s) } },
    ],
  ],
  ["delete with a code", async (s) => ["POST", "/profile/delete", { cookie: s.cookie, form: { password: OLD, code: await code(s) } }]],
  ["re-authenticate: password", (s) => ["POST", "/profile/reauthenticate", { cookie: s.cookie, form: { password: OLD } }]],
  ["re-authenticate: code", async (s) => ["POST", "/profile/reauthenticate", { cookie: s.cookie, form: { code: await code(s) } }]],
  [
    "re-authenticate: passkey",
    async (s) => ["POST", "/profile/reauthenticate", { cookie: withChallenge(s, "signIn"), json: await signInAssertion(s) }],
  ],
  ["passkey options", (s) => ["POST", "/profile/passkeys/options", { cookie: s.cookie }]],
  [
    "add a passkey",
    async (s) => [
      "POST",
      "/profile/passkeys",
      {
        cookie: withChallenge(s, "registration"),
        json: await register(await newAuthenticator(), { challenge: s.registration.challenge, rp: { id: "auth.example.test" } }, ORIGIN),
      },
    ],
  ],
  ["list passkeys", (s) => ["GET", "/profile/passkeys", { cookie: s.cookie }]],
  ["remove a passkey", (s) => ["DELETE", `/profile/passkeys/${s.passkeyId}`, { cookie: s.cookie }]],
  ["sign-in options", () => ["POST", "/sessions/passkey/options", {}]],
  [
    "sign in with a passkey",
    async (s) => ["POST", "/sessions/passkey", { cookie: `webauthn_challenge=${s.signIn.secret}`, json: await signInAssertion(s) }],
  ],
  [
    "page: finish with a code",
    async (s) => ["POST", "/account/login/two-factor", { cookie: `pending_login=${s.pending}`, form: { code: await code(s) } }],
  ],
  ["page: two-factor", (s) => ["GET", "/account/two-factor", { cookie: s.cookie }]],
  ["page: begin two-factor", (s) => ["POST", "/account/two-factor", { cookie: s.plain.cookie, form: { password: OLD } }]],
  [
    "page: confirm two-factor",
    async (s) => ["POST", "/account/two-factor/confirm", { cookie: s.plain.cookie, form: { code: await code(s.plain) } }],
  ],
  [
    "page: turn two-factor off",
    async (s) => ["POST", "/account/two-factor/disable", { cookie: s.cookie, form: { password: OLD, code: await code(s) } }],
  ],
  ["page: passkeys", (s) => ["GET", "/account/passkeys", { cookie: s.cookie }]],
  ["page: remove a passkey", (s) => ["POST", "/account/passkeys/remove", { cookie: s.cookie, form: { passkey: s.passkeyId } }]],
  ["page: re-authenticate", (s) => ["POST", "/account/reauthenticate", { cookie: s.cookie, form: { password: OLD } }]],
];

/** What each answers without faults. */
const answers: Record<string, number> = {
  "log in, two-factor on": 401,
  "finish with a wrong code": 401,
  "add a passkey": 201,
  "page: finish with a code": 303,
  "page: turn two-factor off": 303,
  "page: remove a passkey": 303,
  "page: re-authenticate": 303,
};
const routes = calls.map(([name, route]): [string, Route<Scenario>, number] => [name, route, answers[name] ?? 200]);

/** The scenario's rows in its own terms (which seeded secret, or "new"); spent single-use proofs left out. */
async function snapshot(s: Scenario): Promise<unknown> {
  const label = async (digest: unknown) => {
    for (const [name, secret] of Object.entries(s.secrets)) if (digest === (await sha256Hex(secret))) return name;
    return digest === null ? null : "new";
  };
  const ids = [s.userId, s.plain.userId];
  const rows = async (sql: string) =>
    (
      await env.DB.prepare(sql)
        .bind(...ids)
        .all<Record<string, unknown>>()
    ).results;
  const owner = (id: unknown) => (id === s.userId ? "main" : "plain");
  const users = await rows("SELECT id, hashed_password FROM users WHERE id IN (?, ?)");
  const totps = await rows("SELECT user_id, secret_encrypted, confirmed_at FROM totp_credentials WHERE user_id IN (?, ?)");
  const codes = await rows("SELECT user_id, code_hash FROM recovery_codes WHERE user_id IN (?, ?)");
  const seededCodes = await Promise.all(s.recovery.map((c) => hashRecoveryCode(env.ENCRYPTION_KEY, c)));
  return {
    users: await Promise.all(
      users.map(async (u) => ({
        owner: owner(u.id),
        password: (await bcrypt.compare(OLD, u.hashed_password as string))
          ? "old"
          : (await bcrypt.compare(NEW, u.hashed_password as string))
            ? "new"
            : "other",
      })),
    ),
    sessions: (
      await Promise.all(
        (await rows("SELECT user_id, secret_hash, reauthenticated_at FROM sessions WHERE user_id IN (?, ?)")).map(
          async (r) => `${owner(r.user_id)}:${await label(r.secret_hash)}:${r.reauthenticated_at === null ? "-" : "re"}`,
        ),
      )
    ).sort(),
    devices: (await rows("SELECT user_id FROM login_devices WHERE user_id IN (?, ?)")).map((r) => owner(r.user_id)).sort(),
    totp: totps
      .map(
        (r) =>
          `${owner(r.user_id)}:${r.confirmed_at === null ? "pending" : "on"}:${r.secret_encrypted === s.sealed || r.secret_encrypted === s.plain.sealed ? "seeded" : "new"}`,
      )
      .sort(),
    recoveryCodes: codes.map((r) => `${owner(r.user_id)}:${seededCodes.indexOf(r.code_hash as string)}`).sort(),
    pending: (
      await Promise.all(
        (await rows("SELECT user_id, secret_hash FROM pending_logins WHERE user_id IN (?, ?)")).map(
          async (r) => `${owner(r.user_id)}:${await label(r.secret_hash)}`,
        ),
      )
    ).sort(),
    passkeys: (await rows("SELECT user_id, id, sign_count FROM passkeys WHERE user_id IN (?, ?)"))
      .map((r) => `${owner(r.user_id)}:${r.id === s.passkeyId ? "seeded" : "new"}:${r.sign_count}`)
      .sort(),
  };
}

beforeAll(async () => {
  oldHash = await bcrypt.hash(OLD, 4);
});

faultProperty("D1 faults on the second-factor and passkey routes: no 500, a 503 leaves nothing half-done", routes, seed, snapshot);
