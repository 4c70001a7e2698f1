import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, loggedIn, sessionCookieOf, uniqueEmail } from "../helpers";
import { withTwoFactor } from "../two-factor/helpers";
import { assert, newAuthenticator } from "../webauthn";
import { addPasskey, deviceOwners, ORIGIN, requestOptions, signInWith, userHandleOf } from "./helpers";

const rowOf = (id: string) =>
  env.DB.prepare("SELECT sign_count, backed_up, backup_eligible, last_used_at FROM passkeys WHERE id = ?")
    .bind(id)
    .first<{ sign_count: number; backed_up: number; backup_eligible: number; last_used_at: number | null }>();

describe("signing in with a passkey", () => {
  it("POST /sessions/passkey/options: request options with no allowCredentials, user verification required, a 5-minute cookie", async () => {
    const response = await call("POST", "/sessions/passkey/options");
    expect(response.status).toBe(200);
    expect(response.headers.get("set-cookie")).toMatch(/webauthn_challenge=[^;]+; Max-Age=300; Path=\/; HttpOnly; SameSite=Lax/);
    const options = (await response.json()) as Record<string, unknown>;
    expect(options).toMatchObject({ rpId: "localhost", userVerification: "required" });
    expect(options).not.toHaveProperty("allowCredentials");
    expect(options.challenge).toMatch(/^[\w-]{43}$/);
  });

  it("POST /sessions/passkey opens a session as a login does (two factors), keeping the counter and backup flags", async () => {
    await loggedIn(uniqueEmail("bystander"));
    const { email, cookie } = await loggedIn(uniqueEmail("pk"));
    const { authenticator, passkey } = await addPasskey(
      cookie,
      await newAuthenticator({ counter: 7, backup: { eligible: true, state: false } }),
    );
    authenticator.backup.state = true; // synced since
    const { response } = await signInWith(authenticator, await userHandleOf(email));
    expect([response.status, await response.json()]).toEqual([200, { email, message: "logged in" }]);
    const session = sessionCookieOf(response)!;
    expect(response.headers.get("set-cookie")).toMatch(/webauthn_challenge=; Max-Age=0/);
    // The client is remembered for this account only (not a row for every user).
    expect(await deviceOwners(response)).toEqual([email]);
    expect(await (await call("GET", "/profile", { cookie: `session_id=${session}` })).json()).toEqual({ email });
    const amr = await env.DB.prepare(
      "SELECT amr FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = ?) ORDER BY created_at DESC, rowid DESC LIMIT 1",
    )
      .bind(email)
      .first<{ amr: string }>();
    expect(amr!.amr).toBe("pop mfa");
    expect(await rowOf(passkey.id)).toMatchObject({ sign_count: 8, backed_up: 1, backup_eligible: 1, last_used_at: expect.any(Number) });
  });

  it("an account with two-factor on signs in with its passkey without a code (the passkey is two factors)", async () => {
    const t = await withTwoFactor();
    const { authenticator } = await addPasskey(t.cookie);
    const { response } = await signInWith(authenticator, await userHandleOf(t.email));
    expect(response.status).toBe(200);
    expect(sessionCookieOf(response)).toBeTruthy();
  });

  it("a replayed assertion is refused: its challenge is spent, and a new challenge with an old counter is refused too", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail("pk"));
    const { authenticator } = await addPasskey(cookie, await newAuthenticator({ counter: 1 }));
    const first = await signInWith(authenticator, await userHandleOf(email));
    expect(first.response.status).toBe(200);
    const replay = await call("POST", "/sessions/passkey", { cookie: first.challenge, json: first.credential });
    expect([replay.status, await replay.json()]).toEqual([400, { message: "passkey not accepted" }]);
    expect(sessionCookieOf(replay)).toBeUndefined();
    // A cloned authenticator: a fresh challenge, signed with a counter that did not grow.
    const cloned = await signInWith(authenticator, await userHandleOf(email), { counter: authenticator.counter });
    expect(cloned.response.status).toBe(400);
  });

  it("synced passkeys (counter always 0) sign in again and again, each challenge once", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail("pk"));
    const { authenticator } = await addPasskey(cookie);
    for (let i = 0; i < 2; i++) expect((await signInWith(authenticator, await userHandleOf(email))).response.status).toBe(200);
  });

  const refusals: [string, Parameters<typeof assert>[4]][] = [
    ["another origin", { origin: "https://evil.example" }],
    ["another relying party", { rpId: "evil.example" }],
    ["no user verification", { userVerified: false }],
  ];
  for (const [what, change] of refusals) {
    it(`an assertion with ${what} is refused, and opens no session`, async () => {
      const { email, cookie } = await loggedIn(uniqueEmail("pk"));
      const { authenticator } = await addPasskey(cookie);
      const { response } = await signInWith(authenticator, await userHandleOf(email), change);
      expect([response.status, await response.json()]).toEqual([400, { message: "passkey not accepted" }]);
      expect(sessionCookieOf(response)).toBeUndefined();
    });
  }

  it("another user's handle, an unknown passkey, a forged signature, or no challenge cookie: refused", async () => {
    const a = await loggedIn(uniqueEmail("pk"));
    const b = await loggedIn(uniqueEmail("pk"));
    const { authenticator } = await addPasskey(a.cookie);
    expect((await signInWith(authenticator, await userHandleOf(b.email))).response.status).toBe(400);
    expect((await signInWith(await newAuthenticator(), await userHandleOf(a.email))).response.status).toBe(400);
    // A signature by another key over a's credential id.
    const impostor = await newAuthenticator();
    impostor.credentialId = authenticator.credentialId;
    expect((await signInWith(impostor, await userHandleOf(a.email))).response.status).toBe(400);
    const { options } = await requestOptions();
    const credential = await assert(authenticator, options, ORIGIN, await userHandleOf(a.email));
    expect((await call("POST", "/sessions/passkey", { json: credential })).status).toBe(400);
    // The real one still works.
    expect((await signInWith(authenticator, await userHandleOf(a.email))).response.status).toBe(200);
  });

  it("a registration challenge does not sign anyone in", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail("pk"));
    const { authenticator } = await addPasskey(cookie);
    const asked = await call("POST", "/profile/passkeys/options", { cookie });
    const challengeCookie = /webauthn_challenge=[^;]+/.exec(asked.headers.get("set-cookie")!)![0];
    const { challenge } = (await asked.json()) as { challenge: string };
    const credential = await assert(authenticator, { challenge, rpId: "localhost" }, ORIGIN, await userHandleOf(email));
    expect((await call("POST", "/sessions/passkey", { cookie: challengeCookie, json: credential })).status).toBe(400);
  });

  it("a sign-in while the passkey is removed opens nothing", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail("pk"));
    const { authenticator, passkey } = await addPasskey(cookie);
    const { options, challenge } = await requestOptions();
    const credential = await assert(authenticator, options, ORIGIN, await userHandleOf(email));
    expect((await call("DELETE", `/profile/passkeys/${passkey.id}`, { cookie })).status).toBe(200);
    expect((await call("POST", "/sessions/passkey", { cookie: challenge, json: credential })).status).toBe(400);
  });
});
