import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call, loggedIn, uniqueEmail } from "../helpers";
import { secretOf, totp } from "../totp";
import { passwordStep, skipCodeWait, withTwoFactor } from "./helpers";

/** What an attacker's review of #20 found, each held by a test that fails without its fix. */
describe("review of two-factor and passkeys", () => {
  it("a mistyped code on the setup page never shows the secret again: a stolen cookie alone cannot read it", async () => {
    const account = await loggedIn(uniqueEmail("setup"), "pw");
    const begun = await call("POST", "/profile/two-factor", { cookie: account.cookie, form: { password: "pw" } });
    const secret = secretOf(((await begun.json()) as { otpauth_uri: string }).otpauth_uri);
    const page = await call("POST", "/account/two-factor/confirm", {
      cookie: account.cookie,
      form: { code: "000000" },
      headers: { origin: "http://localhost" },
    });
    expect(page.status).toBe(401);
    const html = await page.text();
    expect(html).not.toContain(secret.slice(0, 8));
    expect(html).not.toContain("otpauth://");
    expect(html).not.toMatch(/id="totp-secret"/);
  });

  it("a secret not confirmed within 10 minutes is void", async () => {
    const account = await loggedIn(uniqueEmail("stale"), "pw");
    const begun = await call("POST", "/profile/two-factor", { cookie: account.cookie, form: { password: "pw" } });
    const secret = secretOf(((await begun.json()) as { otpauth_uri: string }).otpauth_uri);
    await env.DB.prepare("UPDATE totp_credentials SET created_at = created_at - 601 WHERE user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(account.email)
      .run();
    const late = await call("POST", "/profile/two-factor/confirm", { cookie: account.cookie, form: { code: await totp(secret) } });
    expect([late.status, await late.json()]).toEqual([400, { message: "two-factor is not on" }]);
  });

  for (const [what, act] of [
    [
      "a password reset",
      async (t: Awaited<ReturnType<typeof withTwoFactor>>) => {
        const asked = await call("POST", "/reset_password", { form: { email: t.email } });
        const { reset_token } = (await asked.json()) as { reset_token: string };
        const done = await call("PUT", "/reset_password", { form: { email: t.email, reset_token, new_password: "new-pw" } });
        expect(done.status).toBe(200);
      },
    ],
    [
      "ending the other sessions",
      async (t: Awaited<ReturnType<typeof withTwoFactor>>) => {
        const done = await call("POST", "/profile/sessions/end-others", { cookie: t.cookie });
        expect(done.status).toBe(200);
      },
    ],
  ] as const) {
    it(`a login waiting for its code ends with ${what}: the old password's half-login cannot finish`, async () => {
      const t = await withTwoFactor();
      const { cookie } = await passwordStep(t.email, t.password);
      expect(cookie).not.toBe("");
      await act(t);
      await skipCodeWait(t.email);
      const finish = await call("POST", "/sessions/two-factor", { cookie, form: { code: await totp(t.secret, Date.now() / 1000, 1) } });
      expect([finish.status, await finish.json()]).toEqual([401, { message: "login expired: log in again" }]);
    });
  }

  it("next= with bytes outside printable ASCII goes to the profile, never raw into Location", async () => {
    const account = await loggedIn(uniqueEmail("next"), "pw");
    for (const next of ["/\u007f", "/é", "/a b"]) {
      const page = await call("POST", `/account/login?next=${encodeURIComponent(next)}`, {
        form: { email: account.email, password: "pw" },
        headers: { origin: "http://localhost" },
      });
      expect([page.status, page.headers.get("location")]).toEqual([303, "/account/profile"]);
    }
  });
});
