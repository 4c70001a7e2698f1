import { env } from "cloudflare:workers";
import { beforeAll } from "vitest";
import { sign, signingKeys } from "../../src/auth/oauth-keys";
import { sha256Hex } from "../../src/auth/tokens";
import { MAIL_VARS } from "../mail";
import { faultProperty, type Route } from "./fault-property";

/**
 * The fault property (fault-property.ts) over the OpenID provider's routes: a 503 never leaves a
 * half-issued grant (a spent code without its grant, a rotated refresh token without its
 * successor, a consent without its code). Each scenario: a user with a session, a first-party
 * confidential client with a live code, a grant with a live and a used refresh token, an access
 * token naming it, and a third-party client the user allowed.
 */

let scenarios = 0;
const ORIGIN = "http://localhost";
/** PUBLIC_URL as the fault property sets it (test/mail.ts). */
const ISSUER = MAIL_VARS.PUBLIC_URL;
const now = () => Math.floor(Date.now() / 1000);
const hex = () => crypto.randomUUID().replaceAll("-", "");
const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");

interface Scenario {
  userId: number;
  cookie: string;
  client: { id: string; secret: string; redirectUri: string };
  third: string;
  code: string;
  verifier: string;
  usedCode: string;
  grantId: string;
  refresh: string;
  usedRefresh: string;
  accessToken: string;
  challenge: string;
}

async function seed(tag: string): Promise<Scenario> {
  scenarios += 1;
  const t = now();
  const user = await env.DB.prepare("INSERT INTO users (email, hashed_password, public_id) VALUES (?, 'x', ?) RETURNING id, public_id")
    .bind(`oauth-${scenarios}-${tag}@example.com`, hex())
    .first<{ id: number; public_id: string }>();
  const userId = user!.id;
  const sessionSecret = crypto.randomUUID();
  await env.DB.prepare(
    "INSERT INTO sessions (id, user_id, secret_hash, created_at, expires_at, idle_expires_at, last_used_at, amr) VALUES (?, ?, ?, ?, ?, ?, ?, 'pwd')",
  )
    .bind(hex(), userId, await sha256Hex(sessionSecret), t, t + 86400, t + 86400, t)
    .run();
  const secret = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const client = { id: `c-${scenarios}-${tag}`, secret, redirectUri: "https://app.example.test/cb" };
  const third = `t-${scenarios}-${tag}`;
  for (const [id, firstParty, hash] of [
    [client.id, 1, await sha256Hex(secret)],
    [third, 0, await sha256Hex(secret)],
  ] as const) {
    await env.DB.prepare(
      "INSERT INTO oauth_clients (id, name, secret_hash, redirect_uris, first_party, created_at) VALUES (?, 'App', ?, ?, ?, ?)",
    )
      .bind(id, hash, JSON.stringify([client.redirectUri]), firstParty, t)
      .run();
  }
  await env.DB.prepare("INSERT INTO oauth_consents (user_id, client_id, scope, created_at) VALUES (?, ?, 'openid email', ?)")
    .bind(userId, third, t)
    .run();
  const verifier = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = b64url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier))));
  const code = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const usedCode = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const grantId = hex();
  await env.DB.prepare(
    "INSERT INTO oauth_grants (id, user_id, client_id, scope, auth_time, amr, created_at, expires_at) VALUES (?, ?, ?, 'openid email offline_access', ?, 'pwd', ?, ?)",
  )
    .bind(grantId, userId, client.id, t, t, t + 86400)
    .run();
  for (const [value, used, grant] of [
    [code, null, null],
    [usedCode, t, grantId],
  ] as const) {
    await env.DB.prepare(
      "INSERT INTO oauth_codes (code_hash, client_id, user_id, redirect_uri, code_challenge, scope, auth_time, amr, expires_at, used_at, grant_id) VALUES (?, ?, ?, ?, ?, 'openid email offline_access', ?, 'pwd', ?, ?, ?)",
    )
      .bind(await sha256Hex(value), client.id, userId, client.redirectUri, challenge, t, t + 60, used, grant)
      .run();
  }
  const refresh = b64url(crypto.getRandomValues(new Uint8Array(32)));
  const usedRefresh = b64url(crypto.getRandomValues(new Uint8Array(32)));
  await env.DB.prepare(
    "INSERT INTO oauth_refresh_tokens (token_hash, grant_id, created_at, idle_expires_at, used_at, replaced_by) VALUES (?, ?, ?, ?, NULL, NULL), (?, ?, ?, ?, ?, ?)",
  )
    .bind(
      await sha256Hex(refresh),
      grantId,
      t,
      t + 86400,
      await sha256Hex(usedRefresh),
      grantId,
      t - 10,
      t + 86400,
      t - 5,
      await sha256Hex(refresh),
    )
    .run();
  const accessToken = await sign(await signingKeys(env.OIDC_SIGNING_KEYS), "at+jwt", {
    iss: ISSUER,
    aud: ISSUER,
    sub: user!.public_id,
    client_id: client.id,
    iat: t,
    exp: t + 600,
    scope: "openid email",
    sid: grantId,
  });
  return {
    userId,
    cookie: `session_id=${sessionSecret}`,
    client,
    third,
    code,
    verifier,
    usedCode,
    grantId,
    refresh,
    usedRefresh,
    accessToken,
    challenge,
  };
}

/** The provider's state for the user, in terms that do not depend on the random ids a run makes. */
async function snapshot(s: Scenario) {
  const one = <T>(sql: string, ...params: unknown[]) =>
    env.DB.prepare(sql)
      .bind(...params)
      .first<T>();
  const codes = await env.DB.prepare(
    "SELECT code_hash, used_at IS NOT NULL AS used, grant_id IS NOT NULL AS granted FROM oauth_codes WHERE user_id = ? ORDER BY code_hash",
  )
    .bind(s.userId)
    .all<{ used: number; granted: number }>();
  return {
    codes: codes.results.map((c) => [c.used, c.granted]).sort(),
    grants: (await one<{ n: number }>("SELECT count(*) AS n FROM oauth_grants WHERE user_id = ?", s.userId))!.n,
    seededGrant: (await one<{ n: number }>("SELECT count(*) AS n FROM oauth_grants WHERE id = ?", s.grantId))!.n,
    // Every grant's live refresh tokens: a rotation lands whole or not at all.
    liveTokens: (
      await env.DB.prepare(
        "SELECT g.id = ? AS seeded, count(t.token_hash) AS n FROM oauth_grants g LEFT JOIN oauth_refresh_tokens t ON t.grant_id = g.id AND t.used_at IS NULL WHERE g.user_id = ? GROUP BY g.id ORDER BY seeded",
      )
        .bind(s.grantId, s.userId)
        .all<{ seeded: number; n: number }>()
    ).results.map((r) => [r.seeded, r.n]),
    seededTokenUsed:
      (
        await one<{ u: number }>(
          "SELECT used_at IS NOT NULL AS u FROM oauth_refresh_tokens WHERE token_hash = ?",
          await sha256Hex(s.refresh),
        )
      )?.u ?? null,
    consents: (
      await env.DB.prepare("SELECT client_id = ? AS third, scope FROM oauth_consents WHERE user_id = ? ORDER BY third")
        .bind(s.third, s.userId)
        .all()
    ).results,
    sessions: (await one<{ n: number }>("SELECT count(*) AS n FROM sessions WHERE user_id = ?", s.userId))!.n,
  };
}

const basic = (s: Scenario) => ({ authorization: `Basic ${btoa(`${s.client.id}:${s.client.secret}`)}` });
const authorize = (s: Scenario, clientId: string) =>
  `/oauth/authorize?${new URLSearchParams({
    response_type: "code",
    client_id: clientId,
    redirect_uri: s.client.redirectUri,
    scope: "openid email offline_access",
    code_challenge: s.challenge,
    code_challenge_method: "S256",
    state: "x",
  })}`;

const routes: [string, Route<Scenario>, number?][] = [
  [
    "POST /oauth/token (authorization_code)",
    (s) => [
      "POST",
      "/oauth/token",
      {
        form: { grant_type: "authorization_code", code: s.code, redirect_uri: s.client.redirectUri, code_verifier: s.verifier },
        headers: basic(s),
      },
    ],
    200,
  ],
  [
    "POST /oauth/token (a used code: its grant ends)",
    (s) => [
      "POST",
      "/oauth/token",
      {
        form: { grant_type: "authorization_code", code: s.usedCode, redirect_uri: s.client.redirectUri, code_verifier: s.verifier },
        headers: basic(s),
      },
    ],
    400,
  ],
  [
    "POST /oauth/token (refresh_token)",
    (s) => ["POST", "/oauth/token", { form: { grant_type: "refresh_token", refresh_token: s.refresh }, headers: basic(s) }],
    200,
  ],
  [
    "POST /oauth/token (a used refresh token: the grant ends)",
    (s) => ["POST", "/oauth/token", { form: { grant_type: "refresh_token", refresh_token: s.usedRefresh }, headers: basic(s) }],
    400,
  ],
  ["GET /oauth/userinfo", (s) => ["GET", "/oauth/userinfo", { headers: { authorization: `Bearer ${s.accessToken}` } }], 200],
  ["POST /oauth/revoke", (s) => ["POST", "/oauth/revoke", { form: { token: s.refresh }, headers: basic(s) }], 200],
  ["GET /oauth/authorize (first-party: a code)", (s) => ["GET", authorize(s, s.client.id), { cookie: s.cookie }], 302],
  [
    "POST /account/consent (Allow: consent and code)",
    (s) => {
      const params = Object.fromEntries(new URL(authorize(s, s.third), ISSUER).searchParams);
      return ["POST", "/account/consent", { cookie: s.cookie, form: { ...params, decision: "allow" }, headers: { origin: ORIGIN } }];
    },
    303,
  ],
  ["DELETE /profile/apps/{client_id}", (s) => ["DELETE", `/profile/apps/${s.third}`, { cookie: s.cookie }], 200],
  ["POST /profile/sessions/end-all (apps' grants end)", (s) => ["POST", "/profile/sessions/end-all", { cookie: s.cookie }], 200],
];

beforeAll(() => {
  scenarios = 0;
});

faultProperty("D1 faults on the OpenID provider's routes: no 500, a 503 never leaves a half-issued grant", routes, seed, snapshot);
