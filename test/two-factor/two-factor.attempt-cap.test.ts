import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { call } from "../helpers";
import { totp } from "../totp";
import { passwordStep, skipCodeWait, withTwoFactor } from "./helpers";

const wrongCode = async (secret: Uint8Array) => {
  const right = new Set([await totp(secret, Date.now() / 1000, -1), await totp(secret), await totp(secret, Date.now() / 1000, 1)]);
  for (let n = 0; ; n++) {
    const code = String(n).padStart(6, "0");
    if (!right.has(code)) return code;
  }
};

describe("guessing codes", () => {
  it("a pending login takes at most 5 tries; then even the right code needs a new login", async () => {
    const t = await withTwoFactor();
    const { cookie } = await passwordStep(t.email, t.password);
    const wrong = await wrongCode(t.secret);
    for (let i = 0; i < 5; i++) {
      await skipCodeWait(t.email);
      expect((await call("POST", "/sessions/two-factor", { cookie, form: { code: wrong } })).status, `try ${i + 1}`).toBe(401);
    }
    await skipCodeWait(t.email);
    const sixth = await call("POST", "/sessions/two-factor", { cookie, form: { code: await totp(t.secret, Date.now() / 1000, 1) } });
    expect([sixth.status, await sixth.json()]).toEqual([401, { message: "login expired: log in again" }]);
  });

  it("at most one code a second per account, before any failure (a burst gets 429 with Retry-After)", async () => {
    const t = await withTwoFactor();
    const pending = await Promise.all(Array.from({ length: 4 }, () => passwordStep(t.email, t.password)));
    const wrong = await wrongCode(t.secret);
    await skipCodeWait(t.email);
    const answers = await Promise.all(pending.map(({ cookie }) => call("POST", "/sessions/two-factor", { cookie, form: { code: wrong } })));
    expect(answers.filter((r) => r.status === 401)).toHaveLength(1);
    for (const refused of answers.filter((r) => r.status === 429)) {
      expect(await refused.json()).toEqual({ message: "too many wrong codes: try again later" });
      expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    }
  });

  it("wrong codes build a backoff of the account's own, which a right password does not end", async () => {
    const t = await withTwoFactor();
    await env.DB.prepare(
      "UPDATE totp_credentials SET failed_count = 8, blocked_until = unixepoch() + 120 WHERE user_id = (SELECT id FROM users WHERE email = ?)",
    )
      .bind(t.email)
      .run();
    // Whoever knows the password opens a new pending login (the password step succeeds)...
    const { response, cookie } = await passwordStep(t.email, t.password);
    expect(response.status).toBe(401);
    // ...but cannot try a code until the second-factor wait is over: the login backoff was
    // cleared by the right password, this one was not.
    const refused = await call("POST", "/sessions/two-factor", { cookie, form: { code: await totp(t.secret, Date.now() / 1000, 1) } });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(100);
    const row = await env.DB.prepare("SELECT failed_count FROM totp_credentials WHERE user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(t.email)
      .first<{ failed_count: number }>();
    expect(row!.failed_count).toBe(8);
  });

  it("a right code ends the backoff", async () => {
    const t = await withTwoFactor();
    await env.DB.prepare("UPDATE totp_credentials SET failed_count = 3 WHERE user_id = (SELECT id FROM users WHERE email = ?)")
      .bind(t.email)
      .run();
    const { cookie } = await passwordStep(t.email, t.password);
    expect(
      (await call("POST", "/sessions/two-factor", { cookie, form: { code: await totp(t.secret, Date.now() / 1000, 1) } })).status,
    ).toBe(200);
    const row = await env.DB.prepare(
      "SELECT failed_count, blocked_until FROM totp_credentials WHERE user_id = (SELECT id FROM users WHERE email = ?)",
    )
      .bind(t.email)
      .first();
    expect(row).toEqual({ failed_count: 0, blocked_until: null });
  });
});
