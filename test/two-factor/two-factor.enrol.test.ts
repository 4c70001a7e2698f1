import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { MAIL_VARS, mailTo, withMail } from "../mail";
import { call, loggedIn, uniqueEmail } from "../helpers";
import { base32Decode, hotp, secretOf, totp } from "../totp";
import { withTwoFactor } from "./helpers";

describe("the tests' own TOTP (computed from the RFCs, not by the service's library)", () => {
  it("gives RFC 6238's test vector", async () => {
    const secret = new TextEncoder().encode("12345678901234567890");
    expect(await totp(secret, 59)).toBe("287082");
    expect(await hotp(secret, 1)).toBe("287082");
    expect(base32Decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")).toEqual(secret);
  });
});

describe("turning two-factor on", () => {
  it("POST /profile/two-factor gives the otpauth URI every app reads: SHA-1, 6 digits, 30 s, the issuer and the address", async () => {
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw");
    const response = await call("POST", "/profile/two-factor", { cookie, form: { password: "pw" } });
    expect(response.status).toBe(200);
    const { otpauth_uri } = (await response.json()) as { otpauth_uri: string };
    expect(otpauth_uri).toMatch(
      new RegExp(
        `^otpauth://totp/edge-auth:${encodeURIComponent(email).replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\?secret=[A-Z2-7]+&issuer=edge-auth&algorithm=SHA1&digits=6&period=30$`,
      ),
    );
    expect(secretOf(otpauth_uri)).toHaveLength(20);
    // Pending: logging in still needs only the password.
    expect((await call("GET", "/profile/two-factor", { cookie })).status).toBe(200);
    expect(await (await call("GET", "/profile/two-factor", { cookie })).json()).toEqual({ state: "pending", recovery_codes_left: 0 });
    expect((await call("POST", "/sessions", { form: { email, password: "pw" } })).status).toBe(200);
  });

  it("a wrong password is refused (and counts as a failed login)", async () => {
    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    expect((await call("POST", "/profile/two-factor", { cookie, form: { password: "nope" } })).status).toBe(401);
  });

  it("a code confirms it: ten recovery codes, shown once, stored as digests; the secret is stored encrypted", async () => {
    const t = await withTwoFactor();
    expect(t.recoveryCodes).toHaveLength(10);
    expect(new Set(t.recoveryCodes).size).toBe(10);
    for (const code of t.recoveryCodes) expect(code).toMatch(/^[a-z2-7]{5}-[a-z2-7]{5}$/);
    const rows = (
      await env.DB.prepare("SELECT code_hash FROM recovery_codes WHERE user_id = (SELECT id FROM users WHERE email = ?)")
        .bind(t.email)
        .all<{ code_hash: string }>()
    ).results;
    expect(rows).toHaveLength(10);
    for (const code of t.recoveryCodes) expect(JSON.stringify(rows)).not.toContain(code);
    // Keyed digests: no plain SHA-256 of a code (with or without its dash) is among them, so a
    // dump alone does not allow an offline search of the 50-bit codes.
    const sha256 = async (text: string) =>
      [...new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)))]
        .map((b) => b.toString(16).padStart(2, "0"))
        .join("");
    const stored = new Set(rows.map((r) => r.code_hash));
    for (const code of t.recoveryCodes) {
      for (const form of [code, code.replace("-", ""), `recovery-code:${code}`]) expect(stored.has(await sha256(form))).toBe(false);
    }
    const sealed = await env.DB.prepare(
      "SELECT secret_encrypted AS s FROM totp_credentials WHERE user_id = (SELECT id FROM users WHERE email = ?)",
    )
      .bind(t.email)
      .first<{ s: string }>();
    const base32 = new URL(t.otpauthUri).searchParams.get("secret")!;
    expect(sealed!.s).not.toContain(base32);
    expect(sealed!.s).not.toContain(btoa(String.fromCharCode(...t.secret)));
    expect(await (await call("GET", "/profile/two-factor", { cookie: t.cookie })).json()).toEqual({ state: "on", recovery_codes_left: 10 });
    // On: asking to begin again is refused; confirming again too.
    expect((await call("POST", "/profile/two-factor", { cookie: t.cookie, form: { password: "pw" } })).status).toBe(400);
  });

  it("a wrong code confirms nothing", async () => {
    const { cookie } = await loggedIn(uniqueEmail(), "pw");
    const { otpauth_uri } = (await (await call("POST", "/profile/two-factor", { cookie, form: { password: "pw" } })).json()) as {
      otpauth_uri: string;
    };
    const right = await totp(secretOf(otpauth_uri));
    const wrong = right === "000000" ? "111111" : "000000";
    const refused = await call("POST", "/profile/two-factor/confirm", { cookie, form: { code: wrong } });
    expect([refused.status, await refused.json()]).toEqual([401, { message: "invalid code" }]);
    expect((await (await call("GET", "/profile/two-factor", { cookie })).json()) as object).toEqual({
      state: "pending",
      recovery_codes_left: 0,
    });
  });

  it("the owner is told when it is turned on, and off", async () => {
    const mail = withMail();
    const { email, cookie } = await loggedIn(uniqueEmail(), "pw");
    const { otpauth_uri } = (await (await mail.send("POST", "/profile/two-factor", { cookie, form: { password: "pw" } })).json()) as {
      otpauth_uri: string;
    };
    const secret = secretOf(otpauth_uri);
    await mail.send("POST", "/profile/two-factor/confirm", { cookie, form: { code: await totp(secret) } });
    expect(mailTo(mail.sent, email).at(-1)!.subject).toBe("Two-factor sign-in was turned on for your edge-auth account");
    const off = await mail.send("DELETE", "/profile/two-factor", {
      cookie,
      json: { password: "pw", code: await totp(secret, Date.now() / 1000, 1) },
    });
    expect(off.status).toBe(200);
    expect(mailTo(mail.sent, email).at(-1)!.subject).toBe("Two-factor sign-in was turned off for your edge-auth account");
    expect(await (await call("GET", "/profile/two-factor", { cookie })).json()).toEqual({ state: "off", recovery_codes_left: 0 });
    void MAIL_VARS;
  });
});
