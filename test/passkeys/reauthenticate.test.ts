import { describe, expect, it } from "vitest";
import { call, loggedIn, uniqueEmail } from "../helpers";
import { skipCodeWait, withTwoFactor } from "../two-factor/helpers";
import { totp } from "../totp";
import { assert } from "../webauthn";
import { addPasskey, ageProof, cookies, ORIGIN, requestOptions, userHandleOf } from "./helpers";

const CONFIRM = [403, { message: "confirm it is you", reauthenticate: true }];
const statusAndBody = async (response: Response) => [response.status, await response.json()];

describe("re-authentication for sensitive actions", () => {
  it("ending other or all sessions needs a proof within REAUTH_WINDOW_SECONDS: the login counts at its time", async () => {
    const { cookie } = await loggedIn(uniqueEmail("re"));
    // Just logged in: it goes through.
    expect((await call("POST", "/profile/sessions/end-others", { cookie })).status).toBe(200);
    await ageProof(cookie, 601);
    expect(await statusAndBody(await call("POST", "/profile/sessions/end-others", { cookie }))).toEqual(CONFIRM);
    expect(await statusAndBody(await call("POST", "/profile/sessions/end-all", { cookie }))).toEqual(CONFIRM);
    // The session is still live: refused, not ended.
    expect((await call("GET", "/profile", { cookie })).status).toBe(200);
  });

  it("POST /profile/reauthenticate {password} renews the window; a wrong one does not", async () => {
    const { cookie } = await loggedIn(uniqueEmail("re"), "pw");
    await ageProof(cookie, 601);
    const wrong = await call("POST", "/profile/reauthenticate", { cookie, form: { password: "nope" } });
    expect(await statusAndBody(wrong)).toEqual([401, { message: "invalid password" }]);
    expect((await call("POST", "/profile/sessions/end-others", { cookie })).status).toBe(403);
    const right = await call("POST", "/profile/reauthenticate", { cookie, form: { password: "pw" } });
    const body = (await right.json()) as { message: string; reauthenticated_until: number };
    expect([right.status, body.message]).toEqual([200, "confirmed"]);
    expect(body.reauthenticated_until).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000) + 598);
    expect((await call("POST", "/profile/sessions/end-others", { cookie })).status).toBe(200);
    // The window closes again.
    await ageProof(cookie, 601);
    expect((await call("POST", "/profile/sessions/end-all", { cookie })).status).toBe(403);
  });

  it("REAUTH_WINDOW_SECONDS sets the window", async () => {
    const { cookie } = await loggedIn(uniqueEmail("re"));
    await ageProof(cookie, 100);
    const vars = { REAUTH_WINDOW_SECONDS: "60" };
    expect((await call("POST", "/profile/sessions/end-others", { cookie, vars })).status).toBe(403);
    expect((await call("POST", "/profile/sessions/end-others", { cookie })).status).toBe(200);
  });

  it("{code} renews it for an account with two-factor on; without two-factor a code is refused", async () => {
    const t = await withTwoFactor();
    await ageProof(t.cookie, 601);
    await skipCodeWait(t.email);
    const confirmed = await call("POST", "/profile/reauthenticate", {
      cookie: t.cookie,
      form: { code: await totp(t.secret, Date.now() / 1000, 1) },
    });
    expect(confirmed.status).toBe(200);
    expect((await call("POST", "/profile/sessions/end-others", { cookie: t.cookie })).status).toBe(200);
    const plain = await loggedIn(uniqueEmail("re"));
    expect(await statusAndBody(await call("POST", "/profile/reauthenticate", { cookie: plain.cookie, form: { code: "123456" } }))).toEqual([
      400,
      { message: "two-factor is not on" },
    ]);
  });

  it("a passkey assertion renews it, only with this account's passkey and this browser's challenge", async () => {
    const a = await loggedIn(uniqueEmail("re"));
    const b = await loggedIn(uniqueEmail("re"));
    const mine = await addPasskey(a.cookie);
    const theirs = await addPasskey(b.cookie);
    await ageProof(a.cookie, 601);
    const other = await requestOptions();
    const refused = await call("POST", "/profile/reauthenticate", {
      cookie: cookies(a.cookie, other.challenge),
      json: await assert(theirs.authenticator, other.options, ORIGIN, await userHandleOf(b.email)),
    });
    expect(await statusAndBody(refused)).toEqual([400, { message: "passkey not accepted" }]);
    expect((await call("POST", "/profile/sessions/end-others", { cookie: a.cookie })).status).toBe(403);
    const { options, challenge } = await requestOptions();
    const credential = await assert(mine.authenticator, options, ORIGIN, await userHandleOf(a.email));
    // Without this browser's challenge cookie: refused.
    expect((await call("POST", "/profile/reauthenticate", { cookie: a.cookie, json: credential })).status).toBe(400);
    const ok = await call("POST", "/profile/reauthenticate", { cookie: cookies(a.cookie, challenge), json: credential });
    expect(ok.status).toBe(200);
    expect((await call("POST", "/profile/sessions/end-others", { cookie: a.cookie })).status).toBe(200);
    // That challenge is spent: the same assertion again is refused.
    await ageProof(a.cookie, 601);
    expect((await call("POST", "/profile/reauthenticate", { cookie: cookies(a.cookie, challenge), json: credential })).status).toBe(400);
    expect((await call("POST", "/profile/sessions/end-others", { cookie: a.cookie })).status).toBe(403);
  });

  it("an empty proof is a 400 naming what to give", async () => {
    const { cookie } = await loggedIn(uniqueEmail("re"));
    const response = await call("POST", "/profile/reauthenticate", { cookie, form: {} });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toMatch(/password/);
  });

  it("the pages send an old session to 'confirm it is you', then back", async () => {
    const { cookie } = await loggedIn(uniqueEmail("re"), "pw");
    await ageProof(cookie, 601);
    const origin = { origin: "http://localhost" };
    const ended = await call("POST", "/account/sessions/end-others", { cookie, form: {}, headers: origin });
    expect([ended.status, ended.headers.get("location")]).toEqual([303, "/account/reauthenticate?next=%2Faccount%2Fsessions"]);
    const page = await call("GET", "/account/reauthenticate?next=%2Faccount%2Fsessions", { cookie });
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/Confirm it is you/i);
    const confirmed = await call("POST", "/account/reauthenticate?next=%2Faccount%2Fsessions", {
      cookie,
      form: { password: "pw" },
      headers: origin,
    });
    expect([confirmed.status, confirmed.headers.get("location")]).toEqual([303, "/account/sessions"]);
    const offsite = await call("POST", "/account/reauthenticate?next=https%3A%2F%2Fevil.example", {
      cookie,
      form: { password: "pw" },
      headers: origin,
    });
    expect(offsite.headers.get("location")).toBe("/account/profile");
  });
});

describe("with two-factor on, actions that take the password take a code as well", () => {
  const asks = [401, { message: "second factor required", second_factor: ["totp", "recovery_code"] }];

  it("changing the password", async () => {
    const t = await withTwoFactor("pw");
    const without = await call("PUT", "/profile/password", {
      cookie: t.cookie,
      form: { current_password: "pw", new_password: "pw2-long" },
    });
    expect(await statusAndBody(without)).toEqual(asks);
    await skipCodeWait(t.email);
    const wrong = await call("PUT", "/profile/password", {
      cookie: t.cookie,
      form: { current_password: "pw", new_password: "pw2-long", code: "000000" },
    });
    expect(await statusAndBody(wrong)).toEqual([401, { message: "invalid code" }]);
    await skipCodeWait(t.email);
    const right = await call("PUT", "/profile/password", {
      cookie: t.cookie,
      form: { current_password: "pw", new_password: "pw2-long", code: await totp(t.secret, Date.now() / 1000, 1) },
    });
    expect(right.status).toBe(200);
  });

  it("changing the address, and deleting the account (a recovery code does too)", async () => {
    const t = await withTwoFactor("pw");
    const change = await call("PUT", "/profile/email", { cookie: t.cookie, form: { password: "pw", new_email: uniqueEmail("new") } });
    expect(await statusAndBody(change)).toEqual(asks);
    const del = await call("POST", "/profile/delete", { cookie: t.cookie, form: { password: "pw" } });
    expect(await statusAndBody(del)).toEqual(asks);
    await skipCodeWait(t.email);
    const done = await call("POST", "/profile/delete", { cookie: t.cookie, form: { password: "pw", recovery_code: t.recoveryCodes[0]! } });
    expect(done.status).toBe(200);
  });
});
