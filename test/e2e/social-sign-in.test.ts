import http from "node:http";
import type { AddressInfo } from "node:net";
import { createHash, createHmac } from "node:crypto";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, startService } from "./local-service.js";
import { logIn, registerClient } from "./oidc-helpers.js";

/**
 * Signing in with a provider, against local fakes only: edge-auth itself as the upstream OpenID
 * provider (on localhost), and a GitHub-shaped fake; the service under test on 127.0.0.1 (cookies
 * do not tell ports apart, so the two instances use two host names).
 */
let upstream: Awaited<ReturnType<typeof startService>>;
let service: Awaited<ReturnType<typeof startService>>;
let github: http.Server;
let githubUrl = "";
let githubDown = false;
const githubUsers = new Map<string, { id: number; email: string; verified: boolean }>();
let nextGithubUser = "";
const mailLines: string[] = [];

beforeAll(async () => {
  // The GitHub-shaped fake: authorize sends the browser straight back; the code names a user.
  github = http.createServer(async (request, response) => {
    const url = new URL(request.url!, githubUrl);
    const json = (status: number, body: unknown) =>
      response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (url.pathname === "/login/oauth/authorize") {
      const back = new URL(url.searchParams.get("redirect_uri")!);
      back.searchParams.set("code", nextGithubUser);
      back.searchParams.set("state", url.searchParams.get("state")!);
      return response.writeHead(302, { location: back.toString() }).end();
    }
    if (url.pathname === "/login/oauth/access_token") {
      if (githubDown) return json(500, { error: "down" });
      let body = "";
      for await (const chunk of request) body += chunk;
      const form = new URLSearchParams(body);
      if (!form.get("code_verifier") || form.get("client_secret") !== "gh-secret") return json(400, { error: "bad_verification_code" });
      return json(200, { access_token: `token-${form.get("code")}`, token_type: "bearer", scope: "read:user,user:email" });
    }
    const user = githubUsers.get((request.headers.authorization ?? "").replace("Bearer token-", ""));
    if (!user) return json(401, { message: "Bad credentials" });
    if (url.pathname === "/api/user") return json(200, { id: user.id, login: `u${user.id}` });
    if (url.pathname === "/api/user/emails") return json(200, [{ email: user.email, primary: true, verified: user.verified }]);
    return json(404, {});
  });
  await new Promise<void>((resolve) => github.listen(0, "127.0.0.1", resolve));
  githubUrl = `http://127.0.0.1:${(github.address() as AddressInfo).port}`;

  upstream = await startService();
  const port = await freePort();
  const client = await registerClient(upstream.mf, { redirectUris: [`http://127.0.0.1:${port}/auth/upstream/callback`], firstParty: true });
  service = await startService({
    port,
    // Miniflare's lines, the simulated EMAIL binding's among them (the notices).
    onLog: (line) => mailLines.push(line),
    vars: {
      MAIL_TRANSPORT: "email-service",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      PASSKEYS: "off",
      OIDC_PROVIDERS: JSON.stringify([{ id: "upstream", name: "Upstream", issuer: upstream.url, client_id: client.id }]),
      OIDC_UPSTREAM_CLIENT_SECRET: client.secret!,
      OAUTH_GITHUB_CLIENT_ID: "gh-client",
      OAUTH_GITHUB_CLIENT_SECRET: "gh-secret",
      OAUTH_GITHUB_URL: githubUrl,
      OAUTH_GITHUB_API_URL: `${githubUrl}/api`,
    },
  });
});

afterAll(async () => {
  await service?.stop();
  await upstream?.stop();
  await new Promise((resolve) => github?.close(resolve));
});

const base = () => `http://127.0.0.1:${new URL(service.url).port}`;
const cookieOf = (response: Response, name: string) => new RegExp(`${name}=([^;]*)`).exec(response.headers.getSetCookie().join("\n"))?.[1];

/** Start → the provider (with `providerCookie` there) → the callback; the callback's answer. */
async function signInWith(
  provider: string,
  options: { providerCookie?: string; session?: string; intent?: string; tamper?: (url: URL) => void } = {},
) {
  const started = await fetch(`${base()}/auth/${provider}${options.intent ? `?intent=${options.intent}` : ""}`, {
    redirect: "manual",
    headers: options.session ? { cookie: options.session } : {},
  });
  expect(started.status).toBe(302);
  const flow = cookieOf(started, "sign_in_flow")!;
  const atProvider = await fetch(started.headers.get("location")!, {
    redirect: "manual",
    headers: options.providerCookie ? { cookie: options.providerCookie } : {},
  });
  const back = new URL(atProvider.headers.get("location")!);
  expect(back.origin).toBe(base());
  options.tamper?.(back);
  const cookie = [`sign_in_flow=${flow}`, options.session].filter(Boolean).join("; ");
  return fetch(back, { redirect: "manual", headers: { cookie } });
}

async function upstreamUser(email: string, verified: boolean) {
  const cookie = await logIn(upstream.url, email, "pw-upstream-1");
  if (verified)
    await (
      await upstream.mf.getD1Database("DB")
    )
      .prepare("UPDATE users SET email_verified_at = unixepoch() WHERE email = ?")
      .bind(email)
      .run();
  return cookie;
}

it("the login page shows a button per provider", async () => {
  const page = await (await fetch(`${base()}/account/login`)).text();
  expect(page).toContain('href="/auth/github"');
  expect(page).toContain('href="/auth/upstream"');
});

it("an OpenID provider (edge-auth upstream): a verified address nobody has becomes a user; the same subject signs in to it again", async () => {
  const email = `fed-${Date.now()}@example.com`;
  const providerCookie = await upstreamUser(email, true);
  const first = await signInWith("upstream", { providerCookie });
  expect([first.status, first.headers.get("location")]).toEqual([303, "/account/profile"]);
  const session = `session_id=${cookieOf(first, "session_id")}`;
  expect(await (await fetch(`${base()}/profile`, { headers: { cookie: session } })).json()).toEqual({ email });
  // No password: logging in with any password fails like a wrong one.
  const password = await fetch(`${base()}/sessions`, { method: "POST", body: new URLSearchParams({ email, password: "!no-password" }) });
  expect(password.status).toBe(401);
  const again = await signInWith("upstream", { providerCookie });
  expect(again.status).toBe(303);
});

it("takeover: a provider's verified address that a user has already signs nobody in", async () => {
  const email = `owner-${Date.now()}@example.com`;
  await logIn(base(), email, "pw-owner-1");
  const providerCookie = await upstreamUser(email, true);
  const answer = await signInWith("upstream", { providerCookie });
  expect(answer.status).toBe(400);
  expect(cookieOf(answer, "session_id") ?? "").toBe("");
  expect(await answer.text()).toContain("log in to that account the usual way".replace("log", "Log"));
});

it("an unverified address, a changed state, a missing flow cookie: a page, never a session or a 500", async () => {
  const unverified = await signInWith("upstream", { providerCookie: await upstreamUser(`unv-${Date.now()}@example.com`, false) });
  expect(unverified.status).toBe(400);
  expect(await unverified.text()).toContain("did not say your email address is verified");
  const providerCookie = await upstreamUser(`state-${Date.now()}@example.com`, true);
  const tampered = await signInWith("upstream", { providerCookie, tamper: (url) => url.searchParams.set("state", "forged") });
  expect([tampered.status, cookieOf(tampered, "session_id") ?? ""]).toEqual([400, ""]);
  const noCookie = await fetch(`${base()}/auth/upstream/callback?code=x&state=y`, { redirect: "manual" });
  expect(noCookie.status).toBe(400);
  expect((await fetch(`${base()}/auth/nope`)).status).toBe(404);
});

it("GitHub (a fake): primary verified address only; linking from the profile behind re-authentication; unlinking keeps a way in; a provider that is down is a page", async () => {
  const email = `gh-${Date.now()}@example.com`;
  githubUsers.set("alice", { id: 4242, email, verified: true });
  nextGithubUser = "alice";
  const created = await signInWith("github");
  expect(created.status).toBe(303);
  githubUsers.set("bob", { id: 4343, email: `gh-unv-${Date.now()}@example.com`, verified: false });
  nextGithubUser = "bob";
  expect((await signInWith("github")).status).toBe(400);

  // A password user links GitHub, then unlinks it (the password remains a way in).
  const owner = `link-${Date.now()}@example.com`;
  const session = await logIn(base(), owner, "pw-link-1");
  githubUsers.set("carol", { id: 4444, email: "carol-elsewhere@example.com", verified: true });
  nextGithubUser = "carol";
  const linked = await signInWith("github", { session, intent: "link" });
  expect([linked.status, linked.headers.get("location")]).toEqual([303, "/account/profile?linked=1"]);
  const profile = await (await fetch(`${base()}/account/profile`, { headers: { cookie: session } })).text();
  expect(profile).toContain('data-linked="github"');
  // The linked subject now signs in to that account.
  const back = await signInWith("github");
  const asOwner = `session_id=${cookieOf(back, "session_id")}`;
  expect(await (await fetch(`${base()}/profile`, { headers: { cookie: asOwner } })).json()).toEqual({ email: owner });
  const unlinked = await fetch(`${base()}/account/providers/unlink`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: session, origin: base() },
    body: new URLSearchParams({ provider: "github" }),
  });
  expect(unlinked.status).toBe(303);
  // Both mailed the account a notice.
  for (const subject of ["GitHub was linked to your edge-auth account", "GitHub was unlinked from your edge-auth account"]) {
    await expect
      .poll(() => mailLines.some((l) => l.includes(`To: ${owner}`) && l.includes(`Subject: ${subject}`)), { timeout: 5000 })
      .toBe(true);
  }

  // The GitHub-created user has no password: unlinking its only way in is refused.
  nextGithubUser = "alice";
  const alice = `session_id=${cookieOf(await signInWith("github"), "session_id")}`;
  const refused = await fetch(`${base()}/account/providers/unlink`, {
    method: "POST",
    redirect: "manual",
    headers: { cookie: alice, origin: base() },
    body: new URLSearchParams({ provider: "github" }),
  });
  expect(refused.status).toBe(400);

  githubDown = true;
  const down = await signInWith("github");
  githubDown = false;
  expect(down.status).toBe(502);
  expect(await down.text()).toContain("failed or could not be reached");
});

it("a user without a password confirms it is them by signing in through the provider again (and only through their own)", async () => {
  githubUsers.set("dave", { id: 4545, email: `dave-${Date.now()}@example.com`, verified: true });
  nextGithubUser = "dave";
  const dave = `session_id=${cookieOf(await signInWith("github"), "session_id")}`;
  const db = await service.mf.getD1Database("DB");
  await db.prepare("UPDATE sessions SET created_at = created_at - 3600, reauthenticated_at = NULL").run();
  const page = await (await fetch(`${base()}/account/reauthenticate?next=%2Faccount%2Fpasskeys`, { headers: { cookie: dave } })).text();
  expect(page).toContain('data-reauth-provider="github"');
  githubUsers.set("eve", { id: 4646, email: `eve-${Date.now()}@example.com`, verified: true });
  nextGithubUser = "eve";
  expect((await signInWith("github", { session: dave, intent: "reauth" })).status).toBe(400);
  nextGithubUser = "dave";
  const confirmed = await signInWith("github", { session: dave, intent: "reauth" });
  expect(confirmed.status).toBe(303);
  const row = await db.prepare("SELECT max(reauthenticated_at) AS at FROM sessions").first<{ at: number | null }>();
  expect(row!.at).toBeGreaterThan(Date.now() / 1000 - 60);
  // Deleting the account: no password to give; the fresh proof is what counts.
  const remove = () =>
    fetch(`${base()}/profile/delete`, { method: "POST", headers: { cookie: dave }, body: new URLSearchParams({ password: "(none)" }) });
  await db.prepare("UPDATE sessions SET reauthenticated_at = reauthenticated_at - 3600").run();
  const stale = await remove();
  expect([stale.status, ((await stale.json()) as { reauthenticate?: boolean }).reauthenticate]).toEqual([403, true]);
  await signInWith("github", { session: dave, intent: "reauth" });
  const deleted = await remove();
  expect(deleted.status).toBe(200);
  expect((await fetch(`${base()}/profile`, { headers: { cookie: dave } })).status).toBe(403);
});

it("a provider sign-in for an account with two-factor on asks for the second factor, and opens no session before it", async () => {
  const owner = `tfa-${Date.now()}@example.com`;
  const session = await logIn(base(), owner, "pw-tfa-1");
  const post = (path: string, form: Record<string, string>) =>
    fetch(`${base()}${path}`, { method: "POST", headers: { cookie: session }, body: new URLSearchParams(form) });
  const begun = (await (await post("/profile/two-factor", { password: "pw-tfa-1" })).json()) as { otpauth_uri: string };
  expect((await post("/profile/two-factor/confirm", { code: totpNow(begun.otpauth_uri) })).status).toBe(200);
  githubUsers.set("frank", { id: 4747, email: "frank-elsewhere@example.com", verified: true });
  nextGithubUser = "frank";
  expect((await signInWith("github", { session, intent: "link" })).status).toBe(303);
  const signIn = await signInWith("github");
  expect([signIn.status, signIn.headers.get("location")]).toEqual([303, "/account/login/two-factor?next=%2Faccount%2Fprofile"]);
  expect(cookieOf(signIn, "pending_login")).toBeTruthy();
  expect(cookieOf(signIn, "session_id") ?? "").toBe("");
});

/** RFC 6238 (SHA-1, 6 digits, 30 s) from an otpauth:// URI, computed here, not by the service. */
function totpNow(uri: string): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const char of new URL(uri).searchParams.get("secret")!.replace(/=+$/, ""))
    bits += alphabet.indexOf(char).toString(2).padStart(5, "0");
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30)));
  const mac = createHmac("sha1", key).update(counter).digest();
  const offset = mac[mac.length - 1]! & 15;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, "0");
}

describe("a misbehaving OpenID provider (a fake): nonce, audience and PKCE are checked; a page, never a session or a 500", () => {
  let fake: http.Server;
  let fakeUrl = "";
  let second: Awaited<ReturnType<typeof startService>>;
  let mode: "ok" | "wrong-nonce" | "wrong-aud" = "ok";
  const challenges = new Map<string, string>();

  beforeAll(async () => {
    const { privateKey, publicKey } = await generateKeyPair("RS256");
    const jwk = { ...(await exportJWK(publicKey)), kid: "fake", alg: "RS256", use: "sig" };
    fake = http.createServer(async (request, response) => {
      const url = new URL(request.url!, fakeUrl);
      const json = (status: number, body: unknown) =>
        response.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (url.pathname === "/.well-known/openid-configuration") {
        return json(200, {
          issuer: fakeUrl,
          authorization_endpoint: `${fakeUrl}/authorize`,
          token_endpoint: `${fakeUrl}/token`,
          jwks_uri: `${fakeUrl}/jwks`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
        });
      }
      if (url.pathname === "/jwks") return json(200, { keys: [jwk] });
      if (url.pathname === "/authorize") {
        const code = `c-${Math.random()}`;
        challenges.set(code, `${url.searchParams.get("code_challenge")}|${url.searchParams.get("nonce")}`);
        const back = new URL(url.searchParams.get("redirect_uri")!);
        back.searchParams.set("code", code);
        back.searchParams.set("state", url.searchParams.get("state")!);
        return response.writeHead(302, { location: back.toString() }).end();
      }
      let body = "";
      for await (const chunk of request) body += chunk;
      const form = new URLSearchParams(body);
      const [challenge, nonce] = (challenges.get(form.get("code")!) ?? "|").split("|");
      // PKCE (RFC 7636): the verifier must hash to the challenge sent with the authorization request.
      if (
        createHash("sha256")
          .update(form.get("code_verifier") ?? "")
          .digest("base64url") !== challenge
      )
        return json(400, { error: "invalid_grant" });
      const idToken = await new SignJWT({
        email: "fake-user@example.com",
        email_verified: true,
        nonce: mode === "wrong-nonce" ? "other" : nonce,
      })
        .setProtectedHeader({ alg: "RS256", kid: "fake" })
        .setIssuer(fakeUrl)
        .setSubject("fake-1")
        .setAudience(mode === "wrong-aud" ? "someone-else" : "fake-client")
        .setIssuedAt()
        .setExpirationTime("5m")
        .sign(privateKey);
      return json(200, { access_token: "at", token_type: "Bearer", id_token: idToken, expires_in: 300 });
    });
    await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
    fakeUrl = `http://127.0.0.1:${(fake.address() as AddressInfo).port}`;
    const port = await freePort();
    second = await startService({
      port,
      vars: {
        PUBLIC_URL: `http://127.0.0.1:${port}`,
        PASSKEYS: "off",
        OIDC_PROVIDERS: JSON.stringify([{ id: "fake", name: "Fake", issuer: fakeUrl, client_id: "fake-client" }]),
        OIDC_FAKE_CLIENT_SECRET: "fake-secret",
      },
    });
  });
  afterAll(async () => {
    await second?.stop();
    await new Promise((resolve) => fake?.close(resolve));
  });

  async function attempt(tamper?: (url: URL) => void) {
    const origin = `http://127.0.0.1:${new URL(second.url).port}`;
    const started = await fetch(`${origin}/auth/fake`, { redirect: "manual" });
    const flow = cookieOf(started, "sign_in_flow")!;
    const atProvider = new URL(started.headers.get("location")!);
    tamper?.(atProvider);
    const back = await fetch(atProvider, { redirect: "manual" });
    return fetch(back.headers.get("location")!, { redirect: "manual", headers: { cookie: `sign_in_flow=${flow}` } });
  }

  it("a wrong nonce or audience in the ID token, or a PKCE failure at the provider, signs nobody in", async () => {
    for (const bad of ["wrong-nonce", "wrong-aud"] as const) {
      mode = bad;
      const answer = await attempt();
      expect([answer.status === 400 || answer.status === 502, cookieOf(answer, "session_id") ?? ""]).toEqual([true, ""]);
      expect(await answer.text()).toContain("Signing in with Fake did not work");
    }
    mode = "ok";
    // The code_challenge the provider received is not the one for our verifier: the exchange is refused.
    const pkce = await attempt((url) => url.searchParams.set("code_challenge", "A".repeat(43)));
    expect([pkce.status === 400 || pkce.status === 502, cookieOf(pkce, "session_id") ?? ""]).toEqual([true, ""]);
    // And a well-behaved run of the same fake signs in: the refusals above were the checks.
    const good = await attempt();
    expect([good.status, cookieOf(good, "session_id") ? "session" : ""]).toEqual([303, "session"]);
  });
});
