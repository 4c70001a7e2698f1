import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { mailTo, withMail } from "../mail";
import { call, loggedIn, sessionCookieOf } from "../helpers";
import { totp } from "../totp";
import { deviceOwners } from "../passkeys/helpers";
import { passwordStep, skipCodeWait, withTwoFactor } from "./helpers";

const sessionsOf = async (email: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = ?)")
    .bind(email)
    .first<{ n: number }>())!.n;

describe("logging in with two-factor on", () => {
  it("the right password answers 401 with second_factor and a 5-minute HttpOnly cookie, and opens no session", async () => {
    const t = await withTwoFactor();
    const before = await sessionsOf(t.email);
    const { response } = await passwordStep(t.email, t.password);
    expect([response.status, await response.json()]).toEqual([
      401,
      { message: "second factor required", second_factor: ["totp", "recovery_code"] },
    ]);
    const cookie = response.headers.get("set-cookie")!;
    expect(cookie).toMatch(/pending_login=[^;]+; Max-Age=300; Path=\/; HttpOnly; SameSite=Lax/);
    expect(cookie).not.toMatch(/session_id=/);
    expect(await sessionsOf(t.email)).toBe(before);
    // A wrong password is still the plain 401: second_factor tells the two apart.
    const wrong = await call("POST", "/sessions", { form: { email: t.email, password: "nope" } });
    expect([wrong.status, await wrong.json()]).toEqual([401, { message: "invalid email or password" }]);
  });

  it("POST /sessions/two-factor with the app's code opens the session, as a login does", async () => {
    const t = await withTwoFactor();
    const { cookie } = await passwordStep(t.email, t.password);
    const done = await call("POST", "/sessions/two-factor", { cookie, form: { code: await totp(t.secret, Date.now() / 1000, 1) } });
    expect([done.status, await done.json()]).toEqual([200, { email: t.email, message: "logged in" }]);
    const session = sessionCookieOf(done)!;
    // The client is remembered for this account only (not a row for every user).
    expect(await deviceOwners(done)).toEqual([t.email]);
    expect(done.headers.get("set-cookie")).toMatch(/pending_login=; Max-Age=0/);
    expect(await (await call("GET", "/profile", { cookie: `session_id=${session}` })).json()).toEqual({ email: t.email });
    const row = await env.DB.prepare(
      "SELECT amr FROM sessions WHERE user_id = (SELECT id FROM users WHERE email = ?) ORDER BY created_at DESC, rowid DESC LIMIT 1",
    )
      .bind(t.email)
      .first<{ amr: string }>();
    expect(row!.amr).toBe("pwd otp mfa");
    // The pending login is spent.
    expect(
      (await call("POST", "/sessions/two-factor", { cookie, form: { code: await totp(t.secret, Date.now() / 1000, -1) } })).status,
    ).toBe(401);
  });

  it("a code works once: the same code again, from another pending login, is refused", async () => {
    const t = await withTwoFactor();
    const code = await totp(t.secret, Date.now() / 1000, 1);
    const first = await passwordStep(t.email, t.password);
    expect((await call("POST", "/sessions/two-factor", { cookie: first.cookie, form: { code } })).status).toBe(200);
    await skipCodeWait(t.email);
    const second = await passwordStep(t.email, t.password);
    const replay = await call("POST", "/sessions/two-factor", { cookie: second.cookie, form: { code } });
    expect([replay.status, await replay.json()]).toEqual([401, { message: "invalid code" }]);
  });

  it("takes the code of the step before and after (clock skew), not two steps away", async () => {
    const t = await withTwoFactor();
    const now = Date.now() / 1000;
    const far = await passwordStep(t.email, t.password);
    expect((await call("POST", "/sessions/two-factor", { cookie: far.cookie, form: { code: await totp(t.secret, now, 3) } })).status).toBe(
      401,
    );
    await skipCodeWait(t.email);
    expect((await call("POST", "/sessions/two-factor", { cookie: far.cookie, form: { code: await totp(t.secret, now, 2) } })).status).toBe(
      401,
    );
    await skipCodeWait(t.email);
    // (The step the enrolment used is spent: the one after it works.)
    const later = await call("POST", "/sessions/two-factor", { cookie: far.cookie, form: { code: await totp(t.secret, now, 1) } });
    expect(later.status).toBe(200);
  });

  it("a recovery code works once, and the owner is told", async () => {
    const mail = withMail();
    const t = await withTwoFactor();
    const first = await passwordStep(t.email, t.password);
    const used = await mail.send("POST", "/sessions/two-factor", {
      cookie: first.cookie,
      form: { recovery_code: ` ${t.recoveryCodes[0]!.toUpperCase()} ` },
    });
    expect(used.status).toBe(200);
    expect(mailTo(mail.sent, t.email).at(-1)!.subject).toBe("A recovery code was used for your edge-auth account");
    await skipCodeWait(t.email);
    const second = await passwordStep(t.email, t.password);
    expect(
      (await mail.send("POST", "/sessions/two-factor", { cookie: second.cookie, form: { recovery_code: t.recoveryCodes[0]! } })).status,
    ).toBe(401);
    expect(await (await call("GET", "/profile/two-factor", { cookie: t.cookie })).json()).toEqual({ state: "on", recovery_codes_left: 9 });
  });

  it("without the pending cookie, or with an expired one: log in again", async () => {
    const t = await withTwoFactor();
    const none = await call("POST", "/sessions/two-factor", { form: { code: "123456" } });
    expect([none.status, await none.json()]).toEqual([401, { message: "login expired: log in again" }]);
    const { cookie } = await passwordStep(t.email, t.password);
    await env.DB.prepare("UPDATE pending_logins SET expires_at = 1 WHERE user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(t.email)
      .run();
    expect((await call("POST", "/sessions/two-factor", { cookie, form: { code: await totp(t.secret) } })).status).toBe(401);
  });

  it("a passwordless account is not asked for a code at all (two-factor off)", async () => {
    const { email } = await loggedIn();
    expect((await call("POST", "/sessions", { form: { email, password: "pw" } })).status).toBe(200);
  });
});
