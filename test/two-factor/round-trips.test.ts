import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { Auth } from "../../src/auth/auth";
import { readConfig } from "../../src/config";
import { DB } from "../../src/db/db";
import { counted, countingD1, indexesUsed } from "../d1-counter";
import { call, loggedIn, uniqueEmail } from "../helpers";
import { addPasskey, ageProof, cookies, creationOptions, ORIGIN, requestOptions, userHandleOf } from "../passkeys/helpers";
import { secretOf, totp } from "../totp";
import { assert, newAuthenticator, register } from "../webauthn";
import { passwordStep, skipCodeWait, withTwoFactor } from "./helpers";

/** The next code an account may use: the step after the one its last use spent. */
const nextCode = (secret: Uint8Array) => totp(secret, Date.now() / 1000, 1);

describe("D1 round trips of the second-factor and passkey routes", () => {
  const trace: { sql: string; params: unknown[] }[] = [];
  /** counted(), keeping each statement for the EXPLAIN test below. */
  const measured = async (...args: Parameters<typeof counted>) => {
    const result = await counted(...args);
    trace.push(...result.statements);
    return { status: result.status, roundTrips: result.roundTrips };
  };

  it("a login without two-factor keeps its 2; with two-factor on, the password step costs 2 and the code step 2", async () => {
    const plain = await loggedIn(uniqueEmail(), "pw");
    expect(await measured("POST", "/sessions", { form: { email: plain.email, password: "pw" } })).toEqual({ status: 200, roundTrips: 2 });
    const t = await withTwoFactor();
    expect(await measured("POST", "/sessions", { form: { email: t.email, password: t.password } })).toEqual({ status: 401, roundTrips: 2 });
    const { cookie } = await passwordStep(t.email, t.password);
    await skipCodeWait(t.email);
    expect(await measured("POST", "/sessions/two-factor", { cookie, form: { code: await nextCode(t.secret) } })).toEqual({
      status: 200,
      roundTrips: 2,
    });
    const again = await passwordStep(t.email, t.password);
    expect(await measured("POST", "/sessions/two-factor", { cookie: again.cookie, form: { recovery_code: t.recoveryCodes[0]! } })).toEqual({
      status: 200,
      roundTrips: 2,
    });
    // A wrong code: the claim, and the failure counted.
    const third = await passwordStep(t.email, t.password);
    await skipCodeWait(t.email);
    expect(await measured("POST", "/sessions/two-factor", { cookie: third.cookie, form: { code: "000000" } })).toMatchObject({
      status: 401,
      roundTrips: 2,
    });
  });

  it("turning two-factor on costs 3 (session, password, pending secret), confirming 3, reading 2", async () => {
    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    expect(await measured("GET", "/profile/two-factor", { cookie })).toEqual({ status: 200, roundTrips: 2 });
    const begun = await call("POST", "/profile/two-factor", { cookie, form: { password: "pw" } });
    const { otpauth_uri } = (await begun.json()) as { otpauth_uri: string };
    expect(await measured("POST", "/profile/two-factor", { cookie, form: { password: "pw" } })).toEqual({ status: 200, roundTrips: 3 });
    const uri = (await (await call("POST", "/profile/two-factor", { cookie, form: { password: "pw" } })).json()) as { otpauth_uri: string };
    expect(uri.otpauth_uri).not.toBe(otpauth_uri);
    expect(
      await measured("POST", "/profile/two-factor/confirm", { cookie, form: { code: await totp(secretOf(uri.otpauth_uri)) } }),
    ).toEqual({
      status: 200,
      roundTrips: 3,
    });
  });

  it("actions that take the password and a code cost 6 at most: session, password, backoff, code claim, code, change", async () => {
    const a = await withTwoFactor();
    await skipCodeWait(a.email);
    expect(
      await measured("POST", "/profile/two-factor/recovery-codes", {
        cookie: a.cookie,
        form: { password: "pw", code: await nextCode(a.secret) },
      }),
    ).toMatchObject({ status: 200, roundTrips: 6 });
    const b = await withTwoFactor();
    await skipCodeWait(b.email);
    expect(
      await measured("DELETE", "/profile/two-factor", { cookie: b.cookie, form: { password: "pw", code: await nextCode(b.secret) } }),
    ).toMatchObject({ status: 200, roundTrips: 6 });
  });

  it("re-authentication costs 3 (password, passkey) or 4 (a code); a refusal for an old proof costs 1", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw");
    await ageProof(cookie, 601);
    expect(await measured("POST", "/profile/sessions/end-others", { cookie })).toEqual({ status: 403, roundTrips: 1 });
    expect(await measured("POST", "/profile/reauthenticate", { cookie, form: { password: "pw" } })).toEqual({ status: 200, roundTrips: 3 });
    const { authenticator } = await addPasskey(cookie);
    const { options, challenge } = await requestOptions();
    const credential = await assert(authenticator, options, ORIGIN, await userHandleOf(email));
    expect(await measured("POST", "/profile/reauthenticate", { cookie: cookies(cookie, challenge), json: credential })).toEqual({
      status: 200,
      roundTrips: 3,
    });
    const t = await withTwoFactor();
    await skipCodeWait(t.email);
    expect(await measured("POST", "/profile/reauthenticate", { cookie: t.cookie, form: { code: await nextCode(t.secret) } })).toEqual({
      status: 200,
      roundTrips: 4,
    });
  });

  it("passkeys: options 3, adding 3, the list 2, removing 2; sign-in options 1, signing in 2", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw");
    expect(await measured("POST", "/profile/passkeys/options", { cookie })).toEqual({ status: 200, roundTrips: 3 });
    const key = await newAuthenticator();
    const { options, challenge } = await creationOptions(cookie);
    expect(
      await measured("POST", "/profile/passkeys", { cookie: cookies(cookie, challenge), json: await register(key, options, ORIGIN) }),
    ).toEqual({ status: 201, roundTrips: 3 });
    expect(await measured("GET", "/profile/passkeys", { cookie })).toEqual({ status: 200, roundTrips: 2 });
    expect(await measured("POST", "/sessions/passkey/options")).toEqual({ status: 200, roundTrips: 1 });
    const asked = await requestOptions();
    const credential = await assert(key, asked.options, ORIGIN, await userHandleOf(email));
    expect(await measured("POST", "/sessions/passkey", { cookie: asked.challenge, json: credential })).toEqual({
      status: 200,
      roundTrips: 2,
    });
    // A replay: one round trip finds the challenge spent.
    expect(await measured("POST", "/sessions/passkey", { cookie: asked.challenge, json: credential })).toEqual({
      status: 400,
      roundTrips: 1,
    });
    const { passkeys } = (await (await call("GET", "/profile/passkeys", { cookie })).json()) as { passkeys: { id: string }[] };
    expect(await measured("DELETE", `/profile/passkeys/${passkeys[0]!.id}`, { cookie })).toEqual({ status: 200, roundTrips: 2 });
  });

  it("the clean-up removes pending logins and challenges past their 5 minutes, and keeps live ones", async () => {
    const t = await withTwoFactor();
    await passwordStep(t.email, t.password);
    await passwordStep(t.email, t.password);
    await call("POST", "/sessions/passkey/options");
    await env.DB.prepare(
      "UPDATE pending_logins SET expires_at = 5 WHERE rowid = (SELECT rowid FROM pending_logins WHERE user_id = (SELECT id FROM users WHERE email = ?) LIMIT 1)",
    )
      .bind(t.email)
      .run();
    await env.DB.prepare("UPDATE webauthn_challenges SET expires_at = 5").run();
    const d1 = countingD1(env.DB);
    const removed = await new Auth(new DB(d1.db), readConfig(env).auth).cleanUp(500, 20);
    trace.push(...d1.statements);
    expect(removed.challenges).toBeGreaterThanOrEqual(2);
    expect(
      (await env.DB.prepare("SELECT count(*) AS n FROM pending_logins WHERE expires_at <= unixepoch()").first<{ n: number }>())!.n,
    ).toBe(0);
    expect((await env.DB.prepare("SELECT count(*) AS n FROM webauthn_challenges").first<{ n: number }>())!.n).toBe(0);
    const live = await env.DB.prepare("SELECT count(*) AS n FROM pending_logins WHERE user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(t.email)
      .first<{ n: number }>();
    expect(live!.n).toBe(1);
  });

  it("every statement above uses an index: EXPLAIN QUERY PLAN finds no scan", async () => {
    expect(trace.length).toBeGreaterThan(50);
    const used = await indexesUsed(trace);
    for (const index of [
      "passkeys_credential_id_unique",
      "passkeys_user_id_idx",
      "pending_logins_expires_at_idx",
      "webauthn_challenges_expires_at_idx",
    ]) {
      expect(used).toContain(index);
    }
  });
});
